/**
 * Signer identification through HTTP, as a signer and an attacker would meet it: codes by
 * email and SMS (read from the development outbox), wrong tries, expiry, the cool-down,
 * the SMS cap, codes bound to their envelope, and the code never kept anywhere.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CodeLedger } from "../../src/domain/otp";
import { envelopeStub } from "../../src/services/envelope-stub";
import { Client } from "../support/client";
import {
  createEnvelope,
  freshIp,
  invitationLink,
  mainOf,
  newSender,
  newSigner,
  openLink,
  outboxMessages,
  sendEnvelope,
  titleOf,
  type Signer,
} from "../support/flows";
import { eventually } from "../support/eventually";

type Method = "email_link" | "email_otp" | "sms_otp" | "eid";
type Person = Signer & { method: Method; phone?: string };

let phoneCounter = 0;
/** A unique Norwegian mobile number per call, so outbox lookups never collide. */
function uniquePhone(): string {
  phoneCounter += 1;
  return `+479${String(Date.now() % 1_000_000).padStart(6, "0")}${String(phoneCounter % 10)}`;
}

/** A sent envelope whose signers identify by the given methods; each signer has a client and an open signing page. */
async function sentWith(people: Person[], title = `Lease ${Math.random().toString(36).slice(2, 8)}`) {
  const sender = await newSender();
  const { path, id } = await createEnvelope(sender.client, { title });
  for (const p of people) {
    const { csrf } = await sender.client.page(path);
    const added = await sender.client.post(`${path}/recipients`, { name: p.name, email: p.email, locale: "en", method: p.method, phone: p.phone ?? "" }, csrf);
    expect(added.status).toBe(303);
  }
  await sendEnvelope(sender.client, path);
  const signers = [];
  for (const p of people) {
    const client = new Client(freshIp());
    const opened = await openLink(client, await invitationLink(sender.client, p.email));
    signers.push({ ...p, client, ...opened });
  }
  return { sender, path, id, title, signers };
}

/** Posts a signer form from the signing page, with the page's CSRF token. */
async function act(client: Client, signPath: string, action: string, fields: Record<string, string> = {}) {
  const { csrf } = await client.page(signPath);
  return client.post(`${signPath}/${action}`, fields, csrf);
}

/** The codes delivered to `to` (email address or phone number), oldest first. */
async function codesSentTo(client: Client, to: string, expected: number): Promise<string[]> {
  const codes = await eventually(
    async () => {
      const found = (await outboxMessages(client))
        .filter((m) => m.to === to && /\b\d{6}\b/.test(m.text) && /code/i.test(m.text))
        .map((m) => /\b(\d{6})\b/.exec(m.text)![1]!)
        .reverse();
      return found.length >= expected && found;
    },
    { what: `${expected} codes sent to ${to}` },
  );
  expect(codes.length).toBe(expected);
  // The outbox lists newest first; reversed above so the last is the newest.
  return codes;
}

/** Changes this envelope's code ledger inside its Durable Object, as if time had passed. */
async function editLedger(id: string, edit: (ledger: CodeLedger) => void) {
  await runInDurableObject(envelopeStub(env, id), (_instance, state) => {
    const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'codes'").one();
    const ledger = JSON.parse(row.v) as CodeLedger;
    edit(ledger);
    state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'codes'", JSON.stringify(ledger));
  });
}

function minutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

async function eventTypes(id: string): Promise<string[]> {
  return (await envelopeStub(env, id).getEvents()).map((e) => e.type);
}

/** The code as a whole token (not a piece of some hex hash). */
function containsCode(text: string, code: string): boolean {
  return new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(text);
}

