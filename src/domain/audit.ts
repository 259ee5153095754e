/**
 * The account audit log: who in an organisation did what, when, from where. Each
 * organisation's entries form one hash chain (the same canonical JSON and SHA-256 as the
 * envelope evidence in event-chain.ts), so an edit, a gap or a removed entry anywhere
 * shows as the first broken link. Pure: no bindings.
 */
import { z } from "zod";
import { sha256TextHex } from "./encoding";
import { canonicalJson, GENESIS_HASH } from "./event-chain";

export { GENESIS_HASH };

/** Every action the log records. Dotted: area, object, verb. */
export const auditActions = [
  "account.created",
  "auth.login.succeeded",
  "auth.login.failed",
  "auth.logout",
  "auth.2fa.enabled",
  "auth.2fa.disabled",
  "auth.2fa.recovery_codes_regenerated",
  "auth.2fa.failed",
  "auth.2fa.locked",
  "account.password.changed",
  "account.password.reset",
  "account.email.change_requested",
  "account.email.changed",
  "session.revoked",
  "apikey.created",
  "apikey.revoked",
  "document.uploaded",
  "envelope.created",
  "envelope.sent",
  "envelope.cancelled",
  "envelope.deleted",
  "envelope.downloaded",
  "data.exported",
  "account.deleted",
  "member.invited",
  "member.role_changed",
] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * Who acted. `label` is what people recognise, kept as it was at the time: the user's
 * email, or an API key's visible prefix. "anonymous" is an unauthenticated request
 * (a failed login); "system" is Pactly itself (retention, cron).
 */
export type AuditActor =
  | { type: "user"; id: string; label: string }
  | { type: "apikey"; id: string; label: string }
  | { type: "system"; id: null; label: null }
  | { type: "anonymous"; id: null; label: null };

export const SYSTEM_ACTOR: AuditActor = { type: "system", id: null, label: null };
export const ANONYMOUS_ACTOR: AuditActor = { type: "anonymous", id: null, label: null };

export type AuditTarget = { type: string; id: string };

/** Small, flat facts about the action. Never secrets, passwords, codes or tokens. */
export type AuditDetails = Record<string, string | number | boolean | null>;

/**
 * Failed logins for addresses that have no account belong to no organisation: they go
 * into this chain, which no user can read (operators can). Every failed login therefore
 * costs one write, so timing does not tell whether an address has an account.
 */
export const NO_ORG = "none";

/** Everything the hash covers: the entry as stored, except its own hash. */
export type UnhashedAuditEntry = {
  id: string;
  orgId: string;
  seq: number;
  at: string;
  actor: AuditActor;
  action: AuditAction;
  target: AuditTarget | null;
  ip: string | null;
  userAgent: string | null;
  details: AuditDetails;
  prevHash: string;
};
export type AuditEntry = UnhashedAuditEntry & { hash: string };

export function hashAuditEntry(entry: UnhashedAuditEntry): string {
  return sha256TextHex(canonicalJson(entry));
}

/** The next link after `head` (null for an organisation's first entry). */
export function chainAuditEntry(draft: Omit<UnhashedAuditEntry, "seq" | "prevHash">, head: { seq: number; hash: string } | null): AuditEntry {
  const unhashed: UnhashedAuditEntry = { ...draft, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...unhashed, hash: hashAuditEntry(unhashed) };
}

export type ChainBreak = { seq: number; reason: "seq_gap" | "prev_hash_mismatch" | "hash_mismatch" };

/** The whole chain checked: its head when intact, else how far it held and the first broken link. */
export type ChainVerification = { ok: true; head: number } | { ok: false; verifiedUpTo: number; broken: ChainBreak };

/**
 * Walks a run of consecutive entries (ascending seq) that follows `head` and returns the
 * first broken link, or null. Feed it the chain in pages, carrying `head` along.
 */
export function firstBrokenLink(entries: AuditEntry[], head: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainBreak | null {
  let prev = head;
  for (const entry of entries) {
    const { hash, ...unhashed } = entry;
    if (entry.seq !== prev.seq + 1) return { seq: prev.seq + 1, reason: "seq_gap" };
    if (entry.prevHash !== prev.hash) return { seq: entry.seq, reason: "prev_hash_mismatch" };
    if (hashAuditEntry(unhashed) !== hash) return { seq: entry.seq, reason: "hash_mismatch" };
    prev = { seq: entry.seq, hash };
  }
  return null;
}

/** Keeps details small and free of anything that looks like a secret, whatever a caller passes. */
export function safeDetails(details: AuditDetails | undefined): AuditDetails {
  const out: AuditDetails = {};
  for (const [key, value] of Object.entries(details ?? {}).slice(0, 20)) {
    if (/pass|secret|token|code|key$/i.test(key)) continue;
    out[key.slice(0, 40)] = typeof value === "string" ? value.slice(0, 200) : value;
  }
  return out;
}

// ---------------------------------------------------------------------------
// filters, shared by the page, the exports and the API (messages are translation keys)

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A UTC day (YYYY-MM-DD, the whole day) or an ISO 8601 instant with an offset. */
const moment = (message: "audit.error.from" | "audit.error.to") =>
  z.preprocess(
    blankToUndefined,
    z
      .string({ error: message })
      .trim()
      .max(40, message)
      .refine((v) => (DAY.test(v) ? !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v) : z.iso.datetime({ offset: true }).safeParse(v).success), message)
      .optional(),
  );

export const auditFilterSchema = z
  .object({
    action: z.preprocess(blankToUndefined, z.string({ error: "audit.error.action" }).trim().max(80, "audit.error.action").regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, "audit.error.action").optional()),
    actor: z.preprocess(blankToUndefined, z.string({ error: "audit.error.actor" }).trim().max(254, "audit.error.actor").optional()),
    from: moment("audit.error.from"),
    to: moment("audit.error.to"),
  })
  .transform((v) => ({
    action: v.action,
    actor: v.actor,
    from: v.from === undefined ? undefined : DAY.test(v.from) ? `${v.from}T00:00:00.000Z` : new Date(v.from).toISOString(),
    // A day given as "to" includes that whole day.
    to: v.to === undefined ? undefined : DAY.test(v.to) ? new Date(Date.parse(`${v.to}T00:00:00Z`) + 86_400_000).toISOString() : new Date(v.to).toISOString(),
  }))
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from >= v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "audit.error.range" });
  });
export type AuditFilterInput = z.infer<typeof auditFilterSchema>;

// ---------------------------------------------------------------------------
// export

/** The columns of a CSV export, in order. */
export const csvColumns = ["seq", "at", "actor_type", "actor_id", "actor", "action", "target_type", "target_id", "ip", "user_agent", "details", "hash"] as const;

export function csvRow(entry: AuditEntry): string {
  return [
    String(entry.seq),
    entry.at,
    entry.actor.type,
    entry.actor.id ?? "",
    entry.actor.label ?? "",
    entry.action,
    entry.target?.type ?? "",
    entry.target?.id ?? "",
    entry.ip ?? "",
    entry.userAgent ?? "",
    Object.keys(entry.details).length > 0 ? canonicalJson(entry.details) : "",
    entry.hash,
  ]
    .map(csvCell)
    .join(",");
}

/**
 * One RFC 4180 cell. A cell a spreadsheet would run as a formula (starting with = + - @,
 * or a tab or carriage return before one) gets a leading apostrophe: a user agent or
 * email chosen by an attacker must not execute on an admin's machine.
 */
export function csvCell(value: string): string {
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}
