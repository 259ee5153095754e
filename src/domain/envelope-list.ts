/**
 * The sender's dashboard list as the page shows it: the filters offered, the query
 * string's schema, the page size and the view types. Pure, so the template and the
 * service share it.
 */
import { z } from "zod";
import { DAY_MS } from "./limits";

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