describe("identification by email code", () => {
  it("asks for identification, sends a code, accepts it and then signs; the code is kept nowhere", async () => {
    const kari = { ...newSigner("Kari Nordmann"), method: "email_otp" as const };
    const { sender, path, id, signers } = await sentWith([kari]);
    const s = signers[0]!;

    // Before identification: the identify step, no sign form.
    const main = mainOf(s.html);
    expect(main).toContain("Identify yourself");
    expect(main).toContain(`We will send a 6-digit code to ${kari.email[0]}***@example.com`);
    expect(main).not.toContain("Sign the document");
    expect(main).not.toContain(kari.email);

    const sent = await act(s.client, s.signPath, "code/send");
    expect(sent.status).toBe(303);
    const [code] = await codesSentTo(sender.client, kari.email, 1);

    const form = mainOf((await s.client.page(s.signPath)).html);
    expect(form).toMatch(/<input[^>]*autocomplete="one-time-code"/);
    expect(form).toMatch(/<input[^>]*inputmode="numeric"/);
    expect(form).toContain("It is valid for 10 minutes");
    expect(form).toContain("Send a new code");

    const confirmed = await act(s.client, s.signPath, "code/confirm", { code: `${code!.slice(0, 3)} ${code!.slice(3)}` });
    expect(confirmed.status).toBe(303);
    const identified = await s.client.page(s.signPath);
    expect(mainOf(identified.html)).toContain("Identified by email code");
    expect(mainOf(identified.html)).toContain("Sign the document");

    const signed = await s.client.post(`${s.signPath}/sign`, { typedName: kari.name, consent: "yes" }, identified.csrf);
    expect(signed.status).toBe(303);
    expect((await envelopeStub(env, id).getState())!.recipients[0]!.status).toBe("signed");
    expect(await eventTypes(id)).toEqual(expect.arrayContaining(["code_sent", "recipient_identified", "recipient_signed"]));

    // The code never reaches the events, D1 or the evidence.
    const events = await envelopeStub(env, id).getEvents();
    expect(containsCode(JSON.stringify(events), code!)).toBe(false);
    const sentEvent = events.find((e) => e.type === "code_sent")!;
    expect(sentEvent.data.to).toBe(`${kari.email[0]}***@example.com`);
    for (const table of ["events", "recipients", "envelopes", "signing_links"]) {
      const rows = await env.DB.prepare(`SELECT * FROM ${table} WHERE envelope_id = ?`.replace("envelope_id", table === "envelopes" ? "id" : "envelope_id")).bind(id).all();
      expect(rows.results.length, table).toBeGreaterThan(0);
      expect(containsCode(JSON.stringify(rows.results), code!), table).toBe(false);
    }
    const evidence = await sender.client.get(`${path}/evidence.json`);
    expect(evidence.status).toBe(200);
    const evidenceText = await evidence.text();
    expect(evidenceText).toContain("recipient_identified");
    expect(containsCode(evidenceText, code!)).toBe(false);
    // The sender's timeline says what happened.
    const timeline = (await sender.client.page(path)).html;
    expect(timeline).toContain("Identification code sent");
    expect(timeline).toContain("Identified — Kari Nordmann");
  });

  it("refuses to sign before identification, showing the identify step with an error", async () => {
    const ola = { ...newSigner("Ola Nordmann"), method: "email_otp" as const };
    const { id, signers } = await sentWith([ola]);
    const s = signers[0]!;
    const res = await s.client.post(`${s.signPath}/sign`, { typedName: ola.name, consent: "yes" }, s.csrf);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(mainOf(html)).toContain("Identify yourself before you sign");
    expect((await envelopeStub(env, id).getState())!.recipients[0]!.status).not.toBe("signed");
  });

  it("locks the code after 5 wrong tries; even the right code then fails, a new code works", async () => {
    const per = { ...newSigner("Per Hansen"), method: "email_otp" as const };
    const { sender, id, signers } = await sentWith([per]);
    const s = signers[0]!;
    await act(s.client, s.signPath, "code/send");
    const [code] = await codesSentTo(sender.client, per.email, 1);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let left = 4; left >= 1; left--) {
      const res = await act(s.client, s.signPath, "code/confirm", { code: wrong });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(titleOf(html)).toMatch(/^Error: /);
      expect(mainOf(html)).toContain(left === 1 ? "You have 1 try left" : `You have ${left} tries left`);
      expect(mainOf(html)).toContain(`value="${wrong}"`); // the answer is kept
      expect(mainOf(html)).toContain('href="#code"');
    }
    const fifth = await act(s.client, s.signPath, "code/confirm", { code: wrong });
    expect(mainOf(await fifth.text())).toContain("The code is locked after 5 wrong tries");
    const right = await act(s.client, s.signPath, "code/confirm", { code: code! });
    expect(right.status).toBe(422);
    expect(mainOf(await right.text())).toContain("The code is locked");
    const types = await eventTypes(id);
    expect(types.filter((t) => t === "code_failed")).toHaveLength(5);
    expect(types.filter((t) => t === "code_locked")).toHaveLength(1);
    expect(types).not.toContain("recipient_identified");

    // After the cool-down a new code can be asked for, and it works.
    await editLedger(id, (l) => void (l.signers[s.recipientId]!.current!.issuedAt = minutesAgo(2)));
    expect((await act(s.client, s.signPath, "code/send")).status).toBe(303);
    const codes = await codesSentTo(sender.client, per.email, 2);
    expect((await act(s.client, s.signPath, "code/confirm", { code: codes[1]! })).status).toBe(303);
  });

  it("counts wrong tries exactly under a burst of parallel guesses", async () => {
    const guess = { ...newSigner("Gro Fjell"), method: "email_otp" as const };
    const { sender, id, signers } = await sentWith([guess]);
    const s = signers[0]!;
    await act(s.client, s.signPath, "code/send");
    const [code] = await codesSentTo(sender.client, guess.email, 1);
    const wrong = code === "000000" ? "111111" : "000000";
    const stub = envelopeStub(env, id);
    const context = { ip: "203.0.113.66", userAgent: "Burst" };
    const results = await Promise.all(Array.from({ length: 12 }, () => stub.confirmCode({ recipientId: s.recipientId, code: wrong, context })));
    const reasons = results.map((r) => (r.ok ? "ok" : String((r as { details?: { reason?: unknown } }).details?.reason)));
    expect(reasons.filter((r) => r === "code_wrong")).toHaveLength(4);
    expect(reasons.filter((r) => r === "code_locked")).toHaveLength(8);
    const types = await eventTypes(id);
    expect(types.filter((t) => t === "code_failed")).toHaveLength(5);
    expect(types.filter((t) => t === "code_locked")).toHaveLength(1);
  });

  it("refuses an expired code", async () => {
    const liv = { ...newSigner("Liv Berg"), method: "email_otp" as const };
    const { sender, id, signers } = await sentWith([liv]);
    const s = signers[0]!;
    await act(s.client, s.signPath, "code/send");
    const [code] = await codesSentTo(sender.client, liv.email, 1);
    await editLedger(id, (l) => {
      const current = l.signers[s.recipientId]!.current!;
      current.issuedAt = minutesAgo(11);
      current.expiresAt = minutesAgo(1);
    });
    const res = await act(s.client, s.signPath, "code/confirm", { code: code! });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(mainOf(html)).toContain("The code has expired. Send a new code");
    expect(await eventTypes(id)).not.toContain("recipient_identified");
  });

  it("makes a new code wait 60 seconds, saying how long; the new code replaces the old", async () => {
    const eva = { ...newSigner("Eva Lund"), method: "email_otp" as const };
    const { sender, id, signers } = await sentWith([eva]);
    const s = signers[0]!;
    await act(s.client, s.signPath, "code/send");
    const [first] = await codesSentTo(sender.client, eva.email, 1);
    const again = await act(s.client, s.signPath, "code/send");
    expect(again.status).toBe(422);
    const html = await again.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(mainOf(html)).toMatch(/Wait (60|59|58|57|56|55) seconds before you ask for a new code/);
    expect(mainOf(html)).toContain('href="#send-code"');
    await codesSentTo(sender.client, eva.email, 1); // still just the one

    await editLedger(id, (l) => void (l.signers[s.recipientId]!.current!.issuedAt = minutesAgo(1.1)));
    expect((await act(s.client, s.signPath, "code/send")).status).toBe(303);
    const codes = await codesSentTo(sender.client, eva.email, 2);
    if (codes[1] !== first) {
      const old = await act(s.client, s.signPath, "code/confirm", { code: first! });
      expect(mainOf(await old.text())).toContain("The code is not right");
    }
    expect((await act(s.client, s.signPath, "code/confirm", { code: codes[1]! })).status).toBe(303);
  });

  it("rejects something that is not six digits without costing a try", async () => {
    const nils = { ...newSigner("Nils Dahl"), method: "email_otp" as const };
    const { id, signers } = await sentWith([nils]);
    const s = signers[0]!;
    await act(s.client, s.signPath, "code/send");
    const res = await act(s.client, s.signPath, "code/confirm", { code: "12ab" });
    expect(res.status).toBe(422);
    expect(mainOf(await res.text())).toContain("Enter the 6-digit code, for example 123456");
    expect(await eventTypes(id)).not.toContain("code_failed");
  });

  it("does not let a signer of another envelope use this signer's code", async () => {
    const a = { ...newSigner("Anne Vik"), method: "email_otp" as const };
    const b = { ...newSigner("Bjørn Vik"), method: "email_otp" as const };
    const first = await sentWith([a]);
    const second = await sentWith([b]);
    const sa = first.signers[0]!;
    const sb = second.signers[0]!;
    await act(sa.client, sa.signPath, "code/send");
    await act(sb.client, sb.signPath, "code/send");
    const [codeA] = await codesSentTo(first.sender.client, a.email, 1);
    const [codeB] = await codesSentTo(second.sender.client, b.email, 1);
    if (codeA !== codeB) {
      // B types A's code on B's own page: wrong.
      const res = await act(sb.client, sb.signPath, "code/confirm", { code: codeA! });
      expect(res.status).toBe(422);
      expect(mainOf(await res.text())).toContain("The code is not right");
    }
    // B's session cannot reach A's page at all.
    const crossed = await sb.client.post(`${sa.signPath}/code/confirm`, { code: codeA! }, sb.csrf);
    expect(crossed.status).toBe(404);
    expect((await envelopeStub(env, second.id).getState())!.recipients[0]!.identification).toBeNull();
    expect((await envelopeStub(env, first.id).getState())!.recipients[0]!.identification).toBeNull();
  });
});

