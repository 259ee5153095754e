import { describe, expect, it } from "vitest";
import type { QueueMessage } from "../../src/domain/messages";
import { locales } from "../../src/i18n";
import { isGsm7, renderMessage, SMS_MAX_LENGTH, toGsm7, type DeliverableMessage, type RenderedEmail, type RenderedSms } from "../../templates/emails/render";

const ctx = { baseUrl: "https://sign.example.com", retentionDays: "90" };
const token = "T".repeat(43);
const base = { v: 1 as const, id: "msg_render_1", orgId: "org_1", envelopeId: "env_1" };

function invite(over: Partial<Extract<QueueMessage, { type: "invite" }>> = {}): DeliverableMessage {
  return { ...base, type: "invite", recipientId: "rcp_1", to: "kari@example.com", name: "Kari Nordmann", locale: "en", title: "Used-car sale", senderName: "Sara", message: "", token, ...over };
}

function code(over: Partial<Extract<QueueMessage, { type: "code" }>> = {}): DeliverableMessage {
  return { ...base, type: "code", recipientId: "rcp_1", channel: "sms", to: "+4791234567", locale: "en", code: "123456", expiresInMinutes: 10, title: "Used-car sale", ...over };
}

function email(message: DeliverableMessage): RenderedEmail {
  const rendered = renderMessage(message, ctx);
  if (rendered.channel !== "email") throw new Error("expected an email");
  return rendered;
}

function sms(message: DeliverableMessage): RenderedSms {
  const rendered = renderMessage(message, ctx);
  if (rendered.channel !== "sms") throw new Error("expected an SMS");
  return rendered;
}

const everyType: DeliverableMessage[] = [
  invite(),
  invite({ reminder: true }),
  code({ channel: "email", to: "kari@example.com" }),
  { ...base, type: "completed", recipientId: "rcp_1", to: "kari@example.com", name: "Kari", locale: "en", title: "Used-car sale", token },
  { ...base, type: "declined", to: "sara@example.com", locale: "en", title: "Used-car sale", declinedByName: "Kari", reason: "Wrong price" },
  { ...base, type: "finalisation_failed", to: "sara@example.com", name: "Sara", locale: "en", title: "Used-car sale", reason: "document_unsealable" },
  { v: 1, id: "msg_acc_1", orgId: "org_1", type: "verify_email", userId: "usr_1", to: "sara@example.com", name: "Sara", locale: "en", purpose: "signup", token },
  { v: 1, id: "msg_acc_2", orgId: "org_1", type: "password_reset", userId: "usr_1", to: "sara@example.com", name: "Sara", locale: "en", token },
  { v: 1, id: "msg_acc_3", orgId: "org_1", type: "account_notice", userId: "usr_1", to: "sara@example.com", name: "Sara", locale: "en", notice: "password_changed" },
];

