/**
 * The sender's dashboard: envelopes from the D1 projection, scoped to the sender, with
 * a status filter, a search over titles and recipients, counts per status and pages.
 * One round trip in the usual case: the counts and the page (with its signer counts)
 * go to D1 in one batch.
 */
import { can } from "../domain/permissions";
import { and, type AnyColumn, desc, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { DAY_MS } from "../domain/limits";
import type { Db } from "../storage/db";
import { envelopes, recipients } from "../storage/schema";
import type { SessionUser } from "./accounts";

export const PAGE_SIZE = 20;
/** Longer searches are cut, not refused: nobody types more, and the pattern stays small. */
const MAX_SEARCH_CHARS = 100;
const MAX_PAGE = 1_000_000;

/** The filters offered, in the order shown; "sent" is everything still out for signing. */
export const listFilters = ["all", "draft", "sent", "completed", "declined", "cancelled", "expired"] as const;
export type ListFilter = (typeof listFilters)[number];

/**
 * The list's query string. Anything invalid falls back to the default (all, no search,
 * page 1) instead of failing: these values come from links and the address bar.
 */
export const listQuerySchema = z.object({
  status: z.enum(listFilters).catch("all"),
  q: z
    .string()
    .catch("")
    .transform((s) => [...s.normalize("NFC").replace(/\s+/g, " ").trim()].slice(0, MAX_SEARCH_CHARS).join("")),
  page: z.coerce
    .number()
    .catch(1)
    .transform((n) => (Number.isFinite(n) ? Math.min(Math.max(1, Math.trunc(n)), MAX_PAGE) : 1)),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export type EnvelopeListItem = {
  id: string;
  title: string;
  status: string;
  createdAt: string;
  signers: number;
  signed: number;
  /** Everyone signed and the signed PDF is being made: still `sent` until it is stored. */
  finalising: boolean;
  /** The signed PDF could not be made (`finalisation_failed`); the envelope stays `sent`. */
  finalisationFailed: boolean;
  /** When the signed PDF will be deleted (completed envelopes only). */
  retentionUntil: string | null;
};

export type EnvelopeList = {
  query: ListQuery;
  /** The page actually shown: a page past the end shows the last one. */
  page: number;
  pageCount: number;
  /** Envelopes matching the filter and search (what the pages go through). */
  total: number;
  /** Envelopes matching the search, per filter ("all" included). */
  counts: Record<ListFilter, number>;
  items: EnvelopeListItem[];
};

/** When a completed envelope's signed PDF is deleted: `retentionDays` after it ended. */
export function retentionEndsAt(endedAt: string, retentionDays: number): string {
  return new Date(Date.parse(endedAt) + retentionDays * DAY_MS).toISOString();
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

/** The envelopes a member sees in lists: their own, or the whole organisation's for managers and up. */
export function envelopeScope(user: Pick<SessionUser, "id" | "orgId" | "role">): SQL {
  if (can(user.role, "envelope.read_all")) return eq(envelopes.orgId, user.orgId);
  return and(eq(envelopes.orgId, user.orgId), eq(envelopes.ownerId, user.id))!;
}

export async function listEnvelopes(
  db: Db,
  user: SessionUser,
  query: ListQuery,
  opts: { retentionDays: number },
): Promise<EnvelopeList> {
  const own = envelopeScope(user);
  const matching = query.q ? and(own, matchesSearch(query.q))! : own;
  const filtered = query.status === "all" ? matching : and(matching, eq(envelopes.status, query.status))!;

  const countsQuery = db
    .select({ status: envelopes.status, count: sql<number>`count(*)` })
    .from(envelopes)
    .where(matching)
    .groupBy(envelopes.status);
  // Optimistic: most requests ask for a page that exists, so the page is fetched with the counts.
  const [countRows, firstTry] = await db.batch([countsQuery, pageQuery(db, user, filtered, query.page)]);

  const counts = Object.fromEntries(listFilters.map((f) => [f, 0])) as Record<ListFilter, number>;
  for (const row of countRows) {
    counts.all += row.count;
    if ((listFilters as readonly string[]).includes(row.status)) counts[row.status as ListFilter] += row.count;
  }
  const total = counts[query.status];
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(query.page, pageCount);
  const rows = page === query.page ? firstTry : await pageQuery(db, user, filtered, page);

  return {
    query,
    page,
    pageCount,
    total,
    counts,
    items: rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      createdAt: r.createdAt,
      signers: r.signers,
      signed: r.signed,
      finalising: r.status === "sent" && r.signers > 0 && r.signed === r.signers && r.finalisation !== "failed",
      finalisationFailed: r.status === "sent" && r.finalisation === "failed",
      retentionUntil: r.status === "completed" && r.endedAt ? retentionEndsAt(r.endedAt, opts.retentionDays) : null,
    })),
  };
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

/**
 * One page of envelopes with their signers counted. The page is cut first (a subquery)
 * so the recipients are counted for these rows only, not for every match.
 */
function pageQuery(db: Db, user: SessionUser, where: SQL, page: number) {
  const cut = db
    .select({ id: envelopes.id, title: envelopes.title, status: envelopes.status, finalisation: envelopes.finalisation, createdAt: envelopes.createdAt, endedAt: envelopes.endedAt })
    .from(envelopes)
    .where(where)
    .orderBy(desc(envelopes.createdAt), desc(envelopes.id))
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE)
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
    .leftJoin(recipients, and(eq(recipients.envelopeId, cut.id), eq(recipients.orgId, user.orgId), eq(recipients.role, "signer")))
    .groupBy(cut.id)
    .orderBy(desc(cut.createdAt), desc(cut.id));
}
