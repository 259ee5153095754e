/**
 * The hash-chained evidence log. Each event records the SHA-256 of the previous
 * event's canonical form, so a gap or an edit anywhere breaks every later link.
 */
import { sha256TextHex } from "./encoding";
import type { EventDraft } from "./envelope";

export type ChainedEvent = EventDraft & { envelopeId: string; seq: number; prevHash: string; hash: string };

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every level: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function hashEvent(event: Omit<ChainedEvent, "hash">): string {
  return sha256TextHex(canonicalJson(event));
}

export function chain(envelopeId: string, drafts: EventDraft[], head: { seq: number; hash: string }): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  let prev = head;
  for (const draft of drafts) {
    const unhashed = { ...draft, envelopeId, seq: prev.seq + 1, prevHash: prev.hash };
    const chained = { ...unhashed, hash: hashEvent(unhashed) };
    out.push(chained);
    prev = { seq: chained.seq, hash: chained.hash };
  }
  return out;
}

/** Returns the sequence number of the first event whose link is broken, or null when the chain holds. */
export function verifyChain(events: ChainedEvent[]): number | null {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of events) {
    const { hash, ...unhashed } = e;
    if (e.seq !== expectedSeq || e.prevHash !== prevHash || hashEvent(unhashed) !== hash) return e.seq;
    prevHash = hash;
    expectedSeq += 1;
  }
  return null;
}
