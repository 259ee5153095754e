import { describe, expect, it } from "vitest";
import * as m from "../../../src/domain/envelope";
import {
  daysUntil,
  deletionWarningAt,
  expiryWarningAt,
  expiryWarningLeadDays,
  inDaytime,
  MAX_AUTOMATIC_REMINDERS,
  reminderDueAt,
} from "../../../src/domain/reminders";

const iso = (s: string) => new Date(s).toISOString();
const ms = (s: string) => Date.parse(s);
const oslo = (everyDays: number, expiresAt: string | null = "2026-12-31T22:59:59.999Z") => ({ everyDays, timeZone: "Europe/Oslo", expiresAt });

describe("when the next automatic reminder is due", () => {
  it("is N days after the last invitation when that is daytime in the envelope's zone", () => {
    // 15:00 in Oslo (UTC+1 in November).
    expect(reminderDueAt(oslo(2), { lastInvitedAt: iso("2026-11-02T14:00:00Z"), automaticReminders: 0 })).toBe(ms("2026-11-04T14:00:00Z"));
    expect(reminderDueAt(oslo(7), { lastInvitedAt: iso("2026-11-02T14:00:00Z"), automaticReminders: 0 })).toBe(ms("2026-11-09T14:00:00Z"));
  });

  it("moves a reminder that would arrive at night to 09:00 local time", () => {
    // 21:30 in Oslo: the next morning at 09:00 Oslo, 08:00 UTC.
    expect(reminderDueAt(oslo(2), { lastInvitedAt: iso("2026-11-02T20:30:00Z"), automaticReminders: 0 })).toBe(ms("2026-11-05T08:00:00Z"));
    // 06:00 in Oslo: the same morning at 09:00.
    expect(reminderDueAt(oslo(2), { lastInvitedAt: iso("2026-11-02T05:00:00Z"), automaticReminders: 0 })).toBe(ms("2026-11-04T08:00:00Z"));
  });

  it("follows the envelope's own time zone, across a change to winter time", () => {
    const newYork = { everyDays: 1, timeZone: "America/New_York", expiresAt: null };
    // 21:00 on 1 November in New York (UTC-5): 2 November 21:00 is night, so 3 November 09:00, 14:00 UTC.
    expect(reminderDueAt(newYork, { lastInvitedAt: iso("2026-11-02T02:00:00Z"), automaticReminders: 0 })).toBe(ms("2026-11-03T14:00:00Z"));
    // Oslo leaves summer time on 25 October: 09:00 on the 26th is 08:00 UTC, not 07:00.
    expect(reminderDueAt(oslo(2), { lastInvitedAt: iso("2026-10-23T20:00:00Z"), automaticReminders: 0 })).toBe(ms("2026-10-26T08:00:00Z"));
    expect(inDaytime(ms("2026-10-24T21:00:00Z"), "Europe/Oslo")).toBe(ms("2026-10-25T08:00:00Z"));
  });

  it("is never when the cadence is 0, the signer was never invited, or the cap is reached", () => {
    expect(reminderDueAt(oslo(0), { lastInvitedAt: iso("2026-11-02T14:00:00Z"), automaticReminders: 0 })).toBeNull();
    expect(reminderDueAt(oslo(2), { lastInvitedAt: null, automaticReminders: 0 })).toBeNull();
    expect(reminderDueAt(oslo(2), { lastInvitedAt: iso("2026-11-02T14:00:00Z"), automaticReminders: MAX_AUTOMATIC_REMINDERS })).toBeNull();
    expect(reminderDueAt(oslo(2), { lastInvitedAt: iso("2026-11-02T14:00:00Z"), automaticReminders: MAX_AUTOMATIC_REMINDERS - 1 })).not.toBeNull();
  });

  it("is never at or after the expiry", () => {
    const last = { lastInvitedAt: iso("2026-11-02T14:00:00Z"), automaticReminders: 0 };
    expect(reminderDueAt(oslo(2, "2026-11-04T14:00:00.000Z"), last)).toBeNull();
    expect(reminderDueAt(oslo(2, "2026-11-04T14:00:00.001Z"), last)).toBe(ms("2026-11-04T14:00:00Z"));
    // Moved to the morning, past an expiry at midnight: none.
    expect(reminderDueAt(oslo(2, "2026-11-04T22:59:59.999Z"), { lastInvitedAt: iso("2026-11-02T20:30:00Z"), automaticReminders: 0 })).toBeNull();
  });
});

