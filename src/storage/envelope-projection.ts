/**
 * Mirrors the Envelope Durable Object's state into D1 for listing and search.
 * The projection only moves forward (by version), so it may lag but never shows a
 * state the object did not have.
 */
import { and, eq, gt, inArray, notInArray, sql } from "drizzle-orm";
import { nextFinalisationRetryAt, type EnvelopeState } from "../domain/envelope";
import type { ChainedEvent } from "../domain/event-chain";
import type { Db } from "./db";
import { documents, envelopes, events, recipients, signingLinks } from "./schema";

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
    timeZone: state.timeZone,
    reminderEveryDays: state.reminderEveryDays,
    createdAt: state.createdAt,
    sentAt: state.sentAt,
    expiresAt: state.expiresAt,
    endedAt: state.endedAt,
    signedDocumentId: state.signedDocument?.documentId ?? null,
    finalisation: state.finalisation,
    finalisationFailureReason: state.finalisation === "failed" ? (state.finalisationFailure?.reason ?? null) : null,
    finalisationRetryAt: nextFinalisationRetryAt(state),
    version: state.version,
    ...(head ? { eventHead: head } : {}),
  };
  const { id: _id, ...updatable } = row;
  // The envelope row is written first in the batch; every later write about its
  // recipients and links applies only while that row holds exactly this version,
  // so an older state arriving late changes nothing.
  const current = sql`(SELECT version FROM envelopes WHERE id = ${state.id}) = ${state.version}`;
  const recipientIds = state.recipients.map((r) => r.id);
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
        phone: r.phone,
        role: r.role,
        method: r.method,
        signingOrder: r.order,
        locale: r.locale,
        status: r.status,
        signedAt: r.signedAt,
        declinedAt: r.declinedAt,
        lastInvitedAt: r.lastInvitedAt,
      };
      const { id: _rid, ...set } = values;
      return db.insert(recipients).values(values).onConflictDoUpdate({ target: recipients.id, set, setWhere: current });
    }),
    recipientIds.length > 0
      ? db.delete(recipients).where(and(eq(recipients.envelopeId, state.id), notInArray(recipients.id, recipientIds), current))
      : db.delete(recipients).where(and(eq(recipients.envelopeId, state.id), current)),
    // Links the object no longer holds (a corrected address, or the oldest of many) are gone here too.
    ...state.recipients.map((r) =>
      r.linkHashes.length > 0
        ? db.delete(signingLinks).where(and(eq(signingLinks.envelopeId, state.id), eq(signingLinks.recipientId, r.id), notInArray(signingLinks.tokenHash, r.linkHashes), current))
        : db.delete(signingLinks).where(and(eq(signingLinks.envelopeId, state.id), eq(signingLinks.recipientId, r.id), current)),
    ),
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

/** Who owns an envelope of this organisation, and its document; null for any other id. */
export async function envelopeOwnership(db: Db, orgId: string, envelopeId: string): Promise<{ id: string; documentId: string; ownerId: string } | null> {
  const rows = await db
    .select({ id: envelopes.id, documentId: envelopes.documentId, ownerId: envelopes.ownerId })
    .from(envelopes)
    .where(and(eq(envelopes.id, envelopeId), eq(envelopes.orgId, orgId)))
    .limit(1);
  return rows[0] ?? null;
}

/** The envelope (of this organisation) built around a document, if any. */
export async function envelopeUsingDocument(db: Db, orgId: string, documentId: string): Promise<string | null> {
  const row = (
    await db
      .select({ id: envelopes.id })
      .from(envelopes)
      .where(and(eq(envelopes.orgId, orgId), eq(envelopes.documentId, documentId)))
      .limit(1)
  )[0];
  return row?.id ?? null;
}

/** Removes a deleted draft's rows, its documents' rows included, all at once. */
export async function deleteEnvelopeRows(db: Db, input: { orgId: string; envelopeId: string; documentIds: string[] }): Promise<void> {
  const { orgId, envelopeId } = input;
  await db.batch([
    db.delete(signingLinks).where(and(eq(signingLinks.orgId, orgId), eq(signingLinks.envelopeId, envelopeId))),
    db.delete(events).where(and(eq(events.orgId, orgId), eq(events.envelopeId, envelopeId))),
    db.delete(recipients).where(and(eq(recipients.orgId, orgId), eq(recipients.envelopeId, envelopeId))),
    db.delete(envelopes).where(and(eq(envelopes.orgId, orgId), eq(envelopes.id, envelopeId))),
    ...(input.documentIds.length > 0 ? [db.delete(documents).where(and(eq(documents.orgId, orgId), inArray(documents.id, input.documentIds)))] : []),
  ]);
}