describe("identification by SMS code", () => {
  it("sends the code to the phone number and identifies with it", async () => {
    const phone = uniquePhone();
    const siri = { ...newSigner("Siri Moe"), method: "sms_otp" as const, phone };
    const { sender, id, signers } = await sentWith([siri]);
    const s = signers[0]!;
    expect(mainOf(s.html)).toContain(`We will send a 6-digit code to +47 *** ** ${phone.slice(-3)}`);
    await act(s.client, s.signPath, "code/send");
    const [code] = await codesSentTo(sender.client, phone, 1);
    expect((await act(s.client, s.signPath, "code/confirm", { code: code! })).status).toBe(303);
    expect(mainOf((await s.client.page(s.signPath)).html)).toContain("Identified by SMS code");
    const sent = (await envelopeStub(env, id).getEvents()).find((e) => e.type === "code_sent")!;
    expect(sent.data).toMatchObject({ channel: "sms", to: `+47 *** ** ${phone.slice(-3)}` });
  });

  it("stops sending SMS once the envelope's cap is reached, telling the signer to contact the sender", async () => {
    const phone = uniquePhone();
    const tor = { ...newSigner("Tor Aas"), method: "sms_otp" as const, phone };
    const { sender, id, signers } = await sentWith([tor]);
    const s = signers[0]!;
    await act(s.client, s.signPath, "code/send");
    await codesSentTo(sender.client, phone, 1);
    await editLedger(id, (l) => {
      l.smsSent = 25;
      l.signers[s.recipientId]!.current!.issuedAt = minutesAgo(5);
    });
    const res = await act(s.client, s.signPath, "code/send");
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(mainOf(html)).toContain("No more text messages can be sent for this document. Contact the sender, Sender Person, to sign");
    await codesSentTo(sender.client, phone, 1);
  });
});

