/**
 * The D1 reads behind the envelope lists (src/services/envelope-list.ts for the
 * dashboard, src/services/envelope-pages.ts for the API): scoped to what one member
 * may see, searched, counted per status and cut into pages.
 */
import { and, type AnyColumn, desc, eq, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db";
import { envelopes, recipients } from "./schema";

/** The envelopes a member sees in lists: the whole organisation's (ownerId null), or one owner's. */
export type EnvelopeScope = { orgId: string; ownerId: string | null };

function inScope(scope: EnvelopeScope): SQL {
  if (scope.ownerId === null) return eq(envelopes.orgId, scope.orgId);
  return and(eq(envelopes.orgId, scope.orgId), eq(envelopes.ownerId, scope.ownerId))!;
}

/** Whether the envelope is in the scope: one indexed row, no state. */
export async function envelopeVisibleIn(db: Db, scope: EnvelopeScope, envelopeId: string): Promise<boolean> {
  const rows = await db.select({ id: envelopes.id }).from(envelopes).where(and(eq(envelopes.id, envelopeId), inScope(scope))).limit(1);
  return rows.length > 0;
}

/** Enough for any name; keeps the SQL within D1's expression depth and bound-parameter limits. */
const MAX_FOLDED_LETTERS = 8;

/**
 * The non-ASCII letters of a (lower-case) search term that have a capital form: "øystein
 * bø" → [["Ø", "ø"]]. D1's SQLite has no ICU, so its lower() (and LIKE) fold ASCII only;
 * these few are folded explicitly, so "øystein" finds "Øystein".
 */
function capitalsIn(needle: string): [string, string][] {
  const pairs = new Map<string, string>();
  for (const ch of needle) {
    const capital = ch.toUpperCase();
    if (ch.charCodeAt(0) > 127 && capital !== ch && [...capital].length === 1) pairs.set(capital, ch);
  }
  return [...pairs].slice(0, MAX_FOLDED_LETTERS);
}

/** The column in lower case: lower() for ASCII, then replace() for each of the given capitals. */
function folded(column: AnyColumn, capitals: [string, string][]): SQL {
  let expr = sql`lower(${column})`;
  for (const [capital, small] of capitals) expr = sql`replace(${expr}, ${capital}, ${small})`;
  return expr;
}

/**
 * The title, or any recipient's name or email, contains the term (case-insensitive).
 * instr() rather than LIKE: D1 refuses LIKE and GLOB patterns over 50 bytes ("pattern too
 * complex"), and instr() has no wildcards, so % and _ are matched as typed, no escaping.
 */
function matchesSearch(term: string): SQL {
  const needle = term.toLowerCase();
  const capitals = capitalsIn(needle);
  return sql`(instr(${folded(envelopes.title, capitals)}, ${needle}) > 0 OR EXISTS (SELECT 1 FROM ${recipients} WHERE ${recipients.envelopeId} = ${envelopes.id} AND ${recipients.orgId} = ${envelopes.orgId} AND (instr(${folded(recipients.name, capitals)}, ${needle}) > 0 OR instr(${folded(recipients.email, capitals)}, ${needle}) > 0)))`;
}

/** What the dashboard asks for: a scope, a search ("" for none), a status ("all" for any) and a page. */
export type EnvelopeListSelection = { scope: EnvelopeScope; search: string; status: string; page: number; pageSize: number };

export type EnvelopeListRow = {
  id: string;
  title: string;
  status: string;
  finalisation: string;
  createdAt: string;
  endedAt: string | null;
  signers: number;
  signed: number;
};

function conditionsOf(selection: EnvelopeListSelection): { matching: SQL; filtered: SQL } {
  const own = inScope(selection.scope);
  const matching = selection.search ? and(own, matchesSearch(selection.search))! : own;
  const filtered = selection.status === "all" ? matching : and(matching, eq(envelopes.status, selection.status))!;
  return { matching, filtered };
}

/**
 * The envelopes matching the search counted per status, and the asked-for page, in one
 * D1 round trip: most requests ask for a page that exists, so it is fetched with the counts.
 */
export async function envelopeCountsAndPage(db: Db, selection: EnvelopeListSelection): Promise<{ counts: { status: string; count: number }[]; rows: EnvelopeListRow[] }> {
  const { matching, filtered } = conditionsOf(selection);
  const countsQuery = db
    .select({ status: envelopes.status, count: sql<number>`count(*)` })
    .from(envelopes)
    .where(matching)
    .groupBy(envelopes.status);
  const [counts, rows] = await db.batch([countsQuery, pageQuery(db, selection, filtered)]);
  return { counts, rows };
}

/** One page of the selection, for when the page asked for was past the end. */
export async function envelopeListPage(db: Db, selection: EnvelopeListSelection): Promise<EnvelopeListRow[]> {
  return pageQuery(db, selection, conditionsOf(selection).filtered);
}

/**
 * One page of envelopes with their signers counted. The page is cut first (a subquery)
 * so the recipients are counted for these rows only, not for every match.
 */
function pageQuery(db: Db, selection: EnvelopeListSelection, where: SQL) {
  const cut = db
    .select({ id: envelopes.id, title: envelopes.title, status: envelopes.status, finalisation: envelopes.finalisation, createdAt: envelopes.createdAt, endedAt: envelopes.endedAt })
    .from(envelopes)
    .where(where)
    .orderBy(desc(envelopes.createdAt), desc(envelopes.id))
    .limit(selection.pageSize)
    .offset((selection.page - 1) * selection.pageSize)
    .as("page");
  return db
    .select({
      id: cut.id,
      title: cut.title,
      status: cut.status,
      finalisation: cut.finalisation,
      createdAt: cut.createdAt,
      endedAt: cut.endedAt,
      signers: sql<number>`count(${recipients.id})`.mapWith(Number),
      signed: sql<number>`coalesce(sum(${recipients.status} = 'signed'), 0)`.mapWith(Number),
    })
    .from(cut)
    .leftJoin(recipients, and(eq(recipients.envelopeId, cut.id), eq(recipients.orgId, selection.scope.orgId), eq(recipients.role, "signer")))
    .groupBy(cut.id)
    .orderBy(desc(cut.createdAt), desc(cut.id));
}

export type EnvelopeKeysetRow = typeof envelopes.$inferSelect;

/**
 * The API's keyset page: newest first, strictly after the (createdAt, id) cursor when
 * given, one row more than the limit so the caller knows whether another page follows.
 */
export async function envelopesAfterCursor(
  db: Db,
  input: { scope: EnvelopeScope; status?: string | undefined; after?: { createdAt: string; id: string } | undefined; limit: number },
): Promise<EnvelopeKeysetRow[]> {
  const conditions: SQL[] = [inScope(input.scope)];
  if (input.status) conditions.push(eq(envelopes.status, input.status));
  if (input.after) {
    const { createdAt, id } = input.after;
    conditions.push(or(lt(envelopes.createdAt, createdAt), and(eq(envelopes.createdAt, createdAt), lt(envelopes.id, id)))!);
  }
  return db
    .select()
    .from(envelopes)
    .where(and(...conditions))
    .orderBy(desc(envelopes.createdAt), desc(envelopes.id))
    .limit(input.limit + 1);
}

/** Role and status of every recipient of these envelopes (of one organisation). */
export async function recipientStatusesOf(db: Db, orgId: string, envelopeIds: string[]): Promise<{ envelopeId: string; role: string; status: string }[]> {
  if (envelopeIds.length === 0) return [];
  return db
    .select({ envelopeId: recipients.envelopeId, role: recipients.role, status: recipients.status })
    .from(recipients)
    .where(and(eq(recipients.orgId, orgId), inArray(recipients.envelopeId, envelopeIds)));
}