describe("when signers are warned before the expiry", () => {
  it("two days before, at 09:00 local, for an envelope out for 5 days or more", () => {
    const input = { sentAt: iso("2026-11-01T10:00:00Z"), expiresAt: "2026-11-30T22:59:59.999Z", timeZone: "Europe/Oslo" };
    expect(expiryWarningLeadDays(input.sentAt, input.expiresAt)).toBe(2);
    expect(expiryWarningAt(input)).toBe(ms("2026-11-28T08:00:00Z"));
  });

  it("one day before for an envelope out for less than 5 days, and never for one out for less than a day", () => {
    const short = { sentAt: iso("2026-11-01T10:00:00Z"), expiresAt: "2026-11-04T22:59:59.999Z", timeZone: "Europe/Oslo" };
    expect(expiryWarningLeadDays(short.sentAt, short.expiresAt)).toBe(1);
    expect(expiryWarningAt(short)).toBe(ms("2026-11-03T08:00:00Z"));
    expect(expiryWarningAt({ ...short, sentAt: iso("2026-11-04T10:00:00Z") })).toBeNull();
    expect(expiryWarningAt({ ...short, sentAt: null })).toBeNull();
  });
});

describe("the deletion warning", () => {
  it("is seven days before the deletion, and counts days left rounded up", () => {
    expect(deletionWarningAt("2027-02-20T10:00:00.000Z")).toBe("2027-02-13T10:00:00.000Z");
    expect(daysUntil("2027-02-13T10:00:00.000Z", "2027-02-20T10:00:00.000Z")).toBe(7);
    expect(daysUntil("2027-02-13T22:00:00.000Z", "2027-02-20T10:00:00.000Z")).toBe(7);
    expect(daysUntil("2027-02-21T10:00:00.000Z", "2027-02-20T10:00:00.000Z")).toBe(0);
  });
});

// ---- the state machine's transitions ----

const sender: m.Actor = { kind: "sender", userId: "usr_1" };
const ctx = { ip: null, userAgent: null };
const SENT = "2026-11-02T14:00:00.000Z";
const EXPIRES = "2026-11-30T22:59:59.999Z";

/** Sent to signers with their invitations issued, as the Envelope object does. */
function sent(opts: { order?: m.SigningOrder; signers?: number; everyDays?: number } = {}): m.EnvelopeState {
  let state = m.createEnvelope(
    {
      id: "env_r",
      orgId: "org_1",
      ownerId: "usr_1",
      sender: { name: "Sara Sender", email: "sender@example.com", locale: "en" },
      title: "Lease",
      message: "",
      document: { id: "doc_1", sha256: "ab".repeat(32), pages: 1, size: 10, filename: "lease.pdf" },
      signingOrder: opts.order ?? "parallel",
      timeZone: "Europe/Oslo",
      reminderEveryDays: opts.everyDays ?? 2,
      createdAt: SENT,
    },
    sender,
  ).state;
  for (let i = 1; i <= (opts.signers ?? 2); i++) {
    state = m.addRecipient(state, { id: `rcp_${i}`, name: `Signer ${i}`, email: `s${i}@example.com`, role: "signer", method: "email_link", locale: "en" }, sender, SENT).state;
  }
  return resolve(m.send(state, { actor: sender, at: SENT, expiresAt: EXPIRES, context: ctx }), SENT);
}

/** Issues the links the intents ask for (the object's job), so lastInvitedAt moves. */
function resolve(t: m.Transition, at: string): m.EnvelopeState {
  let state = t.state;
  for (const i of t.intents) {
    if (i.kind === "invite") state = m.issueLink(state, i.recipientId, `h-${i.recipientId}-${at}`, at, { reminder: i.reminder === true }).state;
    if (i.kind === "expiry_warning") state = m.issueLink(state, i.recipientId, `w-${i.recipientId}-${at}`, at, { expiryWarning: true }).state;
  }
  return state;
}

describe("automatic reminders in the state machine", () => {
  it("reminds each unsigned signer every N days, up to the cap, and never one who signed", () => {
    let state = sent();
    expect(m.nextAutomaticReminderAt(state)).toBe(ms("2026-11-04T14:00:00Z"));
    // Nothing is due a minute early.
    expect(m.remindAutomatically(state, "2026-11-04T13:59:00.000Z").intents).toEqual([]);
    state = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: "2026-11-03T10:00:00.000Z", context: ctx }).state;
    const t = m.remindAutomatically(state, "2026-11-04T14:00:00.000Z");
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_2", reminder: true }]);
    expect(t.events[0]).toMatchObject({ type: "reminder_requested", actor: { kind: "system" }, data: { recipients: 1, automatic: true } });
    state = resolve(t, "2026-11-04T14:00:00.000Z");
    expect(m.nextAutomaticReminderAt(state)).toBe(ms("2026-11-06T14:00:00Z"));

    let count = 1;
    for (let at = m.nextAutomaticReminderAt(state); at !== null; at = m.nextAutomaticReminderAt(state)) {
      const when = new Date(at).toISOString();
      state = resolve(m.remindAutomatically(state, when), when);
      count++;
    }
    expect(count).toBe(MAX_AUTOMATIC_REMINDERS);
    expect(state.recipients.find((r) => r.id === "rcp_2")!.automaticReminders).toBe(MAX_AUTOMATIC_REMINDERS);
  });

  it("reminds nobody when the cadence is 0, or once the envelope is cancelled or completing", () => {
    expect(m.nextAutomaticReminderAt(sent({ everyDays: 0 }))).toBeNull();
    const cancelled = m.cancel(sent(), { actor: sender, reason: "Wrong terms", at: "2026-11-03T10:00:00.000Z", context: ctx }).state;
    expect(m.nextAutomaticReminderAt(cancelled)).toBeNull();
    expect(m.remindAutomatically(cancelled, "2026-11-10T10:00:00.000Z").intents).toEqual([]);
    let done = sent({ signers: 1 });
    done = m.sign(done, { recipientId: "rcp_1", typedName: "Signer 1", at: "2026-11-03T10:00:00.000Z", context: ctx }).state;
    expect(m.nextAutomaticReminderAt(done)).toBeNull();
  });

  it("reminds only the signer whose turn it is in sequential order", () => {
    const state = sent({ order: "sequential" });
    expect(m.remindAutomatically(state, "2026-11-04T14:00:00.000Z").intents).toEqual([{ kind: "invite", recipientId: "rcp_1", reminder: true }]);
  });

  it("counts a manual reminder as the newest invitation", () => {
    let state = sent();
    state = resolve(m.remind(state, { actor: sender, at: "2026-11-03T14:00:00.000Z", context: ctx }), "2026-11-03T14:00:00.000Z");
    expect(m.nextAutomaticReminderAt(state)).toBe(ms("2026-11-05T14:00:00Z"));
  });
});