describe("other methods", () => {
  it("keeps signing by email link as before", async () => {
    const ida = { ...newSigner("Ida Strand"), method: "email_link" as const };
    const { id, signers } = await sentWith([ida]);
    const s = signers[0]!;
    expect(mainOf(s.html)).not.toContain("Identify yourself");
    const signed = await s.client.post(`${s.signPath}/sign`, { typedName: ida.name, consent: "yes" }, s.csrf);
    expect(signed.status).toBe(303);
    expect((await envelopeStub(env, id).getState())!.recipients[0]!.status).toBe("signed");
  });

  it("offers eID as a form posting to the eID start route, and no sign form", async () => {
    const jon = { ...newSigner("Jon Lie"), method: "eid" as const };
    const { signers } = await sentWith([jon]);
    const s = signers[0]!;
    const main = mainOf(s.html);
    expect(main).toContain(`action="${s.signPath}/eid/start"`);
    expect(main).toContain("Identify with BankID / MitID / …");
    expect(main).not.toContain("Sign the document");

    // Signing around the step is refused, with the error summary pointing at the eID button.
    const early = await s.client.post(`${s.signPath}/sign`, { typedName: jon.name, consent: "yes" }, s.csrf);
    expect(early.status).toBe(422);
    const earlyHtml = await early.text();
    expect(titleOf(earlyHtml)).toMatch(/^Error: /);
    expect(mainOf(earlyHtml)).toContain('href="#eid-start"');
    expect(mainOf(earlyHtml)).toContain("Identify yourself before you sign");
  });

  it("signs once the eID flow records identification through the Envelope object", async () => {
    const jon = { ...newSigner("Jonas Lie"), method: "eid" as const };
    const { id, signers } = await sentWith([jon]);
    const s = signers[0]!;
    const evidence = {
      method: "eid" as const,
      provider: "https://broker.example",
      scheme: "no_bankid" as const,
      assurance: "urn:grn:authn:no:bankid:substantial",
      name: "Jonas Lie",
      subject: "pseudonymous-sub",
      nationalIdHash: "a".repeat(64),
      nameMismatch: false,
      at: new Date().toISOString(),
    };
    const result = await envelopeStub(env, id).identify({ recipientId: s.recipientId, evidence, context: { ip: "198.51.100.9", userAgent: "Test" } });
    expect(result.ok).toBe(true);
    const page = await s.client.page(s.signPath);
    expect(mainOf(page.html)).toContain("Identified by electronic ID");
    expect((await s.client.post(`${s.signPath}/sign`, { typedName: jon.name, consent: "yes" }, page.csrf)).status).toBe(303);
    const identified = (await envelopeStub(env, id).getEvents()).find((e) => e.type === "recipient_identified")!;
    expect(identified.data).toMatchObject({ method: "eid", scheme: "no_bankid", subject: "pseudonymous-sub", nameMismatch: false });
    // Another signer's id, or a code method's evidence, is refused.
    const wrong = await envelopeStub(env, id).identify({ recipientId: "rcp_nobody_here_at_all", evidence, context: { ip: null, userAgent: null } });
    expect(wrong.ok).toBe(false);
  });

  it("shows the identify step in Norwegian", async () => {
    const kari = { ...newSigner("Kari Nilsen"), method: "email_otp" as const };
    const { signers } = await sentWith([kari]);
    const s = signers[0]!;
    const page = await s.client.page(`${s.signPath}?lang=nb`);
    expect(mainOf(page.html)).toContain("Bekreft hvem du er");
    expect(mainOf(page.html)).toContain("Send kode");
  });
});
