/**
 * Organisations and their members: create, invite by email, accept, change role, remove,
 * transfer ownership, delete, switch the active organisation, require 2FA. Every rule
 * about who may do what comes from domain/permissions; the role is re-read from D1 here
 * (never trusted from the session) because a role may have changed since.
 */
import { z } from "zod";
import { hashToken, newId, randomToken } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import type { OrgInviteMessage } from "../domain/messages";
import type { OrganisationOverview } from "../domain/organisations";
import { assignableRoles, can, canManageMember, type Action, type Role } from "../domain/permissions";
import type { Locale } from "../i18n";
import type { Db } from "../storage/db";
import {
  acceptInvitationRow,
  deleteMembership,
  deleteOrganisationRows,
  envelopesInFlight,
  findInvitation,
  findMembership,
  findOrganisation,
  insertInvitation,
  insertOrganisation,
  membersOf,
  organisationsOf,
  pendingInvitations,
  requireTwoFactorIn,
  revokeInvitationRow,
  revokeMemberSessions,
  setRequireTwoFactor,
  swapOwner,
  updateRole,
  type InvitationRow,
} from "../storage/organisations";
import { twoFactorEnabled } from "../storage/two-factor";
import { findUserById } from "../storage/accounts";
import type { ClientInfo } from "../domain/client-info";
import { rotateSession, startSession, type SessionUser } from "./accounts";
import { audit } from "./audit";

/** An invitation link is valid for 7 days: long enough for a holiday, short enough to go stale. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export const organisationNameSchema = z.object({
  name: z.string({ error: "organisations.error.name" }).trim().min(1, "organisations.error.name").max(100, "organisations.error.nameLong"),
});

export const inviteSchema = z.object({
  email: z.string({ error: "organisations.error.email" }).trim().toLowerCase().pipe(z.email("organisations.error.email")).pipe(z.string().max(254, "organisations.error.email")),
  role: z.enum(["admin", "manager", "user"], "organisations.error.role"),
});

export const roleChangeSchema = z.object({ role: z.enum(["admin", "manager", "user"], "organisations.error.role") });

/** The member's role re-read from D1; throws `forbidden` unless the matrix allows `action`. */
export async function requirePermission(db: Db, user: Pick<SessionUser, "id" | "orgId">, action: Action): Promise<Role> {
  const role = await findMembership(db, user.orgId, user.id);
  if (!role || !can(role, action)) throw new DomainError("forbidden", "Your role in this organisation does not allow this");
  return role;
}

export async function createOrganisation(db: Db, user: SessionUser, name: string): Promise<string> {
  const id = newId("org");
  await insertOrganisation(db, { id, name, ownerId: user.id, at: new Date().toISOString() });
  return id;
}

/** What the organisation page shows this member: members only to roles that may see them. */
export async function organisationOverview(db: Db, user: SessionUser): Promise<OrganisationOverview> {
  const [organisation, role, memberships] = await Promise.all([findOrganisation(db, user.orgId), findMembership(db, user.orgId, user.id), organisationsOf(db, user.id)]);
  if (!organisation || !role) throw new DomainError("not_found", "No such organisation");
  const members = can(role, "members.read") ? await membersOf(db, user.orgId) : [];
  const invitations = can(role, "members.manage") ? await pendingInvitations(db, user.orgId, new Date().toISOString()) : [];
  return {
    organisation: { id: organisation.id, name: organisation.name, personal: organisation.personal, requireTwoFactor: await requireTwoFactorIn(db, organisation.id) },
    role,
    memberships,
    members,
    invitations: invitations.map((i) => ({ id: i.id, email: i.email, role: i.role, expiresAt: i.expiresAt })),
  };
}

export type Outbox = { db: Db; queue: Queue<unknown> };

/**
 * Sends a single-use invitation link to an address. The owner role is never given by
 * invitation (only by transfer), so an organisation has exactly one owner.
 */