describe("email rendering", () => {
  it.each(everyType.map((m) => [m.type + (m.type === "invite" && m.reminder ? " (reminder)" : ""), m] as const))("renders %s as an accessible HTML document and a plain-text version with the same link", (_name, message) => {
    const { html, text, link, subject } = email(message);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<html lang="en"');
    expect(html).toContain(`<title>`);
    expect(html).toMatch(/<div role="article" aria-roledescription="email" aria-label="[^"]+" lang="en"/);
    expect(subject.length).toBeGreaterThan(5);
    // No images, no tracking pixels, no tables, no scripts.
    expect(html).not.toMatch(/<img|<table|<script|<style/i);
    if (link) {
      expect(link.startsWith("https://sign.example.com/")).toBe(true);
      expect(text).toContain(link);
      // The primary link has words, not only the address, and the address is repeated for broken buttons.
      expect(html).toMatch(new RegExp(`<a href="${link.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"[^>]*>\\s*[A-Z][a-z]`));
      expect(html.split(`href="${link}"`).length - 1).toBe(2);
    }
  });

  it("writes an invitation in Norwegian to a recipient whose language is nb", () => {
    const { html, text, subject } = email(invite({ locale: "nb" }));
    expect(subject).toBe("Sara ber deg signere «Used-car sale»");
    expect(html).toContain('<html lang="nb"');
    expect(html).toContain('aria-roledescription="email" aria-label="Sara ber deg signere «Used-car sale»" lang="nb"');
    expect(html).toContain("Åpne og signer");
    expect(text).toContain("Hei Kari Nordmann");
    expect(text).not.toContain("Hello");
  });

  it("tells the sender, in their language, that the signed PDF could not be made and why, with a link to the envelope", () => {
    const message = { ...base, type: "finalisation_failed" as const, to: "sara@example.com", name: "Sara", title: "Bilsalg <Volvo>", reason: "seal_unavailable" as const };
    const en = email({ ...message, locale: "en" });
    expect(en.subject).toBe("“Bilsalg <Volvo>” is signed but could not be completed");
    expect(en.text).toContain("Reason: Pactly’s seal could not be applied (a problem on our side).");
    expect(en.text).toContain("Nobody needs to sign again.");
    expect(en.link).toBe("https://sign.example.com/envelopes/env_1");
    expect(en.html).toContain(`href="https://sign.example.com/envelopes/env_1"`);
    expect(en.html).toContain("Bilsalg &lt;Volvo&gt;");
    const nb = email({ ...message, locale: "nb" });
    expect(nb.subject).toBe("«Bilsalg <Volvo>» er signert, men kunne ikke fullføres");
    expect(nb.text).toContain("Årsak: Pactlys segl kunne ikke settes på (en feil hos oss).");
    expect(nb.html).toContain('lang="nb"');
  });

  it("says Reminder in the subject of a reminder, in both languages", () => {
    expect(email(invite({ reminder: true })).subject).toBe("Reminder: Sara asks you to sign “Used-car sale”");
    expect(email(invite({ reminder: true, locale: "nb" })).subject).toMatch(/^Påminnelse: /);
  });

  it("escapes the sender's title, name and message in the HTML and keeps them verbatim in the text", () => {
    const evil = `<script>alert("x")</script> & <img src=x onerror=alert(1)>`;
    const { html, text } = email(invite({ title: evil, senderName: `Eve <b>`, name: `Kari "K" <i>`, message: `Hi <a href="https://evil.example">click</a>` }));
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain('<a href="https://evil.example"');
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;");
    expect(text).toContain(evil);
    expect(text).toContain(`Hi <a href="https://evil.example">click</a>`);
  });

  it("keeps the sender's line breaks as separate lines in the HTML", () => {
    const { html } = email(invite({ message: "Line one\nLine two" }));
    expect(html).toMatch(/Line one<br\/?>Line two/);
  });

  it("puts a one-time code by email in large text, once in each version, with its validity", () => {
    const { html, text, link } = email(code({ channel: "email", to: "kari@example.com", locale: "nb" }));
    expect(link).toBeNull();
    expect(text).toContain("123456");
    expect(text).toContain("10 minutter");
    expect(html).toMatch(/<p style="font-size:28px[^"]*">123456<\/p>/);
  });

  it("states the availability window in the completion email", () => {
    const completed = everyType.find((m) => m.type === "completed")!;
    expect(email(completed).text).toContain("90 days");
  });
});

describe("SMS rendering", () => {
  it("puts the code first, names the title and the validity, in the recipient's language", () => {
    expect(sms(code()).text).toBe("123456 is your Pactly code for 'Used-car sale'. Valid 10 minutes.");
    expect(sms(code({ locale: "nb", title: "Bilsalg på Ås" })).text).toBe("123456 er Pactly-koden din for 'Bilsalg på Ås'. Gyldig i 10 minutter.");
  });

  it("stays one GSM-7 segment whatever the title holds", () => {
    const titles = ["“Leie” – Łódź ★ {x} [y] €100 … 😀 Ωmega", "A".repeat(400), "Ærlig øl-avtale på Åsen", "Überweisung für José"];
    for (const title of titles) {
      for (const locale of locales) {
        const text = sms(code({ title, locale })).text;
        expect(text.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
        expect(isGsm7(text), text).toBe(true);
        expect(text.startsWith("123456 ")).toBe(true);
      }
    }
    expect(sms(code({ title: "A".repeat(400) })).text).toContain("...'");
  });

  it("keeps Norwegian letters, which GSM-7 has, and simplifies what it lacks", () => {
    expect(toGsm7("Ærlig Øl på Ås")).toBe("Ærlig Øl på Ås");
    expect(toGsm7("“Łukasz” – {1}")).toBe('"Lukasz" - (1)');
  });
});
