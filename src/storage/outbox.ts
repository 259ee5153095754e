/** The development outbox and the delivery records that make sending idempotent. */
import { desc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { deliveries, devOutbox } from "./schema";

export type OutboxMessage = typeof devOutbox.$inferSelect;

export async function insertOutboxMessage(db: Db, m: OutboxMessage): Promise<void> {
  await db.insert(devOutbox).values(m).onConflictDoNothing();
}

export async function listOutbox(db: Db, limit = 200): Promise<OutboxMessage[]> {
  return db.select().from(devOutbox).orderBy(desc(devOutbox.createdAt), desc(devOutbox.id)).limit(limit);
}

export async function wasDelivered(db: Db, messageId: string): Promise<boolean> {
  return (await db.select({ id: deliveries.messageId }).from(deliveries).where(eq(deliveries.messageId, messageId)).limit(1)).length > 0;
}

export async function recordDelivery(db: Db, d: typeof deliveries.$inferInsert): Promise<void> {
  await db.insert(deliveries).values(d).onConflictDoNothing();
}
