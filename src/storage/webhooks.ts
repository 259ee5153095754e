/** Webhook endpoints and their delivery log in D1. Every query is scoped by organisation. */
import { and, count, desc, eq, gt, isNotNull, ne, or } from "drizzle-orm";
import type { Db } from "./db";
import { webhookAttempts, webhookEndpoints } from "./schema";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;

export async function insertWebhookEndpoint(db: Db, row: WebhookEndpointRow): Promise<void> {
  await db.insert(webhookEndpoints).values(row);
}

export async function listWebhookEndpoints(db: Db, orgId: string): Promise<WebhookEndpointRow[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.orgId, orgId)).orderBy(desc(webhookEndpoints.createdAt));
}

/** Another organisation's endpoint is simply not found. */
export async function findWebhookEndpoint(db: Db, orgId: string, id: string): Promise<WebhookEndpointRow | null> {
  const rows = await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id))).limit(1);
  return rows[0] ?? null;
}

export async function replaceWebhookSecret(
  db: Db,
  orgId: string,
  id: string,
  secrets: Pick<WebhookEndpointRow, "kekId" | "wrappedKey" | "secretCiphertext" | "previousKekId" | "previousWrappedKey" | "previousSecretCiphertext" | "previousExpiresAt" | "rotatedAt">,
): Promise<void> {
  await db.update(webhookEndpoints).set(secrets).where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id)));
}

/** Forgets the old secret once its overlap is over. */
export async function dropPreviousWebhookSecret(db: Db, orgId: string, id: string): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ previousKekId: null, previousWrappedKey: null, previousSecretCiphertext: null, previousExpiresAt: null })
    .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id)));
}

/** The endpoint and its log go together, in one atomic batch. */
export async function deleteWebhookEndpoint(db: Db, orgId: string, id: string): Promise<void> {
  await db.batch([
    db.delete(webhookAttempts).where(and(eq(webhookAttempts.orgId, orgId), eq(webhookAttempts.endpointId, id))),
    db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id))),
  ]);
}

export async function insertWebhookAttempt(db: Db, row: WebhookAttemptRow): Promise<void> {
  await db.insert(webhookAttempts).values(row);
}

/** Whether a delivery has an attempt with this outcome ("succeeded": never send it again). */
export async function hasWebhookOutcome(db: Db, deliveryId: string, outcome: WebhookAttemptRow["outcome"]): Promise<boolean> {
  const rows = await db
    .select({ id: webhookAttempts.id })
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.deliveryId, deliveryId), eq(webhookAttempts.outcome, outcome)))
    .limit(1);
  return rows.length > 0;
}

export async function webhookAttemptCount(db: Db, deliveryId: string): Promise<number> {
  const rows = await db.select({ n: count() }).from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId));
  return rows[0]?.n ?? 0;
}

/** The newest attempts first, for the endpoint's page. */
export async function listWebhookAttempts(db: Db, orgId: string, endpointId: string, limit = 50): Promise<WebhookAttemptRow[]> {
  return db
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.orgId, orgId), eq(webhookAttempts.endpointId, endpointId)))
    .orderBy(desc(webhookAttempts.at), desc(webhookAttempts.attempt))
    .limit(limit);
}

/** Endpoints with a secret (current or previous) still wrapped by another KEK than `currentKekId`, in id order after `after`. */
export async function staleWebhookKeys(db: Db, currentKekId: string, after: string, limit: number): Promise<WebhookEndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(gt(webhookEndpoints.id, after), or(ne(webhookEndpoints.kekId, currentKekId), and(isNotNull(webhookEndpoints.previousKekId), ne(webhookEndpoints.previousKekId, currentKekId)))))
    .orderBy(webhookEndpoints.id)
    .limit(limit);
}

/** Swaps wrapped keys only if the row still holds what was read (a rotation in between wins). */
export async function replaceWebhookWrappedKeys(
  db: Db,
  from: WebhookEndpointRow,
  to: Pick<WebhookEndpointRow, "kekId" | "wrappedKey" | "previousKekId" | "previousWrappedKey">,
): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set(to)
    .where(and(eq(webhookEndpoints.id, from.id), eq(webhookEndpoints.wrappedKey, from.wrappedKey)));
}

/** How many webhook secrets are still wrapped by an older KEK (current or overlapping previous secret). */
export async function countStaleWebhookKeys(db: Db, currentKekId: string): Promise<number> {
  const row = (
    await db
      .select({ n: count() })
      .from(webhookEndpoints)
      .where(or(ne(webhookEndpoints.kekId, currentKekId), and(isNotNull(webhookEndpoints.previousKekId), ne(webhookEndpoints.previousKekId, currentKekId))))
  )[0];
  return row?.n ?? 0;
}
