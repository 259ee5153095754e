import { describe, expect, it } from "vitest";
import * as m from "../../../src/domain/envelope";
import { DomainError } from "../../../src/domain/errors";
import {
  DEFAULT_RETENTION,
  deletionDate,
  dueCutoffs,
  isDue,
  purgeBatchSize,
  retentionPolicy,
  unreadableFromBackupsAt,
} from "../../../src/domain/retention";

const DAY = 86_400_000;
const endedAt = "2026-03-01T10:00:00.000Z";
const policy = { completedDays: 90, endedDays: 30 };
const after = (days: number, ms = 0) => new Date(Date.parse(endedAt) + days * DAY + ms);

describe("retention policy", () => {
  it("keeps a signed document 90 days after completion: due at the instant, not a millisecond before", () => {
    expect(deletionDate("completed", endedAt, policy)).toBe("2026-05-30T10:00:00.000Z");
    expect(isDue("completed", endedAt, policy, after(89))).toBe(false);
    expect(isDue("completed", endedAt, policy, after(90, -1))).toBe(false);
    expect(isDue("completed", endedAt, policy, after(90))).toBe(true);
  });

  it("deletes declined, cancelled and expired envelopes 30 days after they end", () => {
    for (const status of ["declined", "cancelled", "expired"]) {
      expect(isDue(status, endedAt, policy, after(29))).toBe(false);
      expect(isDue(status, endedAt, policy, after(30))).toBe(true);
    }
  });

  it("never deletes what has not ended, or what is already deleted", () => {
    for (const status of ["draft", "sent", "purged"]) {
      expect(deletionDate(status, endedAt, policy)).toBeNull();
      expect(isDue(status, endedAt, policy, after(1000))).toBe(false);
    }
    expect(isDue("completed", null, policy, after(1000))).toBe(false);
  });

  it("gives the query the same rule as isDue", () => {
    const now = after(45);
    const { completedBefore, endedBefore } = dueCutoffs(policy, now);
    expect(endedAt <= endedBefore).toBe(isDue("cancelled", endedAt, policy, now));
    expect(endedAt <= completedBefore).toBe(isDue("completed", endedAt, policy, now));
  });

  it("reads both periods from the deployment's variables and falls back on nonsense", () => {
    expect(retentionPolicy({ RETENTION_DAYS: "120", RETENTION_ENDED_DAYS: "14" })).toEqual({ completedDays: 120, endedDays: 14 });
    expect(retentionPolicy({})).toEqual(DEFAULT_RETENTION);
    expect(retentionPolicy({ RETENTION_DAYS: "0", RETENTION_ENDED_DAYS: "-3" })).toEqual(DEFAULT_RETENTION);
    expect(retentionPolicy({ RETENTION_DAYS: "ninety", RETENTION_ENDED_DAYS: "1e3" })).toEqual(DEFAULT_RETENTION);
    expect(purgeBatchSize(undefined)).toBe(50);
    expect(purgeBatchSize("7")).toBe(7);
    expect(purgeBatchSize("99999")).toBe(500);
  });

  it("promises unreadability from backups 30 days after deletion, never sooner", () => {
    expect(unreadableFromBackupsAt("2026-06-01T00:00:00.000Z")).toBe("2026-07-01T00:00:00.000Z");
  });
});

describe("the purge transition", () => {
  const base = m.createEnvelope(
    {
      id: "env_1",
      orgId: "org_1",
      ownerId: "usr_1",
      sender: { name: "Sender", email: "sender@example.com", locale: "en" },
      title: "Loan",
      message: "",
      document: { id: "doc_1", sha256: "ab".repeat(32), pages: 2, size: 1000, filename: "loan.pdf" },
      signingOrder: "parallel",
      timeZone: "Europe/Oslo",
      createdAt: endedAt,
    },
    { kind: "sender", userId: "usr_1" },
  ).state;
  const system: m.Actor = { kind: "system" };

  it("moves an ended envelope to purged with an event that names its outcome and why", () => {
    for (const status of ["completed", "declined", "cancelled", "expired"] as const) {
      const t = m.purge({ ...base, status, endedAt }, { actor: system, at: after(31).toISOString(), reason: "retention" });
      expect(t.state.status).toBe("purged");
      expect(t.events).toHaveLength(1);
      expect(t.events[0]).toMatchObject({ type: "envelope_purged", data: { outcome: status, purgedBy: "retention" } });
    }
  });

  it("refuses a draft or an envelope out for signing", () => {
    for (const status of ["draft", "sent"] as const) {
      expect(() => m.purge({ ...base, status }, { actor: system, at: endedAt, reason: "sender" })).toThrow(DomainError);
      try {
        m.purge({ ...base, status }, { actor: system, at: endedAt, reason: "sender" });
      } catch (error) {
        expect((error as DomainError).details).toMatchObject({ reason: "not_ended" });
      }
    }
  });

  it("is harmless twice", () => {
    const once = m.purge({ ...base, status: "expired", endedAt }, { actor: system, at: endedAt, reason: "retention" }).state;
    const twice = m.purge(once, { actor: system, at: endedAt, reason: "retention" });
    expect(twice.events).toHaveLength(0);
    expect(twice.state).toBe(once);
  });
});
