/** D1 access for organisations, memberships, invitations and organisation settings. */
import { and, asc, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Role } from "../domain/permissions";
import type { Db } from "./db";
import { apiKeys, envelopes, memberships, orgInvitations, orgSettings, organisations, sessions, users, webhookAttempts, webhookEndpoints } from "./schema";

export type InvitationRow = typeof orgInvitations.$inferSelect;

export async function insertOrganisation(db: Db, o: { id: string; name: string; ownerId: string; at: string }): Promise<void> {
  await db.batch([
    db.insert(organisations).values({ id: o.id, name: o.name, personal: false, createdAt: o.at }),
    db.insert(memberships).values({ orgId: o.id, userId: o.ownerId, role: "owner", createdAt: o.at }),
  ]);
}

export async function findOrganisation(db: Db, orgId: string) {
  return (await db.select().from(organisations).where(eq(organisations.id, orgId)).limit(1))[0] ?? null;
}

export async function findMembership(db: Db, orgId: string, userId: string): Promise<Role | null> {
  const row = (await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).limit(1))[0];
  return row?.role ?? null;
}

/** Every organisation the user belongs to, the personal one first. */
export async function organisationsOf(db: Db, userId: string) {
  return db
    .select({ id: organisations.id, name: organisations.name, personal: organisations.personal, role: memberships.role })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(organisations.personal), asc(organisations.name))
    .limit(200);
}

export async function membersOf(db: Db, orgId: string) {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.name), asc(users.email))
    .limit(1000);
}

export async function updateRole(db: Db, orgId: string, userId: string, role: Role): Promise<void> {
  await db.update(memberships).set({ role }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
}

/**
 * Removes a member: their membership, their sessions in this organisation and their
 * API keys for it, in one batch, so nothing they held keeps working.
 */
export async function deleteMembership(db: Db, orgId: string, userId: string, at: string): Promise<void> {
  await db.batch([
    db.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))),
    db.update(sessions).set({ revokedAt: at }).where(and(eq(sessions.orgId, orgId), eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt))),
  ]);
}

/** Ends a member's sessions in one organisation (after someone else raised their role). */
export async function revokeMemberSessions(db: Db, orgId: string, userId: string, at: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: at }).where(and(eq(sessions.orgId, orgId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** The owner becomes an admin and the member the owner, together or not at all. */
export async function swapOwner(db: Db, orgId: string, fromUserId: string, toUserId: string): Promise<void> {
  await db.batch([
    db.update(memberships).set({ role: "admin" }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, fromUserId))),
    db.update(memberships).set({ role: "owner" }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, toUserId))),
  ]);
}

/** Envelopes that are still being prepared or signed: an organisation holding any is not deleted. */
export async function envelopesInFlight(db: Db, orgId: string): Promise<number> {
  const rows = await db.select({ id: envelopes.id }).from(envelopes).where(and(eq(envelopes.orgId, orgId), inArray(envelopes.status, ["draft", "sent"]))).limit(1);
  return rows.length;
}

/**
 * Deletes the organisation's access: memberships, invitations, settings, API keys,
 * sessions and webhook endpoints (nobody is left to receive or answer for their
 * deliveries). A personal workspace keeps its row. Ended envelopes keep their rows (and org id) until the retention sweep
 * deletes them on its usual schedule, so signers' copies are not cut short.
 */
export async function deleteOrganisationRows(db: Db, orgId: string, at: string): Promise<void> {
  await db.batch([
    db.update(sessions).set({ revokedAt: at }).where(and(eq(sessions.orgId, orgId), isNull(sessions.revokedAt))),
    db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt))),
    db.delete(orgInvitations).where(eq(orgInvitations.orgId, orgId)),
    db.delete(orgSettings).where(eq(orgSettings.orgId, orgId)),
    db.delete(webhookAttempts).where(eq(webhookAttempts.orgId, orgId)),
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.orgId, orgId)),
    db.delete(memberships).where(eq(memberships.orgId, orgId)),
    db.delete(organisations).where(and(eq(organisations.id, orgId), eq(organisations.personal, false))),
  ]);
}

// ---------------------------------------------------------------------------
// invitations

export async function insertInvitation(db: Db, i: Omit<InvitationRow, "acceptedAt" | "revokedAt">): Promise<void> {
  await db.insert(orgInvitations).values(i);
}

export async function findInvitation(db: Db, id: string): Promise<InvitationRow | null> {
  return (await db.select().from(orgInvitations).where(eq(orgInvitations.id, id)).limit(1))[0] ?? null;
}

export async function pendingInvitations(db: Db, orgId: string, now: string): Promise<InvitationRow[]> {
  return db
    .select()
    .from(orgInvitations)
    .where(and(eq(orgInvitations.orgId, orgId), isNull(orgInvitations.acceptedAt), isNull(orgInvitations.revokedAt), gt(orgInvitations.expiresAt, now)))
    .orderBy(asc(orgInvitations.createdAt))
    .limit(500);
}

/**
 * Uses an invitation once: the conditional update lets exactly one of two concurrent
 * acceptances win, then the membership is written (an existing one is left as it is).
 */
export async function acceptInvitationRow(db: Db, id: string, userId: string, now: string): Promise<InvitationRow | null> {
  const used = await db
    .update(orgInvitations)
    .set({ acceptedAt: now })
    .where(and(eq(orgInvitations.id, id), isNull(orgInvitations.acceptedAt), isNull(orgInvitations.revokedAt), gt(orgInvitations.expiresAt, now)))
    .returning();
  const invitation = used[0];
  if (!invitation) return null;
  await db.insert(memberships).values({ orgId: invitation.orgId, userId, role: invitation.role, createdAt: now }).onConflictDoNothing();
  return invitation;
}

export async function revokeInvitationRow(db: Db, orgId: string, id: string, at: string): Promise<boolean> {
  const rows = await db
    .update(orgInvitations)
    .set({ revokedAt: at })
    .where(and(eq(orgInvitations.orgId, orgId), eq(orgInvitations.id, id), isNull(orgInvitations.acceptedAt), isNull(orgInvitations.revokedAt)))
    .returning({ id: orgInvitations.id });
  return rows.length > 0;
}

// ---------------------------------------------------------------------------
// settings

export async function requireTwoFactorIn(db: Db, orgId: string): Promise<boolean> {
  const row = (await db.select({ on: orgSettings.requireTwoFactor }).from(orgSettings).where(eq(orgSettings.orgId, orgId)).limit(1))[0];
  return row?.on ?? false;
}

/** Whether any organisation this user belongs to requires 2FA of its members. */
export async function anyOrganisationRequiresTwoFactor(db: Db, userId: string): Promise<boolean> {
  const rows = await db
    .select({ orgId: orgSettings.orgId })
    .from(orgSettings)
    .innerJoin(memberships, eq(memberships.orgId, orgSettings.orgId))
    .where(and(eq(memberships.userId, userId), eq(orgSettings.requireTwoFactor, true)))
    .limit(1);
  return rows.length > 0;
}

export async function setRequireTwoFactor(db: Db, orgId: string, on: boolean, at: string): Promise<void> {
  await db.insert(orgSettings).values({ orgId, requireTwoFactor: on, updatedAt: at }).onConflictDoUpdate({ target: orgSettings.orgId, set: { requireTwoFactor: on, updatedAt: at } });
}

