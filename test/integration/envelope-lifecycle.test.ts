/**
 * The envelope's lifecycle through the sender's pages: settings, recipients (signers and
 * copies), order, send with an expiry date, remind, resend, correct an address, cancel,
 * delete a draft, expire; each refused in the wrong state with the reason on the page,
 * each tried by another tenant (404, nothing changed), and each mirrored to D1.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EnvelopeState } from "../../src/domain/envelope";
import { envelopeStub } from "../../src/services/envelope-stub";
import { Client } from "../support/client";
import {
  createEnvelope,
  envelopeStatus,
  freshIp,
  mainOf,
  newSender,
  newSigner,
  openLink,
  outboxMessages,
  sendEnvelope,
  sentEnvelope,
  signerRows,
  timeline,
  titleOf,
  type Signer,
} from "../support/flows";
import { eventually } from "../support/eventually";

async function post(client: Client, pagePath: string, action: string, fields: Record<string, string> = {}) {
  const { csrf } = await client.page(pagePath);
  return client.post(action, fields, csrf);
}

/** Moves every invitation of this envelope two hours into the past, as if time had passed. */
async function ageInvitations(id: string) {
  await runInDurableObject(envelopeStub(env, id), (_instance, state) => {
    const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one();
    const envelope = JSON.parse(row.v) as EnvelopeState;
    const past = new Date(Date.now() - 2 * 3600_000).toISOString();
    for (const r of envelope.recipients) if (r.lastInvitedAt) r.lastInvitedAt = past;
    state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'state'", JSON.stringify(envelope));
  });
}

async function stateOf(id: string): Promise<EnvelopeState | null> {
  return envelopeStub(env, id).getState();
}

async function messagesTo(client: Client, to: string) {
  return (await outboxMessages(client)).filter((m) => m.to === to);
}

/** The value `fn` gives once `ok` holds for it, polled with a deadline (see support/eventually). */
async function until<T>(fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const found = await eventually(
    async () => {
      const value = await fn();
      return ok(value) ? { value } : undefined;
    },
    { what: `${fn} to satisfy ${ok}`, within: timeoutMs },
  );
  return found.value;
}

function recipientIdOf(state: EnvelopeState, email: string): string {
  return state.recipients.find((r) => r.email === email)!.id;
}

describe("the builder", () => {
  it("adds signers and copy recipients with phone, method and language, and mirrors them to D1", async () => {
    const { client } = await newSender();
    const { path, id } = await createEnvelope(client);
    const kari = newSigner("Kari Nordmann");
    const copy = newSigner("Copy Holder");
    expect((await post(client, path, `${path}/recipients`, { name: kari.name, email: kari.email, phone: "+47 912 34 567", role: "signer", method: "sms_otp", locale: "nb" })).status).toBe(303);
    expect((await post(client, path, `${path}/recipients`, { name: copy.name, email: copy.email, role: "cc", method: "eid", locale: "en" })).status).toBe(303);
    const rows = await signerRows(client, path);
    expect(rows[0]).toContain("+4791234567");
    expect(rows[0]).toContain("Code by SMS");
    expect(rows[1]).toContain("Copy");
    expect(rows[1]).toContain("Gets the signed copy");
    const d1 = await env.DB.prepare("SELECT name, phone, role, method, locale, signing_order FROM recipients WHERE envelope_id = ? ORDER BY signing_order").bind(id).all();
    expect(d1.results).toEqual([
      { name: kari.name, phone: "+4791234567", role: "signer", method: "sms_otp", locale: "nb", signing_order: 1 },
      { name: copy.name, phone: null, role: "cc", method: "email_link", locale: "en", signing_order: 2 },
    ]);
  });

  it("saves the draft's settings (title, message, order, time zone, reminders) and mirrors them", async () => {
    const { client } = await newSender();
    const { path, id } = await createEnvelope(client, { title: "First title" });
    const res = await post(client, path, `${path}/settings`, { title: "Second title", message: "New message", signingOrder: "sequential", timeZone: "Europe/Helsinki", reminderEveryDays: "0" });
    expect(res.status).toBe(303);
    const state = (await stateOf(id))!;
    expect(state).toMatchObject({ title: "Second title", message: "New message", signingOrder: "sequential", timeZone: "Europe/Helsinki", reminderEveryDays: 0 });
    const row = await env.DB.prepare("SELECT title, signing_order, time_zone, reminder_every_days FROM envelopes WHERE id = ?").bind(id).first();
    expect(row).toEqual({ title: "Second title", signing_order: "sequential", time_zone: "Europe/Helsinki", reminder_every_days: 0 });
    expect(await timeline(client, path)).toContain("Draft changed");
    const page = await client.page(path);
    expect(page.html).toMatch(/<option value="Europe\/Helsinki" selected/);
  });

  it("takes the settings on upload too", async () => {
    const { client } = await newSender();
    const { id } = await createEnvelope(client, { order: "sequential" });
    expect((await stateOf(id))!.signingOrder).toBe("sequential");
  });

  it("moves recipients up and down, and sequential signing follows that order", async () => {
    const a = newSigner("Anna First");
    const b = newSigner("Bjorn Second");
    const { client, email: _e } = await newSender();
    const { path, id } = await createEnvelope(client, { signers: [a, b], order: "sequential" });
    const bId = recipientIdOf((await stateOf(id))!, b.email);
    expect((await post(client, path, `${path}/recipients/${bId}/move`, { direction: "up" })).status).toBe(303);
    expect((await signerRows(client, path)).map((r) => r.split(" ").slice(0, 3).join(" "))).toEqual(["1 Bjorn Second", "2 Anna First"]);
    await sendEnvelope(client, path);
    const state = (await stateOf(id))!;
    expect(state.recipients.find((r) => r.email === b.email)!.status).toBe("notified");
    expect(state.recipients.find((r) => r.email === a.email)!.status).toBe("pending");
  });
});

