import { describe, expect, it } from "vitest";
import { translator, type Locale } from "../../src/i18n";
import type { DeliveryPanel } from "../../src/domain/deliveries";
import { DeliveriesPanel } from "../../templates/components/deliveries";
import type { View } from "../../templates/view";

function view(locale: Locale): View {
  return { t: translator(locale), locale, nonce: "n", csrf: "c", user: null, path: "/envelopes/env_1" };
}

const panel: DeliveryPanel = {
  recipients: [
    { id: "rcp_a", name: "Kari <b>Nordmann</b>", correctable: true },
    { id: "rcp_b", name: "Ola", correctable: false },
  ],
  rows: [
    { id: "m2", recipientId: "rcp_b", kind: "invite", channel: "email", to: "ola@example.com", at: "2026-05-01T10:00:00.000Z", failed: false },
    { id: "m1", recipientId: "rcp_a", kind: "invite", channel: "email", to: "kari@example.com", at: "2026-05-01T10:00:01.000Z", failed: true },
    { id: "m3", recipientId: "rcp_a", kind: "code", channel: "sms", to: "+4791234567", at: "2026-05-01T10:05:00.000Z", failed: false },
  ],
  openFailures: ["m1"],
};

const render = (locale: Locale, p = panel) => String(DeliveriesPanel({ view: view(locale), panel: p, timeZone: "Europe/Oslo" }));

describe("the messages-sent panel", () => {
  it("lists each recipient's messages together, in signing order, with channel, address, local time and result", () => {
    const html = render("en");
    const rows = [...html.matchAll(/<tr><td>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, "|").replace(/\|+/g, "|"));
    expect(rows).toEqual([
      "Kari &lt;b&gt;Nordmann&lt;/b&gt;|Invitation (email)|kari@example.com|1 May 2026, 12:00|Not delivered|",
      "Kari &lt;b&gt;Nordmann&lt;/b&gt;|Code (SMS)|+4791234567|1 May 2026, 12:05|Sent|",
      "Ola|Invitation (email)|ola@example.com|1 May 2026, 12:00|Sent|",
    ]);
  });

  it("names an open failure and links to the recipient's correct-address field, with the name escaped", () => {
    const html = render("en");
    expect(html).toContain("The invitation to kari@example.com could not be delivered.");
    expect(html).toContain('<a href="#correct-rcp_a">Correct the address of Kari &lt;b&gt;Nordmann&lt;/b&gt;</a>');
    expect(html).not.toContain("<b>");
  });

  it("speaks Norwegian to a Norwegian sender", () => {
    const html = render("nb");
    expect(html).toContain("Sendte meldinger");
    expect(html).toContain("Invitasjonen til kari@example.com kunne ikke leveres.");
    expect(html).toContain("Ikke levert");
  });

  it("shows no warning when no failure is open, and says when nothing was sent", () => {
    expect(render("en", { ...panel, openFailures: [] })).not.toContain("could not be delivered");
    expect(render("en", { recipients: panel.recipients, rows: [], openFailures: [] })).toContain("No messages have been sent yet.");
  });
});
