/**
 * The D1 reads behind "download all my data" (src/services/data-export.ts): everything
 * about one user, in bounded pages. Secrets never leave this file: password and key
 * hashes, session ids and the 2FA secret are not selected at all.
 *
 * The user's envelopes and audit entries can sit in organisations they have since left,
 * and no index starts with the owner or actor. So each is found in two steps: one scan
 * for the organisations involved, then pages through the (org, ...) indexes.
 */
import { and, asc, count, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { AuditEntry } from "../domain/audit";
import { entryOf } from "./audit";
import type { Db } from "./db";
import { apiKeys, auditLog, envelopePurges, envelopes, events, memberships, organisations, recipients, sessions, twoFactor, twoFactorRecoveryCodes, users } from "./schema";

export async function exportProfile(db: Db, userId: string) {
  const row = (
    await db
      .select({ id: users.id, name: users.name, email: users.email, locale: users.locale, createdAt: users.createdAt, emailVerifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1)
  )[0];
  return row ?? null;
}

/** On or off, since when, and how many recovery codes are unused; never the secret or the codes. */
export async function exportTwoFactor(db: Db, userId: string): Promise<{ enabled: boolean; since: string | null; recoveryCodesLeft: number }> {
  const row = (await db.select({ enabledAt: twoFactor.enabledAt }).from(twoFactor).where(eq(twoFactor.userId, userId)).limit(1))[0];
  const left = (await db.select({ n: count() }).from(twoFactorRecoveryCodes).where(and(eq(twoFactorRecoveryCodes.userId, userId), isNull(twoFactorRecoveryCodes.usedAt))))[0]?.n ?? 0;
  const enabled = Boolean(row?.enabledAt);
  return { enabled, since: row?.enabledAt ?? null, recoveryCodesLeft: enabled ? left : 0 };
}

/** Every session, newest first; the id (a hash of the cookie) is left out. */
export async function exportSessions(db: Db, userId: string) {
  return db
    .select({
      organisationId: sessions.orgId,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(sql`${sessions.createdAt} DESC`)
    .limit(1000);
}

export async function exportMemberships(db: Db, userId: string) {
  return db
    .select({ organisationId: organisations.id, name: organisations.name, personal: organisations.personal, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(organisations.id));
}

/** API keys the user created, in any organisation; never the key's hash. */
export async function exportApiKeys(db: Db, userId: string) {
  return db
    .select({
      id: apiKeys.id,
      organisationId: apiKeys.orgId,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.createdBy, userId))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

// ---- audit log ----

/** Entries the user made (as a signed-in user) or that are about them (e.g. failed logins on their account). */
const aboutUser = (userId: string) =>
  or(and(eq(auditLog.actorType, "user"), eq(auditLog.actorId, userId)), and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, userId)));

export async function auditOrgsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ orgId: auditLog.orgId }).from(auditLog).where(aboutUser(userId)).orderBy(asc(auditLog.orgId));
  return rows.map((r) => r.orgId);
}

/** One organisation's entries about the user, in chain order, `limit` after `afterSeq`. */
export async function auditPage(db: Db, input: { userId: string; orgId: string; afterSeq: number; limit: number }): Promise<AuditEntry[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.orgId, input.orgId), gt(auditLog.seq, input.afterSeq), aboutUser(input.userId)))
    .orderBy(asc(auditLog.seq))
    .limit(input.limit);
  return rows.map(entryOf);
}

// ---- envelopes ----

export type ExportEnvelopeRow = typeof envelopes.$inferSelect;

export async function countOwnedEnvelopes(db: Db, userId: string): Promise<number> {
  return (await db.select({ n: count() }).from(envelopes).where(eq(envelopes.ownerId, userId)))[0]?.n ?? 0;
}

export async function envelopeOrgsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ orgId: envelopes.orgId }).from(envelopes).where(eq(envelopes.ownerId, userId)).orderBy(asc(envelopes.orgId));
  return rows.map((r) => r.orgId);
}

/** The user's envelopes in one organisation, oldest first, `limit` after the (createdAt, id) cursor; purged ones too. */
export async function ownedEnvelopePage(
  db: Db,
  input: { userId: string; orgId: string; after: { createdAt: string; id: string } | null; limit: number },
): Promise<ExportEnvelopeRow[]> {
  const { after } = input;
  return db
    .select()
    .from(envelopes)
    .where(
      and(
        eq(envelopes.orgId, input.orgId),
        eq(envelopes.ownerId, input.userId),
        after ? or(gt(envelopes.createdAt, after.createdAt), and(eq(envelopes.createdAt, after.createdAt), gt(envelopes.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(envelopes.createdAt), asc(envelopes.id))
    .limit(input.limit);
}

export async function envelopeRecipients(db: Db, orgId: string, envelopeId: string) {
  return db
    .select({
      id: recipients.id,
      name: recipients.name,
      email: recipients.email,
      phone: recipients.phone,
      role: recipients.role,
      method: recipients.method,
      signingOrder: recipients.signingOrder,
      locale: recipients.locale,
      status: recipients.status,
      signedAt: recipients.signedAt,
      declinedAt: recipients.declinedAt,
      lastInvitedAt: recipients.lastInvitedAt,
    })
    .from(recipients)
    .where(and(eq(recipients.orgId, orgId), eq(recipients.envelopeId, envelopeId)))
    .orderBy(asc(recipients.signingOrder), asc(recipients.id));
}

/** The D1 copy of the envelope's event chain, in order. */
export async function envelopeEvents(db: Db, orgId: string, envelopeId: string) {
  return db
    .select({ seq: events.seq, type: events.type, at: events.at, recipientId: events.recipientId, body: events.body, hash: events.hash })
    .from(events)
    .where(and(eq(events.orgId, orgId), eq(events.envelopeId, envelopeId)))
    .orderBy(asc(events.seq));
}

export async function envelopePurge(db: Db, orgId: string, envelopeId: string) {
  const row = (
    await db
      .select({ reason: envelopePurges.reason, outcome: envelopePurges.outcome, startedAt: envelopePurges.startedAt, finishedAt: envelopePurges.finishedAt })
      .from(envelopePurges)
      .where(and(eq(envelopePurges.orgId, orgId), eq(envelopePurges.envelopeId, envelopeId)))
      .limit(1)
  )[0];
  return row ?? null;
}
