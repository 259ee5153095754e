import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { keptEventDataFields } from "../domain/retention";
import type { Db } from "./db";
import { deliveries, deliveryFailures, devOutbox, documents, envelopePurges, envelopes, events, recipients, retentionCursor, signingLinks } from "./schema";

/** Envelopes still out for signing after their expiry time, in bounded batches. */
export async function overdueEnvelopeIds(db: Db, now: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: envelopes.id })
    .from(envelopes)
    .where(and(eq(envelopes.status, "sent"), lte(envelopes.expiresAt, now)))
    .limit(limit);
  return rows.map((r) => r.id);
}

// ---- retention (see src/services/retention.ts for the order of the steps) ----

/** What the retention steps need to know about an envelope; all of it survives anonymisation. */
export type PurgeTarget = { envelopeId: string; orgId: string; status: string; documentId: string; signedDocumentId: string | null };

const purgeTargetColumns = {
  envelopeId: envelopes.id,
  orgId: envelopes.orgId,
  status: envelopes.status,
  documentId: envelopes.documentId,
  signedDocumentId: envelopes.signedDocumentId,
};

/** Ended envelopes past their deletion date, oldest end first, in a bounded batch. */
export async function dueForPurge(db: Db, input: { completedBefore: string; endedBefore: string; limit: number }): Promise<PurgeTarget[]> {
  if (input.limit <= 0) return [];
  return db
    .select(purgeTargetColumns)
    .from(envelopes)
    .where(
      or(
        and(eq(envelopes.status, "completed"), lte(envelopes.endedAt, input.completedBefore)),
        and(inArray(envelopes.status, ["declined", "cancelled", "expired"]), lte(envelopes.endedAt, input.endedBefore)),
      ),
    )
    .orderBy(asc(envelopes.endedAt), asc(envelopes.id))
    .limit(input.limit);
}

/** Deletions a killed run left part-way, oldest first: the next run finishes these before starting new ones. */
export async function unfinishedPurges(db: Db, limit: number): Promise<PurgeTarget[]> {
  if (limit <= 0) return [];
  return db
    .select(purgeTargetColumns)
    .from(envelopePurges)
    .innerJoin(envelopes, and(eq(envelopes.id, envelopePurges.envelopeId), eq(envelopes.orgId, envelopePurges.orgId)))
    .where(isNull(envelopePurges.finishedAt))
    .orderBy(asc(envelopePurges.startedAt), asc(envelopePurges.envelopeId))
    .limit(limit);
}

export type PurgeRow = typeof envelopePurges.$inferSelect;

export async function findPurge(db: Db, orgId: string, envelopeId: string): Promise<PurgeRow | null> {
  return (await db.select().from(envelopePurges).where(and(eq(envelopePurges.envelopeId, envelopeId), eq(envelopePurges.orgId, orgId))).limit(1))[0] ?? null;
}

/** Records that a deletion has begun (once: a resumed run keeps the first record) and answers its progress. */
export async function startPurge(db: Db, input: { target: PurgeTarget; reason: PurgeRow["reason"]; at: string }): Promise<PurgeRow> {
  const { target } = input;
  await db
    .insert(envelopePurges)
    .values({ envelopeId: target.envelopeId, orgId: target.orgId, reason: input.reason, outcome: target.status, step: 0, startedAt: input.at })
    .onConflictDoNothing();
  return (await findPurge(db, target.orgId, target.envelopeId))!;
}

export async function setPurgeStep(db: Db, envelopeId: string, step: number): Promise<void> {
  await db.update(envelopePurges).set({ step }).where(and(eq(envelopePurges.envelopeId, envelopeId), lt(envelopePurges.step, step)));
}

/** Step 1, crypto-shredding: the wrapped data keys go, and with them every copy of the bytes. One atomic batch. */
export async function destroyDataKeys(db: Db, input: { orgId: string; envelopeId: string; documentIds: string[]; step: number }): Promise<void> {
  await db.batch([
    db.update(documents).set({ wrappedKey: null }).where(and(eq(documents.orgId, input.orgId), inArray(documents.id, input.documentIds))),
    db.update(envelopePurges).set({ step: input.step }).where(and(eq(envelopePurges.envelopeId, input.envelopeId), lt(envelopePurges.step, input.step))),
  ]);
}

/** The R2 keys recorded for these documents (the rows outlive the objects). */
export async function documentObjectKeys(db: Db, orgId: string, documentIds: string[]): Promise<string[]> {
  const rows = await db.select({ key: documents.r2Key }).from(documents).where(and(eq(documents.orgId, orgId), inArray(documents.id, documentIds)));
  return rows.map((r) => r.key);
}

/**
 * Step 4: removes what identifies people and keeps the minimal evidence: the envelope's id,
 * outcome and times, document hashes, sizes and page counts, each event's type, time and hash.
 * Names, addresses, phone numbers, the title, file names, IPs, devices, reasons and typed names go;
 * signing links and development mail go altogether. One atomic batch with the step.
 */