describe("sending", () => {
  it("sets the expiry to the end of the chosen day in the envelope's time zone", async () => {
    const { client } = await newSender();
    const { path, id } = await createEnvelope(client, { signers: [newSigner("Date Signer")] });
    await post(client, path, `${path}/settings`, { title: "Dated", message: "", signingOrder: "parallel", timeZone: "Europe/Oslo", reminderEveryDays: "3" });
    const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await sendEnvelope(client, path, day);
    const state = (await stateOf(id))!;
    // Midnight in Oslo is 22:00 or 23:00 UTC the day before.
    expect(state.expiresAt).toMatch(new RegExp(`^${day}T2[12]:59:59\\.999Z$`));
    const row = await env.DB.prepare("SELECT status, expires_at FROM envelopes WHERE id = ?").bind(id).first();
    expect(row).toEqual({ status: "sent", expires_at: state.expiresAt });
  });

  it("offers 30 days ahead as the default date", async () => {
    const { client } = await newSender();
    const { path } = await createEnvelope(client, { signers: [newSigner("Default Date")] });
    const { html } = await client.page(path);
    const value = /id="expiresOn"[^>]*value="([^"]+)"/.exec(html)?.[1];
    const expected = new Date(Date.now() + 30 * 86_400_000);
    expect(Math.abs(Date.parse(value!) - Date.parse(expected.toISOString().slice(0, 10)))).toBeLessThanOrEqual(86_400_000);
    expect(html).toMatch(/<input[^>]*id="expiresOn"[^>]*type="date"|type="date"[^>]*id="expiresOn"/);
  });
});

