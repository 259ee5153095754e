/**
 * Deleting an account, through the real pages: the statement shown first, what blocks it,
 * re-authentication (password, and a code when 2FA is on), and afterwards what is gone
 * (every way in, drafts, organisations owned alone, personal data) and what stays
 * (agreements other people signed, for them; the organisation's records; the audit chain).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base32Decode, totp } from "../../src/domain/totp";
import { verifyAuditChain } from "../../src/services/audit";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { finaliseEnvelope } from "../../src/services/finalise-envelope";
import { database } from "../../src/storage/db";
import { dueForDeletionWarning } from "../../src/storage/reminders";
import { Client } from "../support/client";
import { PASSWORD, createEnvelope, decode, freshIp, mainOf, newSender, newSigner, sendEnvelope, waitForMessage } from "../support/flows";
import { accept, createOrganisationAs, invite, userIdOf } from "../support/organisations";
import { apiClient, createKeyOnPage } from "./api-helpers";

const SESSION = "__Host-pactly-session";
const db = () => database(env.DB);

async function deletePage(client: Client) {
  const page = await client.page("/account/delete");
  expect(page.res.status).toBe(200);
  return { ...page, text: decode(mainOf(page.html).replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ") };
}

async function requestDeletion(client: Client, fields: Record<string, string>): Promise<Response> {
  const { csrf } = await client.page("/account/delete");
  return client.post("/account/delete", fields, csrf);
}

async function logIn(email: string, password = PASSWORD): Promise<Response> {
  const client = new Client(freshIp());
  const { csrf } = await client.page("/login");
  return client.post("/login", { email, password }, csrf);
}

/** An envelope sent to one signer, signed and sealed: completed. Returns the signer's address too. */
async function completedEnvelope(sender: Client, title: string) {
  const signer = newSigner("Kari Ødegård");
  const { path, id } = await createEnvelope(sender, { title, signers: [signer] });
  await sendEnvelope(sender, path);
  const stub = envelopeStub(env, id);
  const state = (await stub.getState())!;
  await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: signer.name, context: { ip: "198.51.100.7", userAgent: "DeletionTest/1" } }));
  await finaliseEnvelope(env, id);
  expect((await stub.getState())!.status).toBe("completed");
  return { id, path, signer };
}

/** Six digits that are none of the codes the server would accept now. */
function wrongCode(secret: Uint8Array): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((o) => totp(secret, Date.now() + o * 30_000)));
  for (let n = 100_000; ; n++) if (!valid.has(String(n))) return String(n);
}

async function userRow(id: string) {
  return env.DB.prepare("SELECT email, name, password_hash, email_verified_at, deleted_at FROM users WHERE id = ?").bind(id).first<Record<string, string | null>>();
}

