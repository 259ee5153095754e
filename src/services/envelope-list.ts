/** The sender's dashboard: envelopes from the D1 projection, scoped to the sender. */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../storage/db";
import { envelopes, recipients } from "../storage/schema";
import type { SessionUser } from "./accounts";

export type EnvelopeListItem = { id: string; title: string; status: string; createdAt: string; signers: number; signed: number; finalising: boolean };

export async function listEnvelopes(db: Db, user: SessionUser): Promise<EnvelopeListItem[]> {
  const rows = await db
    .select()
    .from(envelopes)
    .where(and(eq(envelopes.orgId, user.orgId), eq(envelopes.ownerId, user.id)))
    .orderBy(desc(envelopes.createdAt))
    .limit(100);
  if (rows.length === 0) return [];
  const people = await db
    .select({ envelopeId: recipients.envelopeId, role: recipients.role, status: recipients.status })
    .from(recipients)
    .where(and(eq(recipients.orgId, user.orgId), inArray(recipients.envelopeId, rows.map((r) => r.id))));
  return rows.map((r) => {
    const mine = people.filter((p) => p.envelopeId === r.id && p.role === "signer");
    const signed = mine.filter((p) => p.status === "signed").length;
    return {
      id: r.id,
      title: r.title,
      status: r.status,
      createdAt: r.createdAt,
      signers: mine.length,
      signed,
      finalising: r.status === "sent" && mine.length > 0 && signed === mine.length,
    };
  });
}