describe("after sending", () => {
  it("refuses a reminder within the hour with the reason, then reminds everyone who has not signed with a fresh link", async () => {
    const [s1, s2] = [newSigner("Rita Remind"), newSigner("Rolf Remind")];
    const { sender, path, id, links } = await sentEnvelope([s1!, s2!]);
    const tooSoon = await post(sender.client, path, `${path}/remind`);
    expect(tooSoon.status).toBe(409);
    const html = await tooSoon.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(mainOf(html)).toMatch(/less than an hour ago/);

    // The first signer signs; time passes; only the second is reminded.
    const { signPath, csrf } = await openLink(links[0]!.client, links[0]!.link);
    expect((await links[0]!.client.post(`${signPath}/sign`, { typedName: s1!.name, consent: "yes" }, csrf)).status).toBe(303);
    await ageInvitations(id);
    const res = await post(sender.client, path, `${path}/remind`);
    expect(res.status).toBe(303);
    expect((await sender.client.page(res.headers.get("Location")!)).html).toContain("Reminders sent.");
    const reminders = await until(() => messagesTo(sender.client, s2!.email), (m) => m.some((x) => x.subject.startsWith("Reminder:")));
    const reminder = reminders.find((m) => m.subject.startsWith("Reminder:"))!;
    expect(reminder.link).not.toBe(`http://localhost:8787${links[1]!.link}`);
    expect((await messagesTo(sender.client, s1!.email)).some((m) => m.subject.startsWith("Reminder:"))).toBe(false);
    // The new link works, and so does the old one.
    const fresh = new Client(freshIp());
    expect((await openLink(fresh, new URL(reminder.link!).pathname)).recipientId).toBe(recipientIdOf((await stateOf(id))!, s2!.email));
    expect(await timeline(sender.client, path)).toContain("Reminder requested");
    // Reminding again at once is refused.
    expect((await post(sender.client, path, `${path}/remind`)).status).toBe(409);
  });

  it("resends one signer's invitation after the hour, and refuses it for a signer who is not due", async () => {
    const [s1, s2] = [newSigner("First Due"), newSigner("Second Waits")];
    const sender = await newSender();
    const { path, id } = await createEnvelope(sender.client, { signers: [s1!, s2!], order: "sequential" });
    await sendEnvelope(sender.client, path);
    const state = (await stateOf(id))!;
    const [r1, r2] = [recipientIdOf(state, s1!.email), recipientIdOf(state, s2!.email)];
    const soon = await post(sender.client, path, `${path}/recipients/${r1}/resend`);
    expect(soon.status).toBe(409);
    expect(mainOf(await soon.text())).toMatch(/less than an hour ago/);
    await ageInvitations(id);
    const notDue = await post(sender.client, path, `${path}/recipients/${r2}/resend`);
    expect(notDue.status).toBe(409);
    expect(mainOf(await notDue.text())).toMatch(/not this signer’s turn/);
    await until(() => messagesTo(sender.client, s1!.email), (m) => m.length === 1);
    const before = (await messagesTo(sender.client, s1!.email)).length;
    expect(before).toBe(1);
    expect((await post(sender.client, path, `${path}/recipients/${r1}/resend`)).status).toBe(303);
    await until(() => messagesTo(sender.client, s1!.email), (m) => m.length === before + 1);
    expect((await messagesTo(sender.client, s1!.email)).length).toBe(before + 1);
    expect((await messagesTo(sender.client, s2!.email)).length).toBe(0);
    expect(await timeline(sender.client, path)).toContain(`Invitation sent again — ${s1!.name}`);
  });

  it("corrects an address before the signer opens: old links die in the object and in D1, the new address is invited", async () => {
    const wrong = newSigner("Typo Person");
    const { sender, path, id, links } = await sentEnvelope([wrong]);
    const rid = recipientIdOf((await stateOf(id))!, wrong.email);
    const oldHash = (await stateOf(id))!.recipients[0]!.linkHashes[0]!;
    const right = newSigner("Typo Person");
    // Invalid and unchanged addresses are refused beside the field.
    const bad = await post(sender.client, path, `${path}/recipients/${rid}/email`, { email: "typo@" });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(titleOf(badHtml)).toMatch(/^Error: /);
    expect(badHtml).toContain(`href="#correct-${rid}"`);
    expect(badHtml).toMatch(new RegExp(`id="correct-${rid}-error"`));
    const res = await post(sender.client, path, `${path}/recipients/${rid}/email`, { email: right.email.toUpperCase() });
    expect(res.status).toBe(303);
    const state = (await stateOf(id))!;
    expect(state.recipients[0]).toMatchObject({ email: right.email, status: "notified" });
    expect(state.recipients[0]!.linkHashes).not.toContain(oldHash);
    // The old link no longer opens anything.
    expect((await new Client(freshIp()).get(links[0]!.link)).status).toBe(404);
    const stale = await env.DB.prepare("SELECT count(*) AS n FROM signing_links WHERE token_hash = ?").bind(oldHash).first<{ n: number }>();
    expect(stale!.n).toBe(0);
    const invite = await until(() => messagesTo(sender.client, right.email), (m) => m.length > 0);
    expect(invite[0]!.subject).toContain("asks you to sign");
    const row = await env.DB.prepare("SELECT email FROM recipients WHERE id = ?").bind(rid).first();
    expect(row).toEqual({ email: right.email });
    expect(await timeline(sender.client, path)).toContain(`Email address corrected — ${wrong.name}`);
    // The evidence records both addresses.
    const events = await envelopeStub(env, id).getEvents();
    expect(events.find((e) => e.type === "recipient_email_corrected")!.data).toEqual({ from: wrong.email, to: right.email });
  });

  it("refuses to correct an address once the signer has opened the envelope", async () => {
    const s = newSigner("Opened Already");
    const { sender, path, id, links } = await sentEnvelope([s]);
    await openLink(links[0]!.client, links[0]!.link);
    await links[0]!.client.get(`/sign/${recipientIdOf((await stateOf(id))!, s.email)}/document.pdf`); // the first view records "opened"
    const rid = recipientIdOf((await stateOf(id))!, s.email);
    expect((await stateOf(id))!.recipients[0]!.status).toBe("opened");
    // The form is no longer offered...
    expect((await sender.client.page(path)).html).not.toContain(`/recipients/${rid}/email`);
    // ...and a hand-made request is refused with the reason.
    const res = await post(sender.client, path, `${path}/recipients/${rid}/email`, { email: newSigner("Other").email });
    expect(res.status).toBe(409);
    expect(mainOf(await res.text())).toMatch(/already opened/);
    expect((await stateOf(id))!.recipients[0]!.email).toBe(s.email);
  });

  it("cancels only with a reason; the reason reaches the evidence and signers see it is cancelled", async () => {
    const s = newSigner("Cancel Signer");
    const { sender, path, id, links } = await sentEnvelope([s]);
    const empty = await post(sender.client, path, `${path}/cancel`, { reason: "   " });
    expect(empty.status).toBe(422);
    const html = await empty.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(html).toContain('href="#reason"');
    expect(html).toMatch(/<details class="danger-zone" open/);
    expect(await envelopeStatus(sender.client, path)).toBe("Out for signing");
    expect((await post(sender.client, path, `${path}/cancel`, { reason: "Wrong price" })).status).toBe(303);
    expect(await envelopeStatus(sender.client, path)).toBe("Cancelled");
    const events = await envelopeStub(env, id).getEvents();
    expect(events.find((e) => e.type === "envelope_cancelled")!.data.reason).toBe("Wrong price");
    const signer = await links[0]!.client.get(links[0]!.link);
    expect(signer.status).toBe(303);
    expect(await (await links[0]!.client.get(signer.headers.get("Location")!)).text()).toContain("This envelope was cancelled");
    // Sent things are cancelled, not deleted.
    const del = await post(sender.client, path, `${path}/delete`);
    expect(del.status).toBe(409);
    expect(await envelopeStatus(sender.client, path)).toBe("Cancelled");
  });

  it("sends a copy recipient the signed copy once everyone has signed, and never asks them to sign", async () => {
    const s = newSigner("Only Signer");
    const copy = newSigner("Copy Reader");
    const { client } = await newSender();
    const { path, id } = await createEnvelope(client, { signers: [s] });
    await post(client, path, `${path}/recipients`, { name: copy.name, email: copy.email, role: "cc", locale: "en" });
    await sendEnvelope(client, path);
    const invite = await until(() => messagesTo(client, s.email), (m) => m.length > 0);
    expect(await messagesTo(client, copy.email)).toEqual([]);
    const signer = new Client(freshIp());
    const { signPath, csrf } = await openLink(signer, new URL(invite[0]!.link!).pathname);
    expect((await signer.post(`${signPath}/sign`, { typedName: s.name, consent: "yes" }, csrf)).status).toBe(303);
    // Only one signer: completion is decided by that signature (the copy does not count).
    expect((await stateOf(id))!.finalisation).not.toBe("none");
    const done = await until(() => messagesTo(client, copy.email), (m) => m.length > 0, 30_000);
    expect(done.length).toBe(1);
    const reader = new Client(freshIp());
    const opened = await reader.get(new URL(done[0]!.link!).pathname);
    expect(opened.status).toBe(303);
    const page = await reader.page(opened.headers.get("Location")!.split("?")[0]!);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain("Your copy is ready");
    expect(page.html).not.toContain("/sign\"");
    const pdf = await reader.get(`${opened.headers.get("Location")!.split("?")[0]!}/signed.pdf`);
    expect(pdf.status).toBe(200);
  });

  it("expires at the deadline of the chosen date (alarm), and the D1 row follows", async () => {
    const s = newSigner("Expiring Signer");
    const { sender, path, id } = await sentEnvelope([s]);
    await runInDurableObject(envelopeStub(env, id), (_i, state) => {
      const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one();
      const envelope = JSON.parse(row.v) as EnvelopeState;
      envelope.expiresAt = new Date(Date.now() - 1000).toISOString();
      state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'state'", JSON.stringify(envelope));
    });
    expect((await envelopeStub(env, id).expireIfDue()).ok).toBe(true);
    expect(await envelopeStatus(sender.client, path)).toBe("Expired");
    const row = await until(() => env.DB.prepare("SELECT status FROM envelopes WHERE id = ?").bind(id).first<{ status: string }>(), (r) => r?.status === "expired");
    expect(row!.status).toBe("expired");
    expect((await post(sender.client, path, `${path}/remind`)).status).toBe(409);
  });
});

