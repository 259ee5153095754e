/**
 * Mirrors the Envelope Durable Object's state into D1 for listing and search.
 * The projection only moves forward (by version), so it may lag but never shows a
 * state the object did not have.
 */
import { and, eq, gt, notInArray, sql } from "drizzle-orm";
import type { EnvelopeState } from "../domain/envelope";
import type { ChainedEvent } from "../domain/event-chain";
import type { Db } from "./db";
import { envelopes, events, recipients, signingLinks } from "./schema";

export async function mirrorEnvelope(db: Db, state: EnvelopeState, newEvents: ChainedEvent[]): Promise<void> {
  const head = newEvents.at(-1)?.hash;
  const row = {
    id: state.id,
    orgId: state.orgId,
    ownerId: state.ownerId,
    documentId: state.document.id,
    title: state.title,
    status: state.status,
    signingOrder: state.signingOrder,
    createdAt: state.createdAt,
    sentAt: state.sentAt,
    expiresAt: state.expiresAt,
    endedAt: state.endedAt,
    signedDocumentId: state.signedDocument?.documentId ?? null,
    version: state.version,
    ...(head ? { eventHead: head } : {}),
  };
  const { id: _id, ...updatable } = row;
  const statements = [
    db
      .insert(envelopes)
      .values(row)
      .onConflictDoUpdate({ target: envelopes.id, set: updatable, setWhere: gt(sql`excluded.version`, envelopes.version) }),
    ...state.recipients.map((r) => {
      const values = {
        id: r.id,
        orgId: state.orgId,
        envelopeId: state.id,
        name: r.name,
        email: r.email,
        role: r.role,
        method: r.method,
        signingOrder: r.order,
        locale: r.locale,
        status: r.status,
        signedAt: r.signedAt,
        declinedAt: r.declinedAt,
      };
      const { id: _rid, ...set } = values;
      return db.insert(recipients).values(values).onConflictDoUpdate({ target: recipients.id, set });
    }),
    state.recipients.length > 0
      ? db.delete(recipients).where(and(eq(recipients.envelopeId, state.id), notInArray(recipients.id, state.recipients.map((r) => r.id))))
      : db.delete(recipients).where(eq(recipients.envelopeId, state.id)),
    ...state.recipients.flatMap((r) =>
      r.linkHashes.map((hash) =>
        db.insert(signingLinks).values({ tokenHash: hash, orgId: state.orgId, envelopeId: state.id, recipientId: r.id }).onConflictDoNothing(),
      ),
    ),
    ...newEvents.map((e) =>
      db
        .insert(events)
        .values({
          envelopeId: e.envelopeId,
          seq: e.seq,
          orgId: state.orgId,
          type: e.type,
          at: e.at,
          recipientId: e.recipientId,
          body: JSON.stringify(e),
          hash: e.hash,
        })
        .onConflictDoNothing(),
    ),
  ] as const;
  await db.batch(statements as unknown as Parameters<Db["batch"]>[0]);
}
