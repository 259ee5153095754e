/**
 * The sender's dashboard: envelopes from the D1 projection, scoped to the sender, with
 * a status filter, a search over titles and recipients, counts per status and pages.
 * One round trip in the usual case: the counts and the page (with its signer counts)
 * go to D1 in one batch.
 */
import { can } from "../domain/permissions";
import { type EnvelopeList, type ListFilter, listFilters, type ListQuery, PAGE_SIZE, retentionEndsAt } from "../domain/envelope-list";
import type { Db } from "../storage/db";
import { envelopeCountsAndPage, envelopeListPage, type EnvelopeScope, envelopeVisibleIn } from "../storage/envelope-list";
import type { SessionUser } from "./accounts";

/** The envelopes a member sees in lists: their own, or the whole organisation's for managers and up. */
export function envelopeScope(user: Pick<SessionUser, "id" | "orgId" | "role">): EnvelopeScope {
  return { orgId: user.orgId, ownerId: can(user.role, "envelope.read_all") ? null : user.id };
}

/** Whether the member would see this envelope in their list (their own, or any for managers and up). */
export async function envelopeVisibleTo(db: Db, user: Pick<SessionUser, "id" | "orgId" | "role">, envelopeId: string): Promise<boolean> {
  return envelopeVisibleIn(db, envelopeScope(user), envelopeId);
}

export async function listEnvelopes(
  db: Db,
  user: SessionUser,
  query: ListQuery,
  opts: { retentionDays: number },
): Promise<EnvelopeList> {
  const selection = { scope: envelopeScope(user), search: query.q, status: query.status, page: query.page, pageSize: PAGE_SIZE };
  // Optimistic: most requests ask for a page that exists, so the page is fetched with the counts.
  const { counts: countRows, rows: firstTry } = await envelopeCountsAndPage(db, selection);

  const counts = Object.fromEntries(listFilters.map((f) => [f, 0])) as Record<ListFilter, number>;
  for (const row of countRows) {
    counts.all += row.count;
    if ((listFilters as readonly string[]).includes(row.status)) counts[row.status as ListFilter] += row.count;
  }
  const total = counts[query.status];
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(query.page, pageCount);
  const rows = page === query.page ? firstTry : await envelopeListPage(db, { ...selection, page });

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