describe("deleting an account", () => {
  it("states what happens, re-authenticates, then removes every way in and keeps what others rely on", async () => {
    const me = await newSender("Åse Sletting");
    const myId = await userIdOf(me.email);
    const personalOrg = (await env.DB.prepare("SELECT personal_org_id AS id FROM users WHERE id = ?").bind(myId).first<{ id: string }>())!.id;

    // In the personal workspace: a completed agreement, a draft and an API key.
    const done = await completedEnvelope(me.client, "Lease of the boathouse");
    const draft = await createEnvelope(me.client, { title: "Unfinished draft" });
    const { key } = await createKeyOnPage(me.client, "Deletion test");
    expect((await apiClient(key).call("/api/v1/envelopes")).status).toBe(200);

    // Someone else's organisation where I am a user, and one I own alone.
    const colleague = await newSender("Colleague Owner");
    const firmId = await createOrganisationAs(colleague.client, "Fjord Firm AS");
    expect((await accept(me.client, await invite(colleague.client, me.email, "user"))).status).toBe(303);
    const soloId = await createOrganisationAs(me.client, "Solo Sletting ENK");

    // The statement, before anything happens.
    const statement = await deletePage(me.client);
    expect(statement.text).toContain("Your 1 draft(s) are deleted at once");
    expect(statement.text).toContain("Solo Sletting ENK has no other members, so it is deleted with your account.");
    expect(statement.text).toContain("You leave Fjord Firm AS.");
    expect(statement.text).toContain("1 agreement(s) you sent have ended.");
    expect(statement.text).toContain("stay available to those people until their usual deletion date");
    expect(statement.text).toContain("Agreements that other people sent you to sign are theirs.");
    expect(statement.text).toContain(`We send one last email to ${me.email}`);
    expect(statement.html).toContain('name="confirm"');

    // Wrong password, or no confirmation: a clear error, and nothing changes.
    const wrong = await requestDeletion(me.client, { password: "not my password at all", confirm: "yes" });
    expect(wrong.status).toBe(422);
    expect(decode(await wrong.text())).toContain("Your current password is not correct");
    const unconfirmed = await requestDeletion(me.client, { password: PASSWORD });
    expect(unconfirmed.status).toBe(422);
    expect(decode(await unconfirmed.text())).toContain("Tick the box to confirm that you want to delete your account");
    expect((await userRow(myId))!.deleted_at).toBeNull();
    expect((await me.client.get("/envelopes")).status).toBe(200);

    const oldCookie = me.client.cookies.get(SESSION)!;
    const deleted = await requestDeletion(me.client, { password: PASSWORD, confirm: "yes" });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("Location")).toBe("/goodbye");
    expect(me.client.cookies.has(SESSION)).toBe(false);
    const goodbye = await me.client.page("/goodbye");
    expect(decode(goodbye.html)).toContain("Your account is deleted");

    // Every way in is gone: the old session cookie, the password, the API key.
    const replay = new Client(freshIp());
    replay.cookies.set(SESSION, oldCookie);
    const replayed = await replay.get("/envelopes");
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get("Location")).toMatch(/^\/login/);
    const login = await logIn(me.email);
    expect(login.status).toBe(401);
    const api = await apiClient(key).call("/api/v1/envelopes");
    expect(api.status).toBe(401);
    expect(api.headers.get("Content-Type")).toContain("application/problem+json");

    // Personal data is gone from the user row; the row stays for what points at it.
    const row = (await userRow(myId))!;
    expect(row.email).toBe(`deleted-${myId}@deleted.invalid`);
    expect(row.name).toBe("");
    expect(row.password_hash).not.toMatch(/argon2/);
    expect(row.deleted_at).not.toBeNull();
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM memberships WHERE user_id = ?").bind(myId).first<{ n: number }>();
    expect(left!.n).toBe(0);

    // The draft is deleted; the organisation owned alone is gone; the firm carries on without me.
    expect(await envelopeStub(env, draft.id).getState()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM envelopes WHERE id = ?").bind(draft.id).first()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM organisations WHERE id = ?").bind(soloId).first()).toBeNull();
    const members = decode((await colleague.client.page("/settings/organisation")).html);
    expect(members).not.toContain(me.email);
    expect(members).toContain("Fjord Firm AS");

    // The completed agreement stays for the person who signed it: their link still opens it.
    const completedMail = await waitForMessage(colleague.client, done.signer.email, "is signed by everyone");
    const opened = await new Client(freshIp()).get(new URL(completedMail.link!).pathname);
    expect(opened.status).toBe(303);
    expect((await envelopeStub(env, done.id).getState())!.status).toBe("completed");
    // …but its former sender is not warned before its deletion any more.
    const warnings = await dueForDeletionWarning(db(), {
      completedBefore: "2000-01-01T00:00:00.000Z",
      warnCompletedBefore: "2999-01-01T00:00:00.000Z",
      endedBefore: "2000-01-01T00:00:00.000Z",
      warnEndedBefore: "2999-01-01T00:00:00.000Z",
      limit: 1000,
    });
    expect(warnings.map((w) => w.envelopeId)).not.toContain(done.id);

    // Recorded in each organisation's chain, which still verifies; one last mail confirms it.
    for (const orgId of [personalOrg, firmId]) {
      const entry = await env.DB.prepare("SELECT actor_label FROM audit_log WHERE org_id = ? AND action = 'account.deleted'").bind(orgId).first<{ actor_label: string }>();
      expect(entry?.actor_label).toBe(me.email);
      expect((await verifyAuditChain(db(), orgId)).ok).toBe(true);
    }
    const farewell = await waitForMessage(colleague.client, me.email, "Your Pactly account is deleted");
    expect(farewell.link).toBeNull();

    // The address is free again: signing up with it makes a new, empty account.
    const again = new Client(freshIp());
    const { csrf } = await again.page("/signup");
    const signedUp = await again.post("/signup", { name: "Åse Again", email: me.email, password: PASSWORD }, csrf);
    expect(signedUp.status).toBe(303);
    const list = decode((await again.page("/envelopes")).html);
    expect(list).not.toContain("Lease of the boathouse");
  });

  it("is refused while envelopes are out for signing or an owned organisation has members", async () => {
    const me = await newSender("Busy Sender");
    const myId = await userIdOf(me.email);
    const { path } = await createEnvelope(me.client, { title: "Still out", signers: [newSigner("Ola Venter")] });
    await sendEnvelope(me.client, path);
    await createOrganisationAs(me.client, "Shared Team AS");
    const other = await newSender("Team Member");
    expect((await accept(other.client, await invite(me.client, other.email, "manager"))).status).toBe(303);

    const page = await deletePage(me.client);
    expect(page.text).toContain("You have 1 envelope(s) out for signing.");
    expect(page.text).toContain("You own Shared Team AS, which has 1 other member(s).");
    expect(page.html).not.toContain('name="confirm"');

    // Posting anyway (an old tab) is refused with the same list, and changes nothing.
    const refused = await me.client.post("/account/delete", { password: PASSWORD, confirm: "yes" }, page.csrf);
    expect(refused.status).toBe(409);
    expect(decode(await refused.text())).toContain("Before you can delete your account");
    expect((await userRow(myId))!.deleted_at).toBeNull();
    expect((await me.client.get("/envelopes")).status).toBe(200);
  });

  it("asks for a current code when two-factor authentication is on", async () => {
    const me = await newSender("Two Factor Deleter");
    const myId = await userIdOf(me.email);
    const { csrf } = await me.client.page("/account");
    await me.client.post("/account/two-factor/setup", {}, csrf);
    const setup = await me.client.page("/account/two-factor/setup");
    const secret = base32Decode(/<code class="secret">([^<]+)<\/code>/.exec(setup.html)![1]!.replace(/\s+/g, ""))!;
    const confirmed = await me.client.post("/account/two-factor/confirm", { code: totp(secret, Date.now()) }, setup.csrf);
    expect(confirmed.status).toBe(200);

    const page = await deletePage(me.client);
    expect(page.html).toContain('autocomplete="one-time-code"');
    const noCode = await requestDeletion(me.client, { password: PASSWORD, confirm: "yes" });
    expect(noCode.status).toBe(422);
    expect(decode(await noCode.text())).toContain("Enter the code");
    const badCode = await requestDeletion(me.client, { password: PASSWORD, confirm: "yes", code: wrongCode(secret) });
    expect(badCode.status).toBe(422);
    expect((await userRow(myId))!.deleted_at).toBeNull();
    // A recovery code works as well as an app code.
    const codes = [...decode(confirmed.status === 200 ? await confirmed.text() : "").matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    const ok = await requestDeletion(me.client, { password: PASSWORD, confirm: "yes", code: codes[0]!, kind: "recovery" });
    expect(ok.status).toBe(303);
    const row = (await userRow(myId))!;
    expect(row.deleted_at).not.toBeNull();
    const secrets = await env.DB.prepare("SELECT (SELECT COUNT(*) FROM two_factor WHERE user_id = ?1) + (SELECT COUNT(*) FROM two_factor_recovery_codes WHERE user_id = ?1) AS n").bind(myId).first<{ n: number }>();
    expect(secrets!.n).toBe(0);
  });

  it("answers another person's session about that person only, and a signed-out browser with the login page", async () => {
    const anonymous = new Client(freshIp());
    const page = await anonymous.get("/account/delete");
    expect(page.status).toBe(303);
    expect(page.headers.get("Location")).toMatch(/^\/login/);
    const a = await newSender("Person A");
    const b = await newSender("Person B");
    const seenByB = decode((await b.client.page("/account/delete")).html);
    expect(seenByB).toContain(b.email);
    expect(seenByB).not.toContain(a.email);
  });
});