export async function inviteMember(
  box: Outbox,
  user: SessionUser,
  input: { email: string; role: Exclude<Role, "owner"> },
  client: ClientInfo,
): Promise<{ ok: true } | { ok: false; reason: "already_member" | "personal" }> {
  const role = await requirePermission(box.db, user, "members.manage");
  if (!assignableRoles(role).includes(input.role)) throw new DomainError("forbidden", "You cannot give this role");
  const organisation = await findOrganisation(box.db, user.orgId);
  if (!organisation) throw new DomainError("not_found", "No such organisation");
  // A personal workspace stays personal: create an organisation to work with others.
  if (organisation.personal) return { ok: false, reason: "personal" };
  if ((await membersOf(box.db, user.orgId)).some((m) => m.email === input.email)) return { ok: false, reason: "already_member" };
  const token = randomToken();
  const now = Date.now();
  await insertInvitation(box.db, {
    id: hashToken(token),
    orgId: user.orgId,
    email: input.email,
    role: input.role,
    invitedBy: user.id,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + INVITATION_TTL_MS).toISOString(),
  });
  const message: OrgInviteMessage = {
    v: 1,
    id: newId("msg"),
    orgId: user.orgId,
    type: "org_invite",
    to: input.email,
    locale: user.locale as Locale,
    orgName: organisation.name,
    inviterName: user.name,
    role: input.role,
    token,
  };
  await box.queue.send(message);
  await audit(box.db, { user, action: "member.invited", target: { type: "invitation", id: hashToken(token).slice(0, 16) }, client, details: { role: input.role } });
  return { ok: true };
}

export async function revokeInvitation(db: Db, user: SessionUser, invitationId: string): Promise<void> {
  await requirePermission(db, user, "members.manage");
  if (!(await revokeInvitationRow(db, user.orgId, invitationId, new Date().toISOString()))) throw new DomainError("not_found", "No such invitation");
}

export type InvitationState =
  | { state: "usable"; invitation: InvitationRow; orgName: string }
  | { state: "spent" }
  | { state: "unknown" };

/** What an invitation link is for, read without using it up (the page that asks to confirm). */
export async function inspectInvitation(db: Db, token: string, now = Date.now()): Promise<InvitationState> {
  const invitation = await findInvitation(db, hashToken(token));
  if (!invitation) return { state: "unknown" };
  if (invitation.acceptedAt || invitation.revokedAt || Date.parse(invitation.expiresAt) <= now) return { state: "spent" };
  const organisation = await findOrganisation(db, invitation.orgId);
  if (!organisation) return { state: "unknown" };
  return { state: "usable", invitation, orgName: organisation.name };
}

export type AcceptOutcome = { ok: true; orgId: string; token: string } | { ok: false; reason: "spent" | "other_address" };

/**
 * Uses an invitation once, for the account whose address it was sent to (a forwarded
 * link does not let someone else in), and moves the session into the organisation under
 * a new session id: joining is a privilege change.
 */
export async function acceptInvitation(db: Db, user: SessionUser, token: string, client: ClientInfo): Promise<AcceptOutcome> {
  const found = await inspectInvitation(db, token);
  if (found.state !== "usable") return { ok: false, reason: "spent" };
  if (found.invitation.email !== user.email.toLowerCase()) return { ok: false, reason: "other_address" };
  const used = await acceptInvitationRow(db, found.invitation.id, user.id, new Date().toISOString());
  if (!used) return { ok: false, reason: "spent" };
  const sessionToken = await rotateSession(db, { id: user.id, orgId: used.orgId, sessionId: user.sessionId }, client);
  return { ok: true, orgId: used.orgId, token: sessionToken };
}

/** The target must be a member of the caller's organisation; anyone else is "not found". */
async function memberOf(db: Db, orgId: string, userId: string): Promise<Role> {
  const role = await findMembership(db, orgId, userId);
  if (!role) throw new DomainError("not_found", "No such member");
  return role;
}

