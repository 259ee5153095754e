import { eq } from "drizzle-orm";
import type { Db } from "./db";
import { recipients, signingLinks } from "./schema";

/** Which envelope a recipient belongs to (from the projection; the object then decides). */
export async function envelopeIdOfRecipient(db: Db, recipientId: string): Promise<string | null> {
  const row = (await db.select({ envelopeId: recipients.envelopeId }).from(recipients).where(eq(recipients.id, recipientId)).limit(1))[0];
  return row?.envelopeId ?? null;
}

/** The recipient holding a signing-link token hash, if any. */
export async function recipientByTokenHash(db: Db, tokenHash: string): Promise<{ id: string; envelopeId: string } | null> {
  const row = (await db.select({ id: signingLinks.recipientId, envelopeId: signingLinks.envelopeId }).from(signingLinks).where(eq(signingLinks.tokenHash, tokenHash)).limit(1))[0];
  return row ?? null;
}