describe("the expiry warning in the state machine", () => {
  it("warns every invited signer who has not signed, once, with a fresh link and an event each", () => {
    let state = sent({ signers: 3 });
    state = m.sign(state, { recipientId: "rcp_3", typedName: "Signer 3", at: "2026-11-03T10:00:00.000Z", context: ctx }).state;
    expect(m.nextExpiryWarningAt(state)).toBe(ms("2026-11-28T08:00:00Z"));
    expect(m.warnBeforeExpiry(state, "2026-11-28T07:59:00.000Z").intents).toEqual([]);
    const t = m.warnBeforeExpiry(state, "2026-11-28T08:00:00.000Z");
    expect(t.intents).toEqual([{ kind: "expiry_warning", recipientId: "rcp_1" }, { kind: "expiry_warning", recipientId: "rcp_2" }]);
    const warned = resolve(t, "2026-11-28T08:00:00.000Z");
    const issued = m.issueLink(t.state, "rcp_1", "x", "2026-11-28T08:00:00.000Z", { expiryWarning: true });
    expect(issued.events).toEqual([expect.objectContaining({ type: "expiry_warning_queued", recipientId: "rcp_1", data: { expiresAt: EXPIRES } })]);
    expect(m.nextExpiryWarningAt(warned)).toBeNull();
    expect(m.warnBeforeExpiry(warned, "2026-11-29T08:00:00.000Z").intents).toEqual([]);
  });

  it("does not warn after the expiry", () => {
    expect(m.warnBeforeExpiry(sent(), "2026-12-01T08:00:00.000Z").intents).toEqual([]);
  });
});

describe("cancellation notices", () => {
  it("go to every signer who had been invited, with the reason, and to nobody else", () => {
    const state = sent({ order: "sequential", signers: 3 });
    const t = m.cancel(state, { actor: sender, reason: "Price changed", at: "2026-11-03T10:00:00.000Z", context: ctx });
    expect(t.intents).toEqual([{ kind: "cancelled", recipientId: "rcp_1", reason: "Price changed" }]);
    expect(t.events.map((e) => e.type)).toEqual(["envelope_cancelled", "cancellation_notice_queued"]);
    // Cancelling twice sends nothing again.
    expect(m.cancel(t.state, { actor: sender, reason: "Again", at: "2026-11-03T11:00:00.000Z", context: ctx }).intents).toEqual([]);
  });
});

describe("the deletion warning in the state machine", () => {
  it("warns the sender of an ended envelope once, and refuses an envelope still out", () => {
    const state = m.cancel(sent(), { actor: sender, reason: "No", at: "2026-11-03T10:00:00.000Z", context: ctx }).state;
    const t = m.warnBeforeDeletion(state, { at: "2026-11-26T10:00:00.000Z", deletesAt: "2026-12-03T10:00:00.000Z" });
    expect(t.intents).toEqual([{ kind: "deletion_warning", deletesAt: "2026-12-03T10:00:00.000Z" }]);
    expect(t.events[0]).toMatchObject({ type: "deletion_warning_queued", data: { deletesAt: "2026-12-03T10:00:00.000Z" } });
    expect(m.warnBeforeDeletion(t.state, { at: "2026-11-27T10:00:00.000Z", deletesAt: "2026-12-03T10:00:00.000Z" }).intents).toEqual([]);
    expect(m.warnBeforeDeletion(sent(), { at: "2026-11-26T10:00:00.000Z", deletesAt: "2026-12-03T10:00:00.000Z" }).intents).toEqual([]);
  });
});
