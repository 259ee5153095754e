/**
 * Organisations through the real pages: creating one, inviting by email, accepting the
 * link, roles and what each role sees, removal, transfer, deletion and required 2FA.
 * Every refusal is checked from another tenant's side too.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { actions, can, permissionMatrix, roles, type Action, type Role } from "../../src/domain/permissions";
import { database } from "../../src/storage/db";
import { requiresTwoFactor } from "../../src/services/two-factor";
import { SESSION_COOKIE } from "../../src/web/middleware/session";
import { cancelEnvelope, createEnvelope, mainOf, newSender } from "../support/flows";
import { accept, createOrganisationAs, invite, organisationWithEveryRole, userIdOf, type Organisation } from "../support/organisations";

describe("the permission matrix", () => {
  // The README's table, row by row: changing a right means changing this test on purpose.
  const expected: Record<Action, Role[]> = {
    "envelope.read_own": ["owner", "admin", "manager", "user"],
    "members.read": ["owner", "admin", "manager", "user"],
    "envelope.read_all": ["owner", "admin", "manager"],
    "envelope.manage_all": ["owner", "admin", "manager"],
    "members.manage": ["owner", "admin"],
    "settings.manage": ["owner", "admin"],
    "apikeys.manage": ["owner", "admin"],
    "webhooks.manage": ["owner", "admin"],
    "auditlog.read": ["owner", "admin"],
    "billing.manage": ["owner"],
    "org.transfer": ["owner"],
    "org.delete": ["owner"],
  };

  it("gives each role exactly the rights the issue names, and nobody without a role anything", () => {
    for (const action of actions) {
      expect(roles.filter((r) => can(r, action)), action).toEqual(expected[action]);
      expect(can(null, action)).toBe(false);
    }
    expect(Object.keys(permissionMatrix).sort()).toEqual([...roles].sort());
  });
});

describe("creating and joining an organisation", () => {
  it("makes the creator its owner and moves their session into it under a new session id", async () => {
    const { client } = await newSender("Creator");
    const before = client.cookies.get(SESSION_COOKIE);
    await createOrganisationAs(client, "Fjordvik Regnskap AS");
    expect(client.cookies.get(SESSION_COOKIE)).not.toBe(before);
    const { html } = await client.page("/settings/organisation");
    expect(mainOf(html)).toContain("You are working in Fjordvik Regnskap AS as Owner.");
  });

  it("joins only when the invited person confirms, once, with the invited address", async () => {
    const owner = await newSender("Inviter");
    const orgId = await createOrganisationAs(owner.client, "Nordlys Advokat");
    const invited = await newSender("Invited Person");
    const stranger = await newSender("Someone Else");
    const link = await invite(owner.client, invited.email, "manager");

    // A mail scanner's GET changes nothing.
    expect((await invited.client.get(link)).status).toBe(200);
    expect(await membersIn(orgId)).toBe(1);

    // A forwarded link does not let someone else in.
    const wrong = await accept(stranger.client, link);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain("This invitation is for");
    expect(await membersIn(orgId)).toBe(1);

    const before = invited.client.cookies.get(SESSION_COOKIE);
    const joined = await accept(invited.client, link);
    expect(joined.status).toBe(303);
    expect(invited.client.cookies.get(SESSION_COOKIE)).not.toBe(before);
    expect(await membersIn(orgId)).toBe(2);
    const { html } = await invited.client.page("/settings/organisation");
    expect(mainOf(html)).toContain("as Manager");

    expect((await invited.client.get(link)).status).toBe(410);
  });

  it("refuses invitations to a personal workspace and an owner role by invitation", async () => {
    const { client } = await newSender("Solo");
    const { csrf } = await client.page("/settings/organisation");
    const personal = await client.post("/settings/organisation/invite", { email: "friend@example.com", role: "user" }, csrf);
    expect(personal.status).toBe(409);
    expect(await personal.text()).toContain("You cannot invite people to a personal workspace");
    await createOrganisationAs(client, "Solo Org");
    const owner = await client.post("/settings/organisation/invite", { email: "friend@example.com", role: "owner" }, csrf);
    expect(owner.status).toBe(422);
    expect(await owner.text()).toContain("Choose a role");
  });

  it("sends at most 10 invitations a minute per inviter, then answers 429 with Retry-After and sends nothing", async () => {
    const { client } = await newSender("Busy Inviter");
    await createOrganisationAs(client, "Invites Galore");
    const { csrf } = await client.page("/settings/organisation");
    const invitee = (n: number) => `invitee-${n}-${crypto.randomUUID().slice(0, 8)}@example.com`;
    // Fixed windows on the wall clock: a burst may straddle a boundary, so go on until refused (at most twice the limit + 1).
    let sent = 0;
    let refused: { res: Response; email: string } | null = null;
    for (let n = 1; n <= 21 && !refused; n++) {
      const email = invitee(n);
      const res = await client.post("/settings/organisation/invite", { email, role: "user" }, csrf);
      if (res.status === 429) {
        refused = { res, email };
      } else {
        expect(res.status).toBe(303);
        sent++;
      }
    }
    expect(refused).not.toBeNull();
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(refused!.res.headers.get("Retry-After")).toBe("60");
    expect(await env.DB.prepare("SELECT id FROM org_invitations WHERE email = ?").bind(refused!.email).first()).toBeNull();
  });
});

describe("what each role sees and may do", () => {
  let alpha: Organisation;
  let bravo: Organisation;
  let userEnvelope: string;
  let managerEnvelope: string;

  beforeAll(async () => {
    [alpha, bravo] = await Promise.all([organisationWithEveryRole("Alpha Scope AS"), organisationWithEveryRole("Bravo Scope AS")]);
    userEnvelope = (await createEnvelope(alpha.members.user.client, { title: "Lease by the user" })).path;
    managerEnvelope = (await createEnvelope(alpha.members.manager.client, { title: "Loan by the manager" })).path;
  }, 120_000);

  it("shows a user only their own envelopes, and a manager, admin and owner every envelope in the organisation", async () => {
    const list = async (role: Role) => mainOf(await (await alpha.members[role].client.get("/envelopes")).text());
    const userList = await list("user");
    expect(userList).toContain("Lease by the user");
    expect(userList).not.toContain("Loan by the manager");
    for (const role of ["manager", "admin", "owner"] as const) {
      const seen = await list(role);
      expect(seen, role).toContain("Lease by the user");
      expect(seen, role).toContain("Loan by the manager");
    }
    expect((await alpha.members.user.client.get(managerEnvelope)).status).toBe(404);
    expect((await alpha.members.manager.client.get(userEnvelope)).status).toBe(200);
    for (const role of roles) {
      expect((await bravo.members[role].client.get(userEnvelope)).status, `bravo ${role}`).toBe(404);
      expect(mainOf(await (await bravo.members[role].client.get("/envelopes")).text())).not.toContain("Lease by the user");
    }
  });

  it("lets only owners and admins manage members, and never the owner", async () => {
    for (const role of ["manager", "user"] as const) {
      const { csrf } = await alpha.members[role].client.page("/settings/organisation");
      const res = await alpha.members[role].client.post("/settings/organisation/invite", { email: "x@example.com", role: "user" }, csrf);
      expect(res.status, role).toBe(403);
    }
    const admin = alpha.members.admin.client;
    const { csrf } = await admin.page("/settings/organisation");
    const onOwner = await admin.post(`/settings/organisation/members/${alpha.members.owner.userId}/role`, { role: "user" }, csrf);
    expect(onOwner.status).toBe(403);
    // Another organisation's member is "not found", even to an admin.
    const foreign = await admin.post(`/settings/organisation/members/${bravo.members.user.userId}/role`, { role: "manager" }, csrf);
    expect(foreign.status).toBe(404);
    expect(await roleOf(bravo.id, bravo.members.user.userId)).toBe("user");
  });
});

describe("changing who belongs", () => {
  it("ends the sessions of a member whose role is raised, and of a removed member", async () => {
    const org = await organisationWithEveryRole("Change Roles AS");
    const admin = org.members.admin.client;
    const { csrf } = await admin.page("/settings/organisation");
    const raised = await admin.post(`/settings/organisation/members/${org.members.user.userId}/role`, { role: "manager" }, csrf);
    expect(raised.status).toBe(303);
    expect(await roleOf(org.id, org.members.user.userId)).toBe("manager");
    expect((await org.members.user.client.get("/envelopes")).headers.get("Location")).toBe("/login");

    const removed = await admin.post(`/settings/organisation/members/${org.members.manager.userId}/remove`, {}, csrf);
    expect(removed.status).toBe(303);
    expect(await roleOf(org.id, org.members.manager.userId)).toBeNull();
    expect((await org.members.manager.client.get("/envelopes")).headers.get("Location")).toBe("/login");
  });

  it("transfers ownership: the old owner becomes an admin under a new session id", async () => {
    const org = await organisationWithEveryRole("Transfer AS");
    const owner = org.members.owner.client;
    const before = owner.cookies.get(SESSION_COOKIE);
    const { csrf } = await owner.page("/settings/organisation");
    const res = await owner.post("/settings/organisation/transfer", { memberId: org.members.admin.userId }, csrf);
    expect(res.status).toBe(303);
    expect(owner.cookies.get(SESSION_COOKIE)).not.toBe(before);
    expect(await roleOf(org.id, org.members.admin.userId)).toBe("owner");
    expect(await roleOf(org.id, org.members.owner.userId)).toBe("admin");
    // Now an admin, the old owner can no longer delete it.
    const again = await owner.page("/settings/organisation");
    const refused = await owner.post("/settings/organisation/delete", { deleteName: "Transfer AS" }, again.csrf);
    expect(refused.status).toBe(403);
  });

  it("deletes an organisation only without envelopes in flight, and only with its exact name", async () => {
    const { client } = await newSender("Deleter");
    const orgId = await createOrganisationAs(client, "Short Lived AS");
    const draft = await createEnvelope(client, { title: "Still a draft" });
    let { csrf } = await client.page("/settings/organisation");
    const wrongName = await client.post("/settings/organisation/delete", { deleteName: "Short Lived" }, csrf);
    expect(wrongName.status).toBe(422);
    const inFlight = await client.post("/settings/organisation/delete", { deleteName: "Short Lived AS" }, csrf);
    expect(inFlight.status).toBe(409);
    expect(await inFlight.text()).toContain("still has envelopes that are drafts or out for signing");

    ({ csrf } = await client.page(`${draft.path}/delete`));
    expect((await client.post(`${draft.path}/delete`, {}, csrf)).status).toBe(303);
    ({ csrf } = await client.page("/settings/organisation"));
    const deleted = await client.post("/settings/organisation/delete", { deleteName: "Short Lived AS" }, csrf);
    expect(deleted.status).toBe(303);
    expect(await membersIn(orgId)).toBe(0);
    const { html } = await client.page("/settings/organisation");
    expect(mainOf(html)).toContain("your personal workspace");
  });
});

describe("requiring two-factor authentication", () => {
  it("makes every member's requiresTwoFactor true and keeps members without 2FA out of the organisation", async () => {
    const owner = await newSender("Strict Owner");
    const orgId = await createOrganisationAs(owner.client, "Strict AS");
    const member = await newSender("Relaxed Member");
    await accept(member.client, await invite(owner.client, member.email, "user"));
    const memberId = await userIdOf(member.email);
    const db = database(env.DB);
    expect(await requiresTwoFactor(db, { id: memberId, orgId })).toBe(false);

    const { csrf } = await owner.client.page("/settings/organisation");
    expect((await owner.client.post("/settings/organisation/two-factor", { requireTwoFactor: "yes" }, csrf)).status).toBe(303);
    expect(await requiresTwoFactor(db, { id: memberId, orgId })).toBe(true);

    // Back in the personal workspace, the member cannot switch into the organisation without 2FA.
    const personal = await env.DB.prepare("SELECT personal_org_id AS id FROM users WHERE id = ?").bind(memberId).first<{ id: string }>();
    const page = await member.client.page("/settings/organisation");
    expect((await member.client.post("/settings/organisation/switch", { orgId: personal!.id }, page.csrf)).status).toBe(303);
    const again = await member.client.page("/settings/organisation");
    const refused = await member.client.post("/settings/organisation/switch", { orgId }, again.csrf);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("requires two-factor authentication");
  });
});

async function membersIn(orgId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM memberships WHERE org_id = ?").bind(orgId).first<{ n: number }>();
  return row!.n;
}

async function roleOf(orgId: string, userId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT role FROM memberships WHERE org_id = ? AND user_id = ?").bind(orgId, userId).first<{ role: string }>();
  return row?.role ?? null;
}

describe("a deleted envelope", () => {
  it("is reported as deleted (410) only to those who could see it; a colleague with the user role still gets 404", async () => {
    const alpha = await organisationWithEveryRole("Alpha Deleted AS");
    const manager = alpha.members.manager.client;
    const { path } = await createEnvelope(manager, { title: "Deleted by the manager" });
    await cancelEnvelope(manager, path);
    const { csrf } = await manager.page(`${path}/purge`);
    expect((await manager.post(`${path}/purge`, {}, csrf)).status).toBe(303);

    expect((await manager.get(path)).status).toBe(410);
    expect((await alpha.members.admin.client.get(path)).status).toBe(410);
    const colleague = await alpha.members.user.client.get(path);
    expect(colleague.status).toBe(404);
    expect(await colleague.text()).not.toContain("Deleted by the manager");
  }, 120_000);
});
