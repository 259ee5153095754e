/**
 * Appending to and reading the account audit log.
 *
 * Concurrency: D1 offers no interactive transactions, so an append is optimistic. It
 * reads the organisation's head, hashes the new entry against it in the Worker, and
 * inserts with one statement that succeeds only while that head is still the newest
 * (UNIQUE (org_id, seq) backs this up). The loser of a race re-reads and retries, so
 * the chain never forks and never skips. A Durable Object per organisation would
 * serialise appends too, but costs a hop on every login and download for contention
 * that is rare (one organisation's people acting in the same milliseconds).
 *
 * An append never fails the action it records (the action has already happened); if it
 * cannot be written after the retries, the failure is logged for operators.
 */
import { newId } from "../domain/encoding";
import {
  ANONYMOUS_ACTOR,
  chainAuditEntry,
  GENESIS_HASH,
  firstBrokenLink,
  NO_ORG,
  SYSTEM_ACTOR,
  safeDetails,
  type AuditAction,
  type AuditActor,
  type AuditDetails,
  type AuditEntry,
  type AuditTarget,
  type ChainVerification,
} from "../domain/audit";
import { can } from "../domain/permissions";
import { findApiKey, membershipRole } from "../storage/api-keys";
import { findUserById } from "../storage/accounts";
import { appendIfHead, chainAfter, chainHead, listAuditEntries, type AuditFilter } from "../storage/audit";
import { database, type Db } from "../storage/db";
import type { ClientInfo } from "../domain/client-info";
import type { SessionUser } from "./accounts";

export type { AuditAction, AuditFilter };

/** A signed-in user (or API key); a user known only by id (their email is looked up); or an explicit actor. */
type Who = { user: Pick<SessionUser, "id" | "email" | "orgId" | "sessionId"> } | { userId: string; orgId: string } | { orgId: string; actor: AuditActor };

export type AuditInput = Who & {
  action: AuditAction;
  target?: AuditTarget | null;
  client?: ClientInfo | null;
  details?: AuditDetails;
};

const MAX_ATTEMPTS = 40;

/** Appends one entry to its organisation's chain; returns it, or null when it could not be written. */
export async function audit(dbOrEnv: Db | { DB: D1Database }, input: AuditInput): Promise<AuditEntry | null> {
  const db = "DB" in dbOrEnv ? database(dbOrEnv.DB) : dbOrEnv;
  try {
    const { orgId, actor } =
      "user" in input
        ? { orgId: input.user.orgId, actor: await actorOf(db, input.user) }
        : "userId" in input
          ? { orgId: input.orgId, actor: { type: "user" as const, id: input.userId, label: (await findUserById(db, input.userId))?.email ?? input.userId } }
          : input;
    const draft = {
      id: newId("aud"),
      orgId,
      at: new Date().toISOString(),
      actor,
      action: input.action,
      target: input.target ?? null,
      ip: input.client?.ip ?? null,
      userAgent: input.client?.userAgent?.slice(0, 300) ?? null,
      details: safeDetails(input.details),
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const entry = chainAuditEntry(draft, await chainHead(db, orgId));
      if (await appendIfHead(db, entry)) return entry;
      // Lost a race: step aside for a random moment so the winners drain.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 5 * attempt)));
    }
    throw new Error("too much contention");
  } catch (error) {
    console.error(JSON.stringify({ msg: "audit append failed", action: input.action, error: String(error) }));
    return null;
  }
}

/**
 * A failed password: in the account's own organisation when the address has one, else in
 * the chain of no organisation (NO_ORG), so both cost one write and timing tells nothing.
 */
export function failedLogin(account: { id: string; personalOrgId: string } | null | undefined, client: ClientInfo): AuditInput {
  return { orgId: account?.personalOrgId ?? NO_ORG, actor: ANONYMOUS_ACTOR, action: "auth.login.failed", target: account ? { type: "user", id: account.id } : null, client };
}

/** A login that produced a session (after the second factor when 2FA is on). */
export function loginSucceeded(userId: string, orgId: string, client: ClientInfo, details?: AuditDetails): AuditInput {
  return { userId, orgId, action: "auth.login.succeeded", target: { type: "user", id: userId }, client, details };
}

/** Retention began deleting an envelope: by its sender ("Delete now") or by the daily sweep. */
export function deletionStarted(input: { orgId: string; envelopeId: string; senderId: string | null; reason: string }): AuditInput {
  const common = { action: "envelope.deleted" as const, target: { type: "envelope", id: input.envelopeId }, details: { reason: input.reason } };
  return input.senderId ? { userId: input.senderId, orgId: input.orgId, ...common } : { orgId: input.orgId, actor: SYSTEM_ACTOR, ...common };
}

/** A signed-in person, or the API key they act through (its session id is `api:<key id>`). */
async function actorOf(db: Db, user: Pick<SessionUser, "id" | "email" | "orgId" | "sessionId">): Promise<AuditActor> {
  if (!user.sessionId.startsWith("api:")) return { type: "user", id: user.id, label: user.email };
  const keyId = user.sessionId.slice(4);
  const key = await findApiKey(db, user.orgId, keyId);
  return { type: "apikey", id: keyId, label: key?.prefix ?? keyId };
}

/** Who may read an organisation's audit log, by page, API or export: the permission matrix decides. */
export async function canReadAuditLog(db: Db, user: Pick<SessionUser, "id" | "orgId">): Promise<boolean> {
  return can(await membershipRole(db, user.orgId, user.id), "auditlog.read");
}

export type AuditPage = { entries: AuditEntry[]; nextCursor: number | null };

/** Newest first; `nextCursor` is the seq to pass as `beforeSeq` for the next page. */
export async function auditPage(db: Db, orgId: string, filter: AuditFilter, page: { beforeSeq?: number; limit: number }): Promise<AuditPage> {
  const rows = await listAuditEntries(db, orgId, filter, { beforeSeq: page.beforeSeq, limit: page.limit + 1 });
  const entries = rows.slice(0, page.limit);
  return { entries, nextCursor: rows.length > page.limit ? entries[entries.length - 1]!.seq : null };
}

/** Every matching entry, newest first, a bounded page at a time: for streamed exports. */
export async function* allAuditEntries(db: Db, orgId: string, filter: AuditFilter): AsyncGenerator<AuditEntry> {
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await auditPage(db, orgId, filter, { beforeSeq, limit: 500 });
    yield* page.entries;
    if (page.nextCursor === null) return;
    beforeSeq = page.nextCursor;
  }
}

/**
 * Walks the organisation's whole chain from its first entry and reports the first broken
 * link: an edited entry, a removed one (a gap in seq) or one linked to the wrong parent.
 */
export async function verifyAuditChain(db: Db, orgId: string): Promise<ChainVerification> {
  let head = { seq: 0, hash: GENESIS_HASH };
  for (;;) {
    const links = await chainAfter(db, orgId, head.seq, 1000);
    if (links.length === 0) return { ok: true, head: head.seq };
    const broken = firstBrokenLink(links, head);
    if (broken) return { ok: false, verifiedUpTo: broken.seq - 1, broken };
    const last = links[links.length - 1]!;
    head = { seq: last.seq, hash: last.hash };
  }
}
