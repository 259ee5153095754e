/** D1 access for deleting an account: the facts its plan needs, and the erasure itself. */
import { and, count, eq, inArray, isNull, ne } from "drizzle-orm";
import { deletedAccountEmail, type MembershipFact, type OwnedEnvelopeFact } from "../domain/account-deletion";
import type { Db } from "./db";
import { accountTokens, apiKeys, envelopes, loginChallenges, memberships, organisations, sessions, twoFactor, twoFactorRecoveryCodes, users } from "./schema";

/** Every organisation the user belongs to, with how many other people belong to it. */
export async function membershipFacts(db: Db, userId: string): Promise<MembershipFact[]> {
  const mine = await db
    .select({ orgId: organisations.id, name: organisations.name, personal: organisations.personal, role: memberships.role })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(eq(memberships.userId, userId));
  if (mine.length === 0) return [];
  const sizes = await db
    .select({ orgId: memberships.orgId, n: count() })
    .from(memberships)
    .where(and(inArray(memberships.orgId, mine.map((m) => m.orgId)), ne(memberships.userId, userId)))
    .groupBy(memberships.orgId);
  const others = new Map(sizes.map((s) => [s.orgId, s.n]));
  return mine.map((m) => ({ ...m, otherMembers: others.get(m.orgId) ?? 0 }));
}

/** The envelopes the user sent, anywhere, that retention has not deleted yet. */
export async function ownedEnvelopeFacts(db: Db, userId: string): Promise<OwnedEnvelopeFact[]> {
  return db
    .select({ id: envelopes.id, orgId: envelopes.orgId, status: envelopes.status, endedAt: envelopes.endedAt })
    .from(envelopes)
    .where(and(eq(envelopes.ownerId, userId), ne(envelopes.status, "purged")));
}

/**
 * Empties the user row of personal data and removes every way in, together or not at
 * all: sessions and the user's API keys end, memberships, pending links, the 2FA secret
 * and recovery codes go. The row itself stays (envelopes and audit entries point at it),
 * with an address nobody can receive mail at or log in with.
 */
export async function eraseAccount(db: Db, userId: string, at: string): Promise<void> {
  await db.batch([
    db.update(sessions).set({ revokedAt: at }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt))),
    db.delete(memberships).where(eq(memberships.userId, userId)),
    db.delete(accountTokens).where(eq(accountTokens.userId, userId)),
    db.delete(loginChallenges).where(eq(loginChallenges.userId, userId)),
    db.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, userId)),
    db.delete(twoFactor).where(eq(twoFactor.userId, userId)),
    db
      .update(users)
      .set({ email: deletedAccountEmail(userId), name: "", passwordHash: "deleted", emailVerifiedAt: null, deletedAt: at })
      .where(eq(users.id, userId)),
  ]);
}