describe("deleting a draft", () => {
  it("asks first, then removes the document from R2, every row and the object; every route is then a 404", async () => {
    const { client, email } = await newSender();
    const { path, id } = await createEnvelope(client, { signers: [newSigner("Draft Signer")] });
    const state = (await stateOf(id))!;
    const doc = await env.DB.prepare("SELECT r2_key FROM documents WHERE id = ?").bind(state.document.id).first<{ r2_key: string }>();
    expect(await env.DOCUMENTS.head(doc!.r2_key)).not.toBeNull();

    const confirm = await client.page(`${path}/delete`);
    expect(confirm.res.status).toBe(200);
    expect(confirm.html).toContain(`action="${path}/delete"`);
    expect(await stateOf(id)).not.toBeNull(); // the GET deletes nothing

    const res = await post(client, `${path}/delete`, `${path}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/envelopes");
    expect(await env.DOCUMENTS.head(doc!.r2_key)).toBeNull();
    for (const table of ["envelopes WHERE id", "recipients WHERE envelope_id", "events WHERE envelope_id", "signing_links WHERE envelope_id"]) {
      const n = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} = ?`).bind(id).first<{ n: number }>();
      expect(n!.n, table).toBe(0);
    }
    const docs = await env.DB.prepare("SELECT count(*) AS n FROM documents WHERE owner_id = (SELECT id FROM users WHERE email = ?)").bind(email).first<{ n: number }>();
    expect(docs!.n).toBe(0);
    expect(await stateOf(id)).toBeNull();
    expect(await envelopeStub(env, id).getEvents()).toEqual([]);
    for (const p of [path, `${path}/original.pdf`, `${path}/evidence.json`, `${path}/delete`]) expect((await client.get(p)).status, p).toBe(404);
    const { csrf } = await client.page("/envelopes/new");
    for (const [p, fields] of [[`${path}/send`, {}], [`${path}/recipients`, { name: "X", email: "x@example.com" }], [`${path}/delete`, {}], [`${path}/cancel`, { reason: "x" }]] as const) {
      expect((await client.post(p, fields, csrf)).status, p).toBe(404);
    }
  });
});

