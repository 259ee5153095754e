import { describe, expect, it } from "vitest";
import type { EventDraft } from "../../../src/domain/envelope";
import { canonicalJson, chain, GENESIS_HASH, verifyChain } from "../../../src/domain/event-chain";

const draft = (type: EventDraft["type"], minute: number): EventDraft => ({
  type,
  at: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
  actor: { kind: "system" },
  recipientId: null,
  ip: null,
  userAgent: null,
  data: { n: minute },
});

describe("event chain", () => {
  const events = chain("env_1", [draft("envelope_created", 1), draft("envelope_sent", 2), draft("recipient_signed", 3)], { seq: 0, hash: GENESIS_HASH });

  it("links each event to the hash of the one before", () => {
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(verifyChain(events)).toBeNull();
  });

  it("reports the first event that was edited", () => {
    const edited = events.map((e) => ({ ...e }));
    edited[1] = { ...edited[1]!, data: { n: 99 } };
    expect(verifyChain(edited)).toBe(2);
  });

  it("reports a removed event", () => {
    expect(verifyChain([events[0]!, events[2]!])).toBe(3);
  });

  it("hashes the same content the same way whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }));
  });
});
