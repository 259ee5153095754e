/**
 * The sender's dashboard as a sender (or another tenant) would see it: the list at
 * /envelopes with its status filters and counts, search by title or signer, pages,
 * what happens with odd query strings, and the envelope page's timeline and retention.
 * Volume (57 envelopes) is seeded into the D1 projection the list reads; one envelope
 * goes through the real builder and Durable Object end to end.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { translator } from "../../src/i18n";
import type { EnvelopeState } from "../../src/domain/envelope";
import type { ChainedEvent } from "../../src/domain/event-chain";
import { database } from "../../src/storage/db";
import { envelopes, recipients, users } from "../../src/storage/schema";
import { daysLeft, Retention } from "../../templates/components/retention";
import { Timeline } from "../../templates/components/timeline";
import type { View } from "../../templates/view";
import type { Client } from "../support/client";
import { createEnvelope, decode, mainOf, newSender, newSigner, sentEnvelope, timeline } from "../support/flows";

// ---------------------------------------------------------------------------
// helpers

const db = database(env.DB);
const DAY = 86_400_000;
let seq = 0;

type Seed = { title: string; status?: string; createdAt?: string; endedAt?: string | null; signers?: { name: string; email: string; status?: string }[] };

/** Writes envelopes straight into the projection the list reads, owned by this sender. */
async function seed(email: string, rows: Seed[]): Promise<string[]> {
  const [user] = await db.select().from(users).where(eq(users.email, email));
  expect(user).toBeTruthy();
  const ids: string[] = [];
  const base = Date.parse("2026-01-01T10:00:00Z");
  for (const row of rows) {
    seq += 1;
    const id = `env_seed${String(seq).padStart(6, "0")}xx`;
    ids.push(id);
    await db.insert(envelopes).values({
      id,
      orgId: user!.personalOrgId,
      ownerId: user!.id,
      documentId: `doc_seed${seq}`,
      title: row.title,
      status: row.status ?? "draft",
      signingOrder: "parallel",
      createdAt: row.createdAt ?? new Date(base + seq * 60_000).toISOString(),
      endedAt: row.endedAt ?? null,
      version: 1,
    });
    let n = 0;
    for (const s of row.signers ?? []) {
      n += 1;
      await db.insert(recipients).values({
        id: `rcp_seed${seq}x${n}`,
        orgId: user!.personalOrgId,
        envelopeId: id,
        name: s.name,
        email: s.email,
        role: "signer",
        method: "email_link",
        signingOrder: n,
        locale: "en",
        status: s.status ?? "notified",
      });
    }
  }
  return ids;
}

type Listed = { html: string; status: number; titles: string[]; counts: Record<string, number>; current: string | null; showing: string; rows: string[] };

/** The list page as a person reads it: titles in order, counts by filter, the "Showing" line. */
async function list(client: Client, query = ""): Promise<Listed> {
  const res = await client.get(`/envelopes${query}`);
  const html = await res.text();
  const main = mainOf(html);
  const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(main)?.[1] ?? "";
  const rows = [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => decode(m[1]!.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim());
  const titles = [...tbody.matchAll(/<td><a href="\/envelopes\/[^"]+">([\s\S]*?)<\/a><\/td>/g)].map((m) => decode(m[1]!));
  const counts: Record<string, number> = {};
  let current: string | null = null;
  for (const m of main.matchAll(/<a class="filter" href="([^"]*)"( aria-current="page")?>([\s\S]*?)<\/a>/g)) {
    const status = new URLSearchParams(decode(m[1]!).split("?")[1] ?? "").get("status") ?? "all";
    counts[status] = Number(/<span class="filter__count">(\d+)<\/span>/.exec(m[3]!)?.[1]);
    if (m[2]) current = status;
  }
  const showing = decode((/<p id="results-status"[^>]*>([\s\S]*?)<\/p>/.exec(main)?.[1] ?? "").replace(/<[^>]+>/g, "")).trim();
  return { html, status: res.status, titles, counts, current, showing, rows };
}

function links(html: string, rel: "prev" | "next"): string | null {
  const m = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html);
  return m ? decode(m[1]!) : null;
}

const enView = (): View => ({ t: translator("en"), locale: "en", nonce: "n", csrf: "c", user: { name: "S", emailVerified: true }, path: "/" });

