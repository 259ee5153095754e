/**
 * "Download all my data": the archive holds the user's account, audit entries and every
 * envelope they own (completed with its signed PDF, a draft, a deleted one with its purge
 * record and no PDFs), no secrets, and nothing of another user's.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { accountArchive, titleSlug } from "../../src/services/data-export";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { finaliseEnvelope } from "../../src/services/finalise-envelope";
import { purgeEnvelope } from "../../src/services/retention";
import { database } from "../../src/storage/db";
import { findDocument } from "../../src/storage/documents";
import { purgeTarget } from "../../src/storage/sweeps";
import { apiKeys, sessions, users } from "../../src/storage/schema";
import { Client } from "../support/client";
import { addSigner, cancelEnvelope, createEnvelope, freshIp, newSender, newSigner, PASSWORD, sendEnvelope } from "../support/flows";
import { accept, createOrganisationAs, invite, userIdOf } from "../support/organisations";
import { makePdf } from "../support/pdf";
import { collect, readZip } from "../support/unzip";
import { createKeyOnPage } from "./api-helpers";

const db = () => database(env.DB);
const ctx = { ip: "198.51.100.77", userAgent: "DataExportTestBrowser/2.0" };
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const json = (bytes: Uint8Array | undefined) => JSON.parse(text(bytes)) as any;

/** Uploads exactly these PDF bytes as a draft envelope, through the page a sender uses. */
async function upload(sender: Client, title: string, pdf: Uint8Array): Promise<{ path: string; id: string }> {
  const { csrf, html } = await sender.page("/envelopes/new");
  const idem = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
  const created = await sender.post(
    "/envelopes",
    { idempotency_key: idem, title, message: "Please sign", signingOrder: "parallel", file: new File([pdf], "lån.pdf", { type: "application/pdf" }) },
    csrf,
    { multipart: true },
  );
  expect(created.status).toBe(303);
  const path = created.headers.get("Location")!;
  return { path, id: path.split("/").pop()! };
}

async function userByEmail(email: string) {
  return (await db().select().from(users).where(eq(users.email, email)))[0]!;
}

function indexOf(haystack: Uint8Array, needle: string): number {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let k = 0; k < n.length; k++) if (haystack[i + k] !== n[k]) continue outer;
    return i;
  }
  return -1;
}

type Fixture = {
  email: string;
  userId: string;
  passwordHash: string;
  sessionIds: string[];
  keyHash: string;
  pdf: Uint8Array;
  completedId: string;
  draftId: string;
  purgedId: string;
  purgedTitle: string;
  otherId: string;
  otherTitle: string;
  otherEmail: string;
  archive: Uint8Array;
  filename: string;
  envelopeCount: number;
};

let f: Fixture;

beforeAll(async () => {
  const sender = await newSender("Åse Ærlig-Øyen");
  const user = await userByEmail(sender.email);
  await createKeyOnPage(sender.client, "Export test key", ["read"]);

  // A failed login on this account: an audit entry about the user made by nobody signed in.
  const stranger = new Client(freshIp());
  const { csrf } = await stranger.page("/login");
  expect((await stranger.post("/login", { email: sender.email, password: `${PASSWORD} wrong` }, csrf)).status).toBe(401);

  // Completed: uploaded, sent, signed, sealed.
  const pdf = await makePdf(2, "Export agreement");
  const completed = await upload(sender.client, "Låneavtale: Ærlig & Øyen / 2026", pdf);
  const signer = newSigner("Kari Nordmann");
  await addSigner(sender.client, completed.path, signer);
  await sendEnvelope(sender.client, completed.path);
  const stub = envelopeStub(env, completed.id);
  const state = (await stub.getState())!;
  await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: signer.name, context: ctx }));
  await finaliseEnvelope(env, completed.id);
  expect((await stub.getState())!.status).toBe("completed");

  const draft = await createEnvelope(sender.client, { title: "Still a draft" });

  // Deleted by its sender after it was cancelled.
  const purgedTitle = `Purged ${crypto.randomUUID()}`;
  const purged = await createEnvelope(sender.client, { title: purgedTitle, signers: [newSigner("Ola Purge")] });
  await sendEnvelope(sender.client, purged.path);
  await cancelEnvelope(sender.client, purged.path);
  const target = (await purgeTarget(db(), user.personalOrgId, purged.id))!;
  await purgeEnvelope(env, db(), { target, reason: "sender", actor: { kind: "sender", userId: user.id } });

  // Another tenant's envelope.
  const other = await newSender("Other Tenant");
  const otherTitle = `Other tenant ${crypto.randomUUID()}`;
  const otherEnvelope = await createEnvelope(other.client, { title: otherTitle, signers: [newSigner("Per Other")] });

  const built = await accountArchive(env, db(), user.id);
  const archive = await collect(built.stream);
  const sessionRows = await db().select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id));
  const keyRow = (await db().select({ keyHash: apiKeys.keyHash }).from(apiKeys).where(eq(apiKeys.createdBy, user.id)))[0]!;
  f = {
    email: sender.email,
    userId: user.id,
    passwordHash: user.passwordHash,
    sessionIds: sessionRows.map((r) => r.id),
    keyHash: keyRow.keyHash,
    pdf,
    completedId: completed.id,
    draftId: draft.id,
    purgedId: purged.id,
    purgedTitle,
    otherId: otherEnvelope.id,
    otherTitle,
    otherEmail: other.email,
    archive,
    filename: built.filename,
    envelopeCount: built.envelopeCount,
  };
}, 90_000);