describe("another tenant", () => {
  it("gets 404 from every new route and changes nothing", async () => {
    const a = await newSender("Alice Owner");
    const draft = await createEnvelope(a.client, { title: "Alice's draft", signers: [newSigner("Sam Draft"), newSigner("Sue Draft")] });
    const out = await sentEnvelope([newSigner("Sam Out")], { title: "Alice's sent" });
    const draftState = (await stateOf(draft.id))!;
    const outState = (await stateOf(out.id))!;
    const [d1, d2] = draftState.recipients.map((r) => r.id);
    const o1 = outState.recipients[0]!.id;
    await ageInvitations(out.id);

    const b = await newSender("Bob Other");
    const { csrf } = await b.client.page("/envelopes/new");
    const posts: [string, Record<string, string>][] = [
      [`${draft.path}/settings`, { title: "Bob's title", message: "", signingOrder: "sequential", timeZone: "UTC", reminderEveryDays: "1" }],
      [`${draft.path}/recipients`, { name: "Bob's friend", email: "friend@example.com", role: "cc" }],
      [`${draft.path}/recipients/${d2}/move`, { direction: "up" }],
      [`${draft.path}/recipients/${d1}/remove`, {}],
      [`${draft.path}/send`, {}],
      [`${draft.path}/delete`, {}],
      [`${draft.path}/cancel`, { reason: "Bob says so" }],
      [`${out.path}/remind`, {}],
      [`${out.path}/recipients/${o1}/resend`, {}],
      [`${out.path}/recipients/${o1}/email`, { email: "bob@example.com" }],
      [`${out.path}/cancel`, { reason: "Bob says so" }],
      [`${out.path}/delete`, {}],
    ];
    for (const [p, fields] of posts) {
      const res = await b.client.post(p, fields, csrf);
      expect(res.status, `POST ${p}`).toBe(404);
      expect(await res.text()).not.toContain("Alice");
    }
    expect((await b.client.get(`${draft.path}/delete`)).status).toBe(404);

    const versions = [(await stateOf(draft.id))!.version, (await stateOf(out.id))!.version];
    expect(versions).toEqual([draftState.version, outState.version]);
    expect((await stateOf(out.id))!.recipients[0]!.email).toBe(outState.recipients[0]!.email);
    expect(await envelopeStatus(a.client, draft.path)).toBe("Draft");
    expect(await envelopeStatus(out.sender.client, out.path)).toBe("Out for signing");
    expect(await env.DOCUMENTS.head((await env.DB.prepare("SELECT r2_key FROM documents WHERE id = ?").bind(draftState.document.id).first<{ r2_key: string }>())!.r2_key)).not.toBeNull();
  });
});

export type { Signer };