export async function anonymiseEnvelope(db: Db, input: { orgId: string; envelopeId: string; documentIds: string[]; step: number; finishedAt: string }): Promise<void> {
  const { orgId, envelopeId } = input;
  const envelopeRow = (await db.select({ title: envelopes.title }).from(envelopes).where(and(eq(envelopes.orgId, orgId), eq(envelopes.id, envelopeId))).limit(1))[0];
  const people = await db.select({ email: recipients.email, phone: recipients.phone }).from(recipients).where(and(eq(recipients.orgId, orgId), eq(recipients.envelopeId, envelopeId)));
  const addresses = [...new Set(people.flatMap((p) => [p.email, p.phone]).filter((a): a is string => typeof a === "string" && a.length > 0))];
  const title = envelopeRow?.title ?? "";
  // Keep only allow-listed data fields; json_patch onto {} drops the ones that are null (absent).
  const keptData = sql.raw(`json_patch('{}', json_object(${keptEventDataFields.map((f) => `'${f}', json_extract(body, '$.data.${f}')`).join(", ")}))`);
  const statements = [
    // The title may name people; the id stands in, so lists still show a link with text.
    db.update(envelopes).set({ title: envelopeId, status: "purged" }).where(and(eq(envelopes.orgId, orgId), eq(envelopes.id, envelopeId))),
    db.update(recipients).set({ name: "", email: "", phone: null }).where(and(eq(recipients.orgId, orgId), eq(recipients.envelopeId, envelopeId))),
    db
      .update(events)
      .set({
        body: sql`json_object('envelopeId', ${events.envelopeId}, 'seq', ${events.seq}, 'type', ${events.type}, 'at', ${events.at}, 'recipientId', ${events.recipientId}, 'actor', json_object('kind', json_extract(${events.body}, '$.actor.kind')), 'ip', NULL, 'userAgent', NULL, 'data', json(${keptData}), 'prevHash', json_extract(${events.body}, '$.prevHash'), 'hash', ${events.hash}, 'anonymised', json('true'))`,
      })
      .where(and(eq(events.orgId, orgId), eq(events.envelopeId, envelopeId))),
    db.delete(signingLinks).where(and(eq(signingLinks.orgId, orgId), eq(signingLinks.envelopeId, envelopeId))),
    db.update(documents).set({ filename: "", wrappedKey: null }).where(and(eq(documents.orgId, orgId), inArray(documents.id, input.documentIds))),
    db.update(deliveries).set({ toAddress: null }).where(and(eq(deliveries.orgId, orgId), eq(deliveries.envelopeId, envelopeId))),
    db.update(deliveryFailures).set({ toAddress: "" }).where(and(eq(deliveryFailures.orgId, orgId), eq(deliveryFailures.envelopeId, envelopeId))),
    // Development mail names no envelope: what went to its people about its title is its mail.
    ...(addresses.length > 0 && title.length > 0
      ? [db.delete(devOutbox).where(and(eq(devOutbox.orgId, orgId), inArray(devOutbox.to, addresses), sql`(instr(${devOutbox.subject}, ${title}) > 0 OR instr(${devOutbox.text}, ${title}) > 0)`))]
      : []),
    db
      .update(envelopePurges)
      .set({ step: input.step, finishedAt: input.finishedAt })
      .where(and(eq(envelopePurges.envelopeId, envelopeId), lt(envelopePurges.step, input.step))),
  ];
  await db.batch(statements as unknown as Parameters<Db["batch"]>[0]);
}

// ---- reconciliation: R2 objects without a document row ----

export async function readCursor(db: Db, name: string): Promise<string | null> {
  return (await db.select({ value: retentionCursor.value }).from(retentionCursor).where(eq(retentionCursor.name, name)).limit(1))[0]?.value ?? null;
}

export async function writeCursor(db: Db, name: string, value: string | null): Promise<void> {
  if (value === null) await db.delete(retentionCursor).where(eq(retentionCursor.name, name));
  else await db.insert(retentionCursor).values({ name, value }).onConflictDoUpdate({ target: retentionCursor.name, set: { value } });
}

/** Which of these (organisation, document) pairs have a row; chunked under D1's 100 bound parameters. */
export async function existingDocuments(db: Db, pairs: { orgId: string; documentId: string }[]): Promise<Set<string>> {
  const found = new Set<string>();
  const ids = [...new Set(pairs.map((p) => p.documentId))];
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db.select({ id: documents.id, orgId: documents.orgId }).from(documents).where(inArray(documents.id, ids.slice(i, i + 90)));
    for (const r of rows) found.add(`${r.orgId}/${r.id}`);
  }
  return found;
}

/** One envelope of this organisation as a deletion target, or null. */
export async function purgeTarget(db: Db, orgId: string, envelopeId: string): Promise<PurgeTarget | null> {
  return (await db.select(purgeTargetColumns).from(envelopes).where(and(eq(envelopes.orgId, orgId), eq(envelopes.id, envelopeId))).limit(1))[0] ?? null;
}