const files = () => new Map(readZip(f.archive).map((e) => [e.name, e.data]));
const folderOf = (id: string) => {
  const names = [...files().keys()].filter((n) => n.startsWith("envelopes/") && n.split("/")[1]!.endsWith(`-${id}`));
  expect(names.length, `files of ${id}`).toBeGreaterThan(0);
  return names[0]!.split("/").slice(0, 2).join("/");
};

describe("accountArchive", () => {
  it("names the file by today's date and counts the user's envelopes", () => {
    expect(f.filename).toBe(`pactly-data-${new Date().toISOString().slice(0, 10)}.zip`);
    expect(f.envelopeCount).toBe(3);
  });

  it("holds a README, account.json, audit-log.json and one folder per owned envelope", () => {
    const names = [...files().keys()];
    expect(names.slice(0, 3)).toEqual(["README.txt", "account.json", "audit-log.json"]);
    const folders = new Set(names.filter((n) => n.startsWith("envelopes/")).map((n) => n.split("/")[1]));
    expect(folders.size).toBe(3);
    expect(text(files().get("README.txt"))).toContain("Your data from Pactly");
  });

  it("puts the profile, 2FA status, sessions, memberships and API keys in account.json", () => {
    const account = json(files().get("account.json"));
    expect(account.profile).toMatchObject({ id: f.userId, email: f.email, name: "Åse Ærlig-Øyen", locale: "en" });
    expect(account.profile.emailVerifiedAt).toBeTruthy();
    expect(account.twoFactor).toEqual({ enabled: false, since: null, recoveryCodesLeft: 0 });
    expect(account.sessions.length).toBeGreaterThan(0);
    expect(account.sessions[0]).toHaveProperty("userAgent", "PactlyTest/1.0");
    expect(account.sessions[0]).not.toHaveProperty("id");
    expect(account.memberships).toEqual([expect.objectContaining({ personal: true, role: "owner" })]);
    expect(account.apiKeys).toEqual([expect.objectContaining({ name: "Export test key", scopes: ["read"], revokedAt: null })]);
    expect(account.apiKeys[0].prefix).toMatch(/^pk_dev_/);
  });

  it("contains no password hash, session id, key hash or secret field anywhere in the archive", () => {
    for (const secret of [f.passwordHash, f.keyHash, ...f.sessionIds]) expect(indexOf(f.archive, secret), "a stored secret").toBe(-1);
    for (const field of ['"password', '"passwordHash"', '"keyHash"', '"codeHash"', '"tokenHash"', '"wrappedKey"', '"secretCiphertext"', "argon2id"]) {
      expect(indexOf(f.archive, field), field).toBe(-1);
    }
  });

  it("lists the audit entries the user made and the failed login on their account, no one else's", () => {
    const { entries } = json(files().get("audit-log.json"));
    const actions = entries.map((e: any) => e.action);
    expect(actions).toContain("account.created");
    expect(actions).toContain("envelope.sent");
    const failed = entries.find((e: any) => e.action === "auth.login.failed");
    expect(failed).toMatchObject({ actor: { type: "anonymous" }, target: { type: "user", id: f.userId } });
    for (const e of entries) expect(e.actor.id === f.userId || e.target?.id === f.userId, JSON.stringify(e)).toBe(true);
    expect(indexOf(f.archive, f.otherEmail)).toBe(-1);
  });

  it("gives the completed envelope its original bytes, the signed PDF built on them, and its event chain", () => {
    const folder = folderOf(f.completedId);
    expect(folder).toBe(`envelopes/${new Date().toISOString().slice(0, 10)}-laneavtale-aerlig-oyen-2026-${f.completedId}`);
    const all = files();
    const original = all.get(`${folder}/original.pdf`)!;
    expect(original).toEqual(f.pdf);
    const signed = all.get(`${folder}/signed.pdf`)!;
    expect(signed.length).toBeGreaterThan(original.length);
    expect(signed.subarray(0, original.length)).toEqual(original);

    const envelope = json(all.get(`${folder}/envelope.json`));
    expect(envelope).toMatchObject({ id: f.completedId, title: "Låneavtale: Ærlig & Øyen / 2026", status: "completed", purge: null });
    expect(envelope.recipients).toEqual([expect.objectContaining({ name: "Kari Nordmann", status: "signed", signedAt: expect.any(String) })]);
    expect(envelope.documents.map((d: any) => [d.file, d.included])).toEqual([["original.pdf", true], ["signed.pdf", true]]);

    const events = json(all.get(`${folder}/events.json`));
    expect(events.map((e: any) => e.seq)).toEqual(events.map((_: unknown, i: number) => i + 1));
    expect(events.map((e: any) => e.type)).toEqual(expect.arrayContaining(["envelope_created", "envelope_sent", "recipient_signed", "envelope_completed"]));
    for (let i = 1; i < events.length; i++) expect(events[i].body.prevHash).toBe(events[i - 1].hash);
    expect(events.at(-1).hash).toBe(envelope.eventHead);
    expect(events.find((e: any) => e.type === "recipient_signed").body.ip).toBe(ctx.ip);
  });

  it("includes the draft with its original and no signed PDF", () => {
    const folder = folderOf(f.draftId);
    const all = files();
    expect(json(all.get(`${folder}/envelope.json`))).toMatchObject({ status: "draft", title: "Still a draft" });
    expect(all.has(`${folder}/original.pdf`)).toBe(true);
    expect(all.has(`${folder}/signed.pdf`)).toBe(false);
  });

  it("includes the deleted envelope with its purge record, no PDF, and the documents noted as deleted", () => {
    const folder = folderOf(f.purgedId);
    expect(folder).toBe(`envelopes/${new Date().toISOString().slice(0, 10)}-${f.purgedId}`);
    const all = files();
    expect([...all.keys()].filter((n) => n.startsWith(`${folder}/`)).sort()).toEqual([`${folder}/envelope.json`, `${folder}/events.json`]);
    const envelope = json(all.get(`${folder}/envelope.json`));
    expect(envelope.status).toBe("purged");
    expect(envelope.purge).toMatchObject({ reason: "sender", outcome: "cancelled", finishedAt: expect.any(String) });
    expect(envelope.documents).toEqual([expect.objectContaining({ file: "original.pdf", included: false, missing: "deleted", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(json(all.get(`${folder}/events.json`)).at(-1).type).toBe("envelope_purged");
    // Deleted means deleted: the old title is not brought back.
    expect(indexOf(f.archive, f.purgedTitle)).toBe(-1);
  });

  it("holds nothing of another user's envelopes", () => {
    expect(indexOf(f.archive, f.otherId)).toBe(-1);
    expect(indexOf(f.archive, f.otherTitle)).toBe(-1);
  });

  it("writes the README in the account's language", async () => {
    const sender = await newSender("Nora Norsk");
    const user = await userByEmail(sender.email);
    await db().update(users).set({ locale: "nb" }).where(eq(users.id, user.id));
    const built = await accountArchive(env, db(), user.id);
    const all = new Map(readZip(await collect(built.stream)).map((e) => [e.name, e.data]));
    expect(built.envelopeCount).toBe(0);
    expect(text(all.get("README.txt"))).toContain("Dine data fra Pactly");
    expect(text(all.get("README.txt"))).toContain("«Kontroller et signert dokument»");
    expect([...all.keys()]).toEqual(["README.txt", "account.json", "audit-log.json"]);
  });

  it("notes a document whose bytes are gone or fail their integrity check, and still finishes the archive", async () => {
    const sender = await newSender();
    const user = await userByEmail(sender.email);
    const gone = await createEnvelope(sender.client, { title: "Bytes gone" });
    const tampered = await createEnvelope(sender.client, { title: "Bytes tampered" });
    const rowOf = async (id: string) => (await findDocument(db(), user.personalOrgId, (await envelopeStub(env, id).getState())!.document.id))!;
    await env.DOCUMENTS.delete((await rowOf(gone.id)).r2Key);
    const stored = new Uint8Array(await (await env.DOCUMENTS.get((await rowOf(tampered.id)).r2Key))!.arrayBuffer());
    stored[stored.length - 20]! ^= 0xff;
    await env.DOCUMENTS.put((await rowOf(tampered.id)).r2Key, stored);

    const all = new Map(readZip(await collect((await accountArchive(env, db(), user.id)).stream)).map((e) => [e.name, e.data]));
    const documentsOf = (id: string) => json(all.get(`envelopes/${new Date().toISOString().slice(0, 10)}-bytes-${id === gone.id ? "gone" : "tampered"}-${id}/envelope.json`)).documents;
    expect(documentsOf(gone.id)).toEqual([expect.objectContaining({ file: "original.pdf", included: false, missing: "deleted" })]);
    expect(documentsOf(tampered.id)).toEqual([expect.objectContaining({ file: "original.pdf", included: false, missing: "unreadable" })]);
    expect([...all.keys()].some((n) => n.endsWith(".pdf"))).toBe(false);
  });

  it("includes the user's envelopes in an organisation they share, not a colleague's there, and lists the membership", async () => {
    const owner = await newSender("Org Owner");
    const orgName = `Export org ${crypto.randomUUID()}`;
    const orgId = await createOrganisationAs(owner.client, orgName);
    const manager = await newSender("Org Manager");
    expect((await accept(manager.client, await invite(owner.client, manager.email, "manager"))).status).toBe(303);
    const managerId = await userIdOf(manager.email);
    const mine = await createEnvelope(manager.client, { title: "Manager's own" });
    const colleagueTitle = `Owner's envelope ${crypto.randomUUID()}`;
    const colleagues = await createEnvelope(owner.client, { title: colleagueTitle });

    const built = await accountArchive(env, db(), managerId);
    // As a response body, the way the route sends it.
    const bytes = new Uint8Array(await new Response(built.stream).arrayBuffer());
    const all = new Map(readZip(bytes).map((e) => [e.name, e.data]));
    expect(built.envelopeCount).toBe(1);
    const folder = [...all.keys()].find((n) => n.endsWith(`-${mine.id}/envelope.json`))!;
    expect(json(all.get(folder))).toMatchObject({ organisationId: orgId, title: "Manager's own" });
    expect(indexOf(bytes, colleagues.id)).toBe(-1);
    expect(indexOf(bytes, colleagueTitle)).toBe(-1);
    expect(json(all.get("account.json")).memberships).toEqual(
      expect.arrayContaining([expect.objectContaining({ organisationId: orgId, name: orgName, personal: false, role: "manager" })]),
    );
  });

  it("refuses an unknown user", async () => {
    await expect(accountArchive(env, db(), "usr_does_not_exist")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("titleSlug", () => {
  it("keeps ASCII letters and digits, spells out Norwegian letters and stops at 40 characters", () => {
    expect(titleSlug("Låneavtale: Ærlig & Øyen / 2026")).toBe("laneavtale-aerlig-oyen-2026");
    expect(titleSlug("../../etc/passwd")).toBe("etc-passwd");
    expect(titleSlug("日本語")).toBe("");
    expect(titleSlug("a".repeat(39) + " bcd").length).toBeLessThanOrEqual(40);
    expect(titleSlug("a".repeat(39) + " bcd")).toBe("a".repeat(39));
  });
});