// ---------------------------------------------------------------------------

describe("the envelope list", () => {
  it("shows an envelope sent through the builder with its status and signers, and finds it by the signer's name and email", async () => {
    const signer = newSigner("Ingrid Signerud");
    const { sender, id } = await sentEnvelope([signer], { title: "Lease of the boathouse" });

    const all = await list(sender.client);
    expect(all.status).toBe(200);
    expect(all.titles).toEqual(["Lease of the boathouse"]);
    expect(all.html).toContain(`href="/envelopes/${id}"`);
    expect(all.rows[0]).toContain("Out for signing");
    expect(all.rows[0]).toContain("0 of 1 signed");
    expect(all.counts).toMatchObject({ all: 1, draft: 0, sent: 1, completed: 0 });
    expect(all.showing).toBe("Showing 1 envelope");

    expect((await list(sender.client, "?q=signerud")).titles).toEqual(["Lease of the boathouse"]);
    expect((await list(sender.client, `?q=${encodeURIComponent(signer.email.toUpperCase())}`)).titles).toEqual(["Lease of the boathouse"]);
    expect((await list(sender.client, "?q=BOATHOUSE")).titles).toEqual(["Lease of the boathouse"]);
    expect((await list(sender.client, "?status=sent")).titles).toEqual(["Lease of the boathouse"]);
    expect((await list(sender.client, "?status=completed")).titles).toEqual([]);
  });

  it("tells a new sender there is nothing yet, without a search form", async () => {
    const { client } = await newSender();
    const page = await list(client);
    expect(page.status).toBe(200);
    expect(mainOf(page.html)).toContain("You have not sent anything yet.");
    expect(page.html).not.toContain('role="search"');
  });

  it("counts every status in the filter links, marks the current one, and lists only that status", async () => {
    const { client, email } = await newSender();
    const statuses = { draft: 3, sent: 4, completed: 2, declined: 1, cancelled: 1, expired: 1 };
    await seed(
      email,
      Object.entries(statuses).flatMap(([status, n]) =>
        Array.from({ length: n }, (_, i) => ({ title: `${status} ${i + 1}`, status, endedAt: status === "completed" ? new Date().toISOString() : null })),
      ),
    );
    const all = await list(client);
    expect(all.counts).toEqual({ all: 12, ...statuses });
    expect(all.current).toBe("all");
    expect(all.titles).toHaveLength(12);
    // Newest first.
    expect(all.titles[0]).toBe("expired 1");

    const sent = await list(client, "?status=sent");
    expect(sent.current).toBe("sent");
    expect(sent.titles.sort()).toEqual(["sent 1", "sent 2", "sent 3", "sent 4"]);
    expect(sent.showing).toBe("Showing 1–4 of 4 envelopes");
    // The counts stay those of every status, so the sender sees where the others are.
    expect(sent.counts).toEqual(all.counts);

    const completed = await list(client, "?status=completed");
    expect(completed.titles.sort()).toEqual(["completed 1", "completed 2"]);
    expect(completed.rows[0]).toMatch(/(89|90) days left/);
  });

  it("shows the envelope as completing once every signer has signed but the signed PDF is not stored yet", async () => {
    const { client, email } = await newSender();
    await seed(email, [
      { title: "All signed", status: "sent", signers: [{ name: "A", email: "a@example.com", status: "signed" }, { name: "B", email: "b@example.com", status: "signed" }] },
      { title: "Half signed", status: "sent", signers: [{ name: "C", email: "c@example.com", status: "signed" }, { name: "D", email: "d@example.com" }] },
    ]);
    const page = await list(client);
    const row = (title: string) => page.rows.find((r) => r.startsWith(title))!;
    expect(row("All signed")).toContain("Completing");
    expect(row("All signed")).toContain("2 of 2 signed");
    expect(row("Half signed")).toContain("Out for signing");
    expect(row("Half signed")).toContain("1 of 2 signed");
  });

  it("searches titles and signers' names and emails regardless of case, Norwegian letters included", async () => {
    const { client, email } = await newSender();
    await seed(email, [
      { title: "Loan to a friend", signers: [{ name: "Øystein Åsmund Bø", email: "oystein@example.no" }] },
      { title: "Rental of a room", signers: [{ name: "Kari Nordmann", email: "kari.nordmann.with.a.rather.long.address@mail.example.com" }] },
      { title: "SALG AV BÅT", signers: [] },
    ]);
    expect((await list(client, "?q=LOAN")).titles).toEqual(["Loan to a friend"]);
    expect((await list(client, "?q=%C3%B8ystein")).titles).toEqual(["Loan to a friend"]); // "øystein"
    expect((await list(client, "?q=%C3%85SMUND+B%C3%98")).titles).toEqual(["Loan to a friend"]); // "ÅSMUND BØ"
    expect((await list(client, "?q=salg+av+b%C3%A5t")).titles).toEqual(["SALG AV BÅT"]); // "salg av båt"
    expect((await list(client, "?q=KARI.NORDMANN.WITH")).titles).toEqual(["Rental of a room"]);
    expect((await list(client, "?q=++nordmann++")).titles).toEqual(["Rental of a room"]);
    // A whole address, longer than the 50 bytes D1 allows in a LIKE pattern: still found.
    expect((await list(client, `?q=${encodeURIComponent("KARI.NORDMANN.WITH.A.RATHER.LONG.ADDRESS@MAIL.EXAMPLE.COM")}`)).titles).toEqual(["Rental of a room"]);
    const none = await list(client, "?q=nobody");
    expect(none.titles).toEqual([]);
    expect(none.showing).toBe("No envelopes match “nobody”.");
    expect(mainOf(none.html)).toContain('<a href="/envelopes">Clear search</a>');
    // The counts follow the search.
    expect(none.counts.all).toBe(0);
  });

  it("matches % _ * ? [ as the characters typed, not as wildcards", async () => {
    const { client, email } = await newSender();
    await seed(email, [
      { title: "Discount 10% on renewal" },
      { title: "Discount 10 on renewal" },
      { title: "file_name agreement" },
      { title: "filename agreement" },
      { title: "Star * deal" },
      { title: "Star deal" },
      { title: "Really?" },
      { title: "Really" },
      { title: "[draft] terms" },
      { title: "draft terms" },
    ]);
    expect((await list(client, "?q=%25")).titles).toEqual(["Discount 10% on renewal"]);
    expect((await list(client, "?q=10%25+on")).titles).toEqual(["Discount 10% on renewal"]);
    expect((await list(client, "?q=_")).titles).toEqual(["file_name agreement"]);
    expect((await list(client, "?q=*")).titles).toEqual(["Star * deal"]);
    expect((await list(client, "?q=%3F")).titles).toEqual(["Really?"]);
    expect((await list(client, "?q=%5Bdraft%5D")).titles).toEqual(["[draft] terms"]);
    expect((await list(client, "?q=%5B")).titles).toEqual(["[draft] terms"]);
    expect((await list(client, "?q=%5D")).titles).toEqual(["[draft] terms"]);
  });

  it("pages through 57 envelopes 20 at a time, keeping the filter and the search in the links", async () => {
    const { client, email } = await newSender();
    await seed(email, Array.from({ length: 57 }, (_, i) => ({ title: `Contract ${String(i + 1).padStart(2, "0")}`, status: "sent" })));
    await seed(email, [{ title: "A draft that is not a contract", status: "draft" }]);

    const first = await list(client, "?status=sent&q=contract");
    expect(first.showing).toBe("Showing 1–20 of 57 envelopes");
    expect(first.titles[0]).toBe("Contract 57");
    expect(first.titles).toHaveLength(20);
    expect(links(first.html, "prev")).toBeNull();
    expect(links(first.html, "next")).toBe("/envelopes?status=sent&q=contract&page=2");
    expect(mainOf(first.html)).toContain("Page 1 of 3");

    const second = await list(client, links(first.html, "next")!.slice("/envelopes".length));
    expect(second.showing).toBe("Showing 21–40 of 57 envelopes");
    expect(second.titles[0]).toBe("Contract 37");
    expect(links(second.html, "prev")).toBe("/envelopes?status=sent&q=contract");

    const last = await list(client, "?status=sent&q=contract&page=3");
    expect(last.showing).toBe("Showing 41–57 of 57 envelopes");
    expect(last.titles).toHaveLength(17);
    expect(last.titles.at(-1)).toBe("Contract 01");
    expect(links(last.html, "next")).toBeNull();

    // Every envelope is on exactly one page.
    const seen = [...first.titles, ...second.titles, ...last.titles];
    expect(new Set(seen).size).toBe(57);

    // A page past the end shows the last page, not an error.
    const beyond = await list(client, "?status=sent&q=contract&page=4000000000000");
    expect(beyond.status).toBe(200);
    expect(beyond.showing).toBe("Showing 41–57 of 57 envelopes");
  });

  it("ignores query values it does not understand instead of failing", async () => {
    const { client, email } = await newSender();
    await seed(email, [{ title: "Only one", status: "completed", endedAt: new Date().toISOString() }]);
    for (const query of [
      "?status=purged",
      "?status=<script>",
      "?status[]=draft",
      "?page=abc",
      "?page=-3",
      "?page=1.5",
      "?page=1e400",
      "?page=",
      "?q=",
      `?q=${"x".repeat(5000)}`,
      "?q=%00%01",
      `?q=${encodeURIComponent("æøåäöüéèêëïîôûçñłśźżćńęąšžčřěů".repeat(3))}`,
      "?status=completed&status=draft",
    ]) {
      const page = await list(client, query);
      expect(page.status, query).toBe(200);
    }
    expect((await list(client, "?status=bogus")).current).toBe("all");
    expect((await list(client, "?status=bogus")).titles).toEqual(["Only one"]);
    expect((await list(client, "?page=abc")).showing).toBe("Showing 1 envelope");
    // A search longer than anyone types is cut to 100 characters and simply finds nothing.
    const long = await list(client, `?q=${"x".repeat(5000)}`);
    expect(long.showing).toBe(`No envelopes match “${"x".repeat(100)}”.`);
  });

  it("never lists or counts another tenant's envelopes, even when the search matches them", async () => {
    const mine = await newSender();
    const theirs = await newSender();
    await seed(mine.email, [{ title: "Shared word alpha", signers: [{ name: "Per Hansen", email: "per@example.com" }] }]);
    await seed(theirs.email, [
      { title: "Shared word beta", status: "sent", signers: [{ name: "Per Hansen", email: "per@example.com" }] },
      { title: "Secret merger", status: "completed", endedAt: new Date().toISOString() },
    ]);
    const own = await list(mine.client, "?q=shared");
    expect(own.titles).toEqual(["Shared word alpha"]);
    expect(own.counts).toMatchObject({ all: 1, sent: 0, completed: 0 });
    expect((await list(mine.client, "?q=per+hansen")).titles).toEqual(["Shared word alpha"]);
    expect((await list(mine.client, "?q=merger")).titles).toEqual([]);
    expect((await list(mine.client)).html).not.toContain("Secret merger");
    expect((await list(mine.client, "?status=completed")).counts.completed).toBe(0);
    expect((await list(theirs.client)).titles.sort()).toEqual(["Secret merger", "Shared word beta"]);
  });

  it("escapes titles and the search text it shows back", async () => {
    const { client, email } = await newSender();
    await seed(email, [{ title: `<img src=x onerror="alert(1)"> & "quotes"` }]);
    const page = await list(client);
    expect(page.html).not.toContain("<img src=x");
    expect(page.titles).toEqual([`<img src=x onerror="alert(1)"> & "quotes"`]);
    const q = `"><script>alert(1)</script>`;
    const searched = await list(client, `?q=${encodeURIComponent(q)}`);
    expect(searched.status).toBe(200);
    expect(searched.html).not.toContain("<script>alert(1)</script>");
    expect(searched.html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(searched.showing).toBe(`No envelopes match “${q}”.`);
  });

  it("is only for signed-in senders", async () => {
    const { Client } = await import("../support/client");
    const res = await new Client("198.51.100.77").get("/envelopes?q=anything");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toMatch(/^\/login/);
  });
});

describe("the envelope page", () => {
  it("shows the timeline as an ordered list with times, what happened, to whom and by whom", async () => {
    const signer = newSigner("Tora Tidslinje");
    const { sender, path } = await sentEnvelope([signer]);
    const entries = await timeline(sender.client, path);
    expect(entries[0]).toBe("Envelope created");
    expect(entries).toContain("Signer added — Tora Tidslinje");
    expect(entries.indexOf("Sent for signing")).toBeLessThan(entries.indexOf("Invitation sent — Tora Tidslinje"));
    const { html } = await sender.client.page(path);
    const list = /<ol class="timeline">([\s\S]*?)<\/ol>/.exec(html)![1]!;
    const items = [...list.matchAll(/<li class="timeline__item timeline__item--(\w+)">([\s\S]*?)<\/li>/g)].map(([, tone, body]) => ({ tone, body: body! }));
    expect(items).toHaveLength(entries.length);
    for (const { body } of items) expect(body).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">[^<]+<\/time>/);
    const item = (text: string) => items.find((i) => i.body.includes(`<span>${text}</span>`))!;
    expect(item("Envelope created").body).toContain("By you");
    expect(item("Sent for signing").tone).toBe("sent");
    expect(item("Sent for signing").body).toContain("By you");
    expect(item("Invitation sent — Tora Tidslinje").body).toContain("By Pactly, automatically");
  });

  it("shows an event type it does not know with a general description rather than failing", () => {
    const at = "2026-03-01T12:00:00.000Z";
    const event = (type: string, actor: ChainedEvent["actor"], recipientId: string | null = null) =>
      ({ type, at, actor, recipientId, ip: null, userAgent: null, data: {}, envelopeId: "env_x", seq: 1, prevHash: "0", hash: "1" }) as unknown as ChainedEvent;
    const state = {
      ownerId: "usr_owner",
      timeZone: "America/New_York",
      recipients: [{ id: "rcp_1", name: "Ada <Lovelace>" }] as EnvelopeState["recipients"],
    };
    const html = String(
      Timeline({
        view: enView(),
        state,
        events: [
          event("something_new", { kind: "system" }),
          event("invitation_resent", { kind: "sender", userId: "usr_owner" }, "rcp_1"),
          event("recipient_signed", { kind: "signer", recipientId: "rcp_1" }, "rcp_1"),
        ],
      }),
    );
    expect(html).toContain("<span>Other event (something_new)</span>");
    expect(html).toContain("<span>Invitation sent again — Ada &lt;Lovelace&gt;</span>");
    // In the envelope's own time zone: noon UTC is 7 AM in New York.
    expect(html).toMatch(/<time datetime="2026-03-01T12:00:00.000Z">1 Mar 2026, 07:00<\/time>/);
    expect(html.match(/By you/g)).toHaveLength(1);
    expect(html).toContain("timeline__item--done");
  });

  it("says how many days are left before a completed envelope's PDF is deleted, in words and with its date", () => {
    const now = new Date("2026-11-23T09:00:00Z");
    const html = String(Retention({ view: enView(), until: "2027-02-20T15:00:00.000Z", now }));
    expect(html).toContain("Available to download until <time datetime=\"2027-02-20T15:00:00.000Z\">20 February 2027</time> (89 days left). Then it is deleted.");
    expect(String(Retention({ view: enView(), until: "2026-11-24T15:00:00.000Z", now }))).toContain("(1 day left)");
    expect(String(Retention({ view: enView(), until: "2026-11-23T22:00:00.000Z", now }))).toContain("(last day)");
    const nb: View = { ...enView(), t: translator("nb"), locale: "nb" };
    expect(String(Retention({ view: nb, until: "2027-02-20T15:00:00.000Z", now }))).toContain("Kan lastes ned til <time datetime=\"2027-02-20T15:00:00.000Z\">20. februar 2027</time> (89 dager igjen).");
    expect(String(Retention({ view: nb, until: "2026-11-24T15:00:00.000Z", now }))).toContain("(1 dag igjen)");
    // Days are counted on the calendar where the envelope lives: 23:30 in Oslo is already the next day there.
    expect(daysLeft("2026-11-24T23:30:00.000Z", new Date("2026-11-23T23:30:00.000Z"), "Europe/Oslo")).toBe(1);
    expect(daysLeft("2026-11-24T22:59:00.000Z", new Date("2026-11-23T23:30:00.000Z"), "Europe/Oslo")).toBe(0);
  });
});

// Keep the real builder flow honest: a draft is listed as a draft with no signers yet.
describe("drafts", () => {
  it("lists a fresh draft with no signers yet", async () => {
    const { client } = await newSender();
    await createEnvelope(client, { title: "Draft with nobody" });
    const page = await list(client, "?status=draft");
    expect(page.titles).toEqual(["Draft with nobody"]);
    expect(page.rows[0]).toContain("No signers yet");
  });
});
