/**
 * Settings → Organisation (/settings/organisation) and invitation links (/invitations/:token).
 * Every POST re-checks the permission in the service; a new session id is issued whenever
 * the active organisation or the user's own privileges change.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { DomainError } from "../domain/errors";
import type { MessageKey } from "../i18n";
import {
  acceptInvitation,
  changeRole,
  createOrganisation,
  deleteOrganisation,
  inspectInvitation,
  inviteMember,
  inviteSchema,
  organisationNameSchema,
  organisationOverview,
  removeMember,
  requirePermission,
  revokeInvitation,
  roleChangeSchema,
  switchOrganisation,
  transferOwnership,
  updateTwoFactorRequirement,
} from "../services/organisations";
import { database } from "../storage/db";
import { InvitationPage, OrganisationPage } from "../../templates/pages/organisations";
import type { FieldErrors, Values } from "../../templates/view";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, rateLimit, stringFields, view } from "./helpers";
import { requireUser, setSessionCookie } from "./middleware/session";

export const organisationRoutes = new Hono<AppEnv>();
organisationRoutes.use("*", requireUser());

const BASE = "/settings/organisation";
const userIdParam = z.string().regex(/^usr_[A-Za-z0-9_-]{10,40}$/);
const orgIdParam = z.string().regex(/^org_[A-Za-z0-9_-]{10,40}$/);
const invitationIdParam = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/);

function param(c: Context<AppEnv>, name: string, schema: z.ZodType<string>): string {
  const parsed = schema.safeParse(c.req.param(name));
  if (!parsed.success) throw new DomainError("not_found", "Not found");
  return parsed.data;
}

const notices: Record<string, MessageKey> = {
  created: "organisations.notice.created",
  switched: "organisations.notice.switched",
  invited: "organisations.notice.invited",
  role: "organisations.notice.role",
  removed: "organisations.notice.removed",
  revoked: "organisations.notice.revoked",
  transferred: "organisations.notice.transferred",
  deleted: "organisations.notice.deleted",
  settings: "organisations.notice.settings",
  joined: "organisations.notice.joined",
};

async function page(c: Context<AppEnv>, opts: { values?: Values; errors?: FieldErrors; status?: 200 | 422 | 409 } = {}) {
  const user = c.get("user")!;
  const overview = await organisationOverview(database(c.env.DB), user);
  const done = c.req.query("done");
  const notice = done && notices[done] ? c.get("t")(notices[done]) : undefined;
  const el = <OrganisationPage view={view(c)} overview={overview} userId={user.id} values={opts.values ?? {}} errors={opts.errors ?? {}} notice={notice} />;
  return c.html(el, opts.status ?? 200);
}

const done = (c: Context<AppEnv>, what: keyof typeof notices) => c.redirect(`${BASE}?done=${what}`, 303);

organisationRoutes.get("/", (c) => page(c));

organisationRoutes.post("/create", async (c) => {
  const db = database(c.env.DB);
  const user = c.get("user")!;
  const body = stringFields(await c.req.parseBody());
  const parsed = organisationNameSchema.safeParse(body);
  if (!parsed.success) return page(c, { values: body, errors: fieldErrors(parsed.error), status: 422 });
  const orgId = await createOrganisation(db, user, parsed.data.name);
  // The creator starts working in the new organisation, as its owner, under a new session id.
  const switched = await switchOrganisation(db, user, orgId, clientInfo(c));
  if (switched.ok) setSessionCookie(c, switched.token);
  return done(c, "created");
});

organisationRoutes.post("/switch", async (c) => {
  const body = stringFields(await c.req.parseBody());
  const orgId = orgIdParam.safeParse(body.orgId);
  if (!orgId.success) return page(c, { errors: { orgId: "organisations.error.org" }, status: 422 });
  const outcome = await switchOrganisation(database(c.env.DB), c.get("user")!, orgId.data, clientInfo(c));
  if (!outcome.ok) return page(c, { errors: { orgId: "organisations.error.twoFactorRequired" }, status: 409 });
  setSessionCookie(c, outcome.token);
  return done(c, "switched");
});

organisationRoutes.post("/invite", async (c) => {
  // The role is checked before the form, so someone who may not invite learns nothing from validation.
  await requirePermission(database(c.env.DB), c.get("user")!, "members.manage");
  const body = stringFields(await c.req.parseBody());
  const parsed = inviteSchema.safeParse(body);
  if (!parsed.success) return page(c, { values: body, errors: fieldErrors(parsed.error), status: 422 });
  // Each invitation is an email to an address the inviter chose: limited per inviter, so an account cannot be used to spam.
  await rateLimit(c, "invite-user", c.get("user")!.id);
  const outcome = await inviteMember({ db: database(c.env.DB), queue: c.env.NOTIFICATIONS }, c.get("user")!, parsed.data, clientInfo(c));
  if (!outcome.ok) {
    const key: MessageKey = outcome.reason === "already_member" ? "organisations.error.alreadyMember" : "organisations.error.personal";
    return page(c, { values: body, errors: { email: key }, status: 409 });
  }
  return done(c, "invited");
});

organisationRoutes.post("/invitations/:id/revoke", async (c) => {
  await revokeInvitation(database(c.env.DB), c.get("user")!, param(c, "id", invitationIdParam));
  return done(c, "revoked");
});

organisationRoutes.post("/members/:userId/role", async (c) => {
  const memberId = param(c, "userId", userIdParam);
  await requirePermission(database(c.env.DB), c.get("user")!, "members.manage");
  const parsed = roleChangeSchema.safeParse(stringFields(await c.req.parseBody()));
  if (!parsed.success) return page(c, { errors: { role: "organisations.error.role" }, status: 422 });
  await changeRole(database(c.env.DB), c.get("user")!, memberId, parsed.data.role, clientInfo(c));
  return done(c, "role");
});

organisationRoutes.post("/members/:userId/remove", async (c) => {
  await removeMember(database(c.env.DB), c.get("user")!, param(c, "userId", userIdParam));
  return done(c, "removed");
});

organisationRoutes.post("/transfer", async (c) => {
  await requirePermission(database(c.env.DB), c.get("user")!, "org.transfer");
  const body = stringFields(await c.req.parseBody());
  const memberId = userIdParam.safeParse(body.memberId);
  if (!memberId.success) return page(c, { errors: { memberId: "organisations.error.member" }, status: 422 });
  setSessionCookie(c, await transferOwnership(database(c.env.DB), c.get("user")!, memberId.data, clientInfo(c)));
  return done(c, "transferred");
});

organisationRoutes.post("/delete", async (c) => {
  await requirePermission(database(c.env.DB), c.get("user")!, "org.delete");
  const body = stringFields(await c.req.parseBody());
  const outcome = await deleteOrganisation(database(c.env.DB), c.get("user")!, body.deleteName ?? "", clientInfo(c));
  if (!outcome.ok) {
    const key: MessageKey = outcome.reason === "name" ? "organisations.error.deleteName" : "organisations.error.inFlight";
    return page(c, { values: body, errors: { deleteName: key }, status: outcome.reason === "name" ? 422 : 409 });
  }
  setSessionCookie(c, outcome.token);
  return done(c, "deleted");
});

organisationRoutes.post("/two-factor", async (c) => {
  const body = stringFields(await c.req.parseBody());
  await updateTwoFactorRequirement(database(c.env.DB), c.get("user")!, body.requireTwoFactor === "yes");
  return done(c, "settings");
});

// ---------------------------------------------------------------------------
// invitation links

export const invitationRoutes = new Hono<AppEnv>();

const invitationToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

function tokenOf(c: Context<AppEnv>): string | null {
  const parsed = invitationToken.safeParse(c.req.param("token"));
  return parsed.success ? parsed.data : null;
}

/** GET shows what the link is for and changes nothing; a mail scanner that follows it joins no one. */
invitationRoutes.get("/:token", async (c) => {
  const token = tokenOf(c);
  const found = token ? await inspectInvitation(database(c.env.DB), token) : { state: "unknown" as const };
  if (found.state === "unknown") throw new DomainError("not_found", "No such invitation");
  const headers = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };
  if (found.state === "spent") return c.html(<InvitationPage view={view(c)} state="spent" />, 410, headers);
  const props = { orgName: found.orgName, role: found.invitation.role, email: found.invitation.email };
  return c.html(<InvitationPage view={view(c)} state={c.get("user") ? "usable" : "anonymous"} {...props} />, 200, headers);
});

invitationRoutes.post("/:token", async (c) => {
  const user = c.get("user");
  if (!user) return c.redirect("/login", 303);
  const token = tokenOf(c);
  if (!token) throw new DomainError("not_found", "No such invitation");
  const db = database(c.env.DB);
  const outcome = await acceptInvitation(db, user, token, clientInfo(c));
  if (outcome.ok) {
    setSessionCookie(c, outcome.token);
    return c.redirect(`${BASE}?done=joined`, 303);
  }
  if (outcome.reason === "spent") return c.html(<InvitationPage view={view(c)} state="spent" />, 410);
  const found = await inspectInvitation(db, token);
  if (found.state !== "usable") return c.html(<InvitationPage view={view(c)} state="spent" />, 410);
  return c.html(<InvitationPage view={view(c)} state="usable" orgName={found.orgName} role={found.invitation.role} email={found.invitation.email} error="other_address" />, 403);
});
