/** Server-side OIDC `state` records for Nordic eID: written at start, consumed once at the callback. */
import { eq, lt } from "drizzle-orm";
import type { Db } from "./db";
import { eidStates } from "./schema-eid";

export type EidStateRow = typeof eidStates.$inferSelect;

/** Saves a new state record and drops expired ones, in one atomic batch. */
export async function saveEidState(db: Db, row: EidStateRow, now: string): Promise<void> {
  await db.batch([db.delete(eidStates).where(lt(eidStates.expiresAt, now)), db.insert(eidStates).values(row)]);
}

/**
 * Takes the record for this state hash, deleting it in the same statement: of two
 * callbacks with the same state, only one gets the row (single use).
 */
export async function consumeEidState(db: Db, id: string): Promise<EidStateRow | null> {
  const rows = await db.delete(eidStates).where(eq(eidStates.id, id)).returning();
  return rows[0] ?? null;
}
