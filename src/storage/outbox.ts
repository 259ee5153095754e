/** The development outbox, the delivery records that make sending idempotent, and delivery failures. */
import { and, asc, desc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { deliveries, deliveryFailures, devOutbox } from "./schema";

export type OutboxMessage = typeof devOutbox.$inferSelect;
export type DeliveryRecord = typeof deliveries.$inferSelect;
export type DeliveryFailure = typeof deliveryFailures.$inferSelect;

export async function insertOutboxMessage(db: Db, m: typeof devOutbox.$inferInsert): Promise<void> {
  await db.insert(devOutbox).values(m).onConflictDoNothing();
}

export async function listOutbox(db: Db, limit = 200): Promise<OutboxMessage[]> {
  return db.select().from(devOutbox).orderBy(desc(devOutbox.createdAt), desc(devOutbox.id)).limit(limit);
}

export async function outboxMessage(db: Db, id: string): Promise<OutboxMessage | null> {
  return (await db.select().from(devOutbox).where(eq(devOutbox.id, id)).limit(1))[0] ?? null;
}

export async function wasDelivered(db: Db, messageId: string): Promise<boolean> {
  return (await db.select({ id: deliveries.messageId }).from(deliveries).where(eq(deliveries.messageId, messageId)).limit(1)).length > 0;
}

export async function recordDelivery(db: Db, d: typeof deliveries.$inferInsert): Promise<void> {
  await db.insert(deliveries).values(d).onConflictDoNothing();
}

/** Records that a message could not be delivered; the first record of a message id stays. */
export async function recordDeliveryFailure(db: Db, f: typeof deliveryFailures.$inferInsert): Promise<void> {
  await db.insert(deliveryFailures).values(f).onConflictDoNothing();
}

/** What went out for one envelope, and what could not, oldest first. Scoped by organisation as well as envelope. */
export async function envelopeDeliveries(db: Db, orgId: string, envelopeId: string): Promise<{ delivered: DeliveryRecord[]; failed: DeliveryFailure[] }> {
  const [delivered, failed] = await db.batch([
    db.select().from(deliveries).where(and(eq(deliveries.orgId, orgId), eq(deliveries.envelopeId, envelopeId))).orderBy(asc(deliveries.deliveredAt)).limit(500),
    db.select().from(deliveryFailures).where(and(eq(deliveryFailures.orgId, orgId), eq(deliveryFailures.envelopeId, envelopeId))).orderBy(asc(deliveryFailures.failedAt)).limit(500),
  ]);
  return { delivered, failed };
}