export async function changeRole(db: Db, user: SessionUser, memberId: string, newRole: Exclude<Role, "owner">, client: ClientInfo): Promise<void> {
  const role = await requirePermission(db, user, "members.manage");
  const current = await memberOf(db, user.orgId, memberId);
  if (memberId === user.id || !canManageMember(role, current) || !assignableRoles(role).includes(newRole)) {
    throw new DomainError("forbidden", "You cannot change this member's role");
  }
  if (current === newRole) return;
  await updateRole(db, user.orgId, memberId, newRole);
  // A raised role is a privilege change: their sessions in this organisation end, so the
  // new rights come with a new session id at their next login.
  if (rank(newRole) > rank(current)) await revokeMemberSessions(db, user.orgId, memberId, new Date().toISOString());
  await audit(db, { user, action: "member.role_changed", target: { type: "user", id: memberId }, client, details: { from: current, to: newRole } });
}

const rank = (role: Role) => ({ user: 0, manager: 1, admin: 2, owner: 3 })[role];

export async function removeMember(db: Db, user: SessionUser, memberId: string): Promise<void> {
  const role = await requirePermission(db, user, "members.manage");
  const current = await memberOf(db, user.orgId, memberId);
  if (memberId === user.id || !canManageMember(role, current)) throw new DomainError("forbidden", "You cannot remove this member");
  await deleteMembership(db, user.orgId, memberId, new Date().toISOString());
}

/** Hands the organisation to another member; the old owner stays on as an admin, under a new session id. */
export async function transferOwnership(db: Db, user: SessionUser, memberId: string, client: ClientInfo): Promise<string> {
  await requirePermission(db, user, "org.transfer");
  await memberOf(db, user.orgId, memberId);
  if (memberId === user.id) throw new DomainError("forbidden", "You already own this organisation");
  const organisation = await findOrganisation(db, user.orgId);
  if (!organisation || organisation.personal) throw new DomainError("forbidden", "A personal workspace cannot be transferred");
  await swapOwner(db, user.orgId, user.id, memberId);
  await revokeMemberSessions(db, user.orgId, memberId, new Date().toISOString());
  await audit(db, { user, action: "member.role_changed", target: { type: "user", id: memberId }, client, details: { to: "owner" } });
  return rotateSession(db, user, client);
}

export type DeleteOutcome = { ok: true; token: string } | { ok: false; reason: "in_flight" | "name" };

/**
 * Deletes an organisation the caller owns. Refused while any envelope is a draft or out
 * for signing: people are waiting on those. Ended envelopes stay until the retention
 * sweep deletes them on schedule. The caller's session moves to their personal workspace.
 */
export async function deleteOrganisation(db: Db, user: SessionUser, confirmName: string, client: ClientInfo): Promise<DeleteOutcome> {
  await requirePermission(db, user, "org.delete");
  const organisation = await findOrganisation(db, user.orgId);
  if (!organisation || organisation.personal) throw new DomainError("forbidden", "A personal workspace cannot be deleted");
  if (confirmName.trim() !== organisation.name) return { ok: false, reason: "name" };
  if ((await envelopesInFlight(db, user.orgId)) > 0) return { ok: false, reason: "in_flight" };
  const account = await findUserById(db, user.id);
  if (!account) throw new DomainError("not_found", "No such user");
  await deleteOrganisationRows(db, user.orgId, new Date().toISOString());
  return { ok: true, token: await startSession(db, user.id, account.personalOrgId, client) };
}

export type SwitchOutcome = { ok: true; token: string } | { ok: false; reason: "two_factor_required" };

/**
 * Makes another of the user's organisations the active one, under a new session id.
 * An organisation that requires 2FA is entered only with 2FA on.
 */
export async function switchOrganisation(db: Db, user: SessionUser, orgId: string, client: ClientInfo): Promise<SwitchOutcome> {
  if (!(await findMembership(db, orgId, user.id))) throw new DomainError("not_found", "No such organisation");
  if ((await requireTwoFactorIn(db, orgId)) && !(await twoFactorEnabled(db, user.id))) return { ok: false, reason: "two_factor_required" };
  return { ok: true, token: await rotateSession(db, { id: user.id, orgId, sessionId: user.sessionId }, client) };
}

export async function updateTwoFactorRequirement(db: Db, user: SessionUser, on: boolean): Promise<void> {
  await requirePermission(db, user, "settings.manage");
  await setRequireTwoFactor(db, user.orgId, on, new Date().toISOString());
}
