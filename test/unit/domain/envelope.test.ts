import { describe, expect, it } from "vitest";
import * as m from "../../../src/domain/envelope";
import { DomainError } from "../../../src/domain/errors";
import type { IdentificationEvidence } from "../../../src/domain/identification";

const sender: m.Actor = { kind: "sender", userId: "usr_1" };
const ctx = { ip: "198.51.100.7", userAgent: "Test" };
const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 12, minute)).toISOString();
const expiresAt = new Date(Date.UTC(2026, 11, 22)).toISOString();

function draft(order: m.SigningOrder = "parallel", signerCount = 2): m.EnvelopeState {
  let state = m.createEnvelope(
    {
      id: "env_1",
      orgId: "org_1",
      ownerId: "usr_1",
      sender: { name: "Sender", email: "sender@example.com", locale: "en" },
      title: "Loan",
      message: "",
      document: { id: "doc_1", sha256: "ab".repeat(32), pages: 2, size: 1000, filename: "loan.pdf" },
      signingOrder: order,
      timeZone: "Europe/Oslo",
      createdAt: at(0),
    },
    sender,
  ).state;
  for (let i = 1; i <= signerCount; i++) {
    state = m.addRecipient(state, { id: `rcp_${i}`, name: `Signer ${i}`, email: `s${i}@example.com`, role: "signer", method: "email_link", locale: "en" }, sender, at(1)).state;
  }
  return state;
}

function issueAll(t: m.Transition): m.EnvelopeState {
  let state = t.state;
  for (const intent of t.intents) if (intent.kind === "invite") state = m.issueLink(state, intent.recipientId, `hash-${intent.recipientId}`, at(2)).state;
  return state;
}

function expectCode(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe("envelope state machine", () => {
  it("starts as a draft with one created event", () => {
    const state = draft("parallel", 0);
    expect(state.status).toBe("draft");
    expect(state.version).toBe(1);
  });

  it("refuses to send without signers", () => {
    expectCode(() => m.send(draft("parallel", 0), { actor: sender, at: at(2), expiresAt, context: ctx }), "validation_failed");
  });

  it("refuses an expiry in the past", () => {
    expectCode(() => m.send(draft(), { actor: sender, at: at(2), expiresAt: at(1), context: ctx }), "validation_failed");
  });

  it("refuses a duplicate signer email, case-insensitively", () => {
    const state = draft("parallel", 1);
    expectCode(
      () => m.addRecipient(state, { id: "rcp_x", name: "Again", email: "S1@EXAMPLE.COM", role: "signer", method: "email_link", locale: "en" }, sender, at(1)),
      "validation_failed",
    );
  });

  it("invites every signer at once in parallel order", () => {
    const t = m.send(draft("parallel", 3), { actor: sender, at: at(2), expiresAt, context: ctx });
    expect(t.state.status).toBe("sent");
    expect(t.intents).toEqual([
      { kind: "invite", recipientId: "rcp_1" },
      { kind: "invite", recipientId: "rcp_2" },
      { kind: "invite", recipientId: "rcp_3" },
    ]);
  });

  it("invites only the first signer in sequential order, then the next after each signature", () => {
    const sent = m.send(draft("sequential", 2), { actor: sender, at: at(2), expiresAt, context: ctx });
    expect(sent.intents).toEqual([{ kind: "invite", recipientId: "rcp_1" }]);
    const state = issueAll(sent);
    expectCode(() => m.sign(state, { recipientId: "rcp_2", typedName: "Signer 2", at: at(3), context: ctx }), "invalid_transition");
    const first = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx });
    expect(first.intents).toEqual([{ kind: "invite", recipientId: "rcp_2" }]);
  });

  it("sending twice is harmless and changes nothing", () => {
    const sent = m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx });
    const again = m.send(sent.state, { actor: sender, at: at(3), expiresAt, context: ctx });
    expect(again.state).toBe(sent.state);
    expect(again.events).toEqual([]);
  });

  it("records opened once, on the first real action", () => {
    const state = issueAll(m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx }));
    const opened = m.open(state, "rcp_1", at(3), ctx);
    expect(opened.events.map((e) => e.type)).toEqual(["recipient_opened"]);
    expect(m.open(opened.state, "rcp_1", at(4), ctx).events).toEqual([]);
  });

  it("decides completion exactly once, when the last signer signs", () => {
    let state = issueAll(m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx }));
    const one = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx });
    expect(one.intents).toEqual([]);
    state = one.state;
    const two = m.sign(state, { recipientId: "rcp_2", typedName: "Łukasz Ørjansen", at: at(4), context: ctx });
    expect(two.intents).toEqual([{ kind: "finalise" }]);
    expect(two.state.finalisation).toBe("pending");
    expect(two.state.status).toBe("sent");
    const replay = m.sign(two.state, { recipientId: "rcp_2", typedName: "Łukasz Ørjansen", at: at(5), context: ctx });
    expect(replay.intents).toEqual([]);
    expect(replay.events).toEqual([]);
  });

  it("completes only when the signed PDF is recorded, and records it once", () => {
    let state = issueAll(m.send(draft("parallel", 1), { actor: sender, at: at(2), expiresAt, context: ctx }));
    expectCode(() => m.recordFinalised(state, { documentId: "doc_s", sha256: "cd".repeat(32), pages: 3, size: 10 }, at(3)), "invalid_transition");
    state = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state;
    const done = m.recordFinalised(state, { documentId: "doc_s", sha256: "cd".repeat(32), pages: 3, size: 10 }, at(4));
    expect(done.state.status).toBe("completed");
    expect(done.intents).toEqual([{ kind: "completed", recipientId: "rcp_1" }]);
    const again = m.recordFinalised(done.state, { documentId: "doc_other", sha256: "ef".repeat(32), pages: 3, size: 10 }, at(5));
    expect(again.state.signedDocument?.documentId).toBe("doc_s");
    expect(again.events).toEqual([]);
  });

  it("a decline ends the envelope and nobody can sign after it", () => {
    const state = issueAll(m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx }));
    expectCode(() => m.decline(state, { recipientId: "rcp_1", reason: "  ", at: at(3), context: ctx }), "validation_failed");
    const declined = m.decline(state, { recipientId: "rcp_1", reason: "Wrong amount", at: at(3), context: ctx });
    expect(declined.state.status).toBe("declined");
    expect(declined.intents).toEqual([{ kind: "declined", declinedBy: "rcp_1" }]);
    expectCode(() => m.sign(declined.state, { recipientId: "rcp_2", typedName: "Signer 2", at: at(4), context: ctx }), "invalid_transition");
  });

  it("cannot cancel once every signer has signed", () => {
    let state = issueAll(m.send(draft("parallel", 1), { actor: sender, at: at(2), expiresAt, context: ctx }));
    state = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state;
    expectCode(() => m.cancel(state, { actor: sender, reason: "", at: at(4), context: ctx }), "invalid_transition");
  });

  it("expires only after the deadline and only while out for signing", () => {
    const state = issueAll(m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx }));
    expect(m.expire(state, at(3)).state.status).toBe("sent");
    const expired = m.expire(state, expiresAt);
    expect(expired.state.status).toBe("expired");
    expectCode(() => m.sign(expired.state, { recipientId: "rcp_1", typedName: "S", at: expiresAt, context: ctx }), "invalid_transition");
  });

  it("never accepts more than 50 recipients", () => {
    const full = draft("parallel", 50);
    expectCode(
      () => m.addRecipient(full, { id: "rcp_51", name: "One too many", email: "s51@example.com", role: "signer", method: "email_link", locale: "en" }, sender, at(1)),
      "validation_failed",
    );
  });
});

// ---- the builder and the lifecycle after send ----

const hour = 3600_000;
const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function refusal(fn: () => unknown): { code: string; reason: unknown; retryAt: unknown } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { code: e.code, reason: e.details?.reason, retryAt: e.details?.retryAt };
  }
  throw new Error("expected a refusal");
}

function withCc(state: m.EnvelopeState): m.EnvelopeState {
  return m.addRecipient(state, { id: "rcp_cc", name: "Copy Person", email: "cc@example.com", role: "cc", method: "eid", locale: "nb" }, sender, at(1)).state;
}

function sent(order: m.SigningOrder = "parallel", signerCount = 2): m.EnvelopeState {
  return issueAll(m.send(draft(order, signerCount), { actor: sender, at: at(2), expiresAt, context: ctx }));
}

describe("building a draft", () => {
  it("keeps a phone number, and a copy recipient never identifies", () => {
    let state = m.addRecipient(draft("parallel", 0), { id: "rcp_p", name: "Phone", email: "p@example.com", phone: "+4791234567", role: "signer", method: "sms_otp", locale: "en" }, sender, at(1)).state;
    state = withCc(state);
    expect(state.recipients.map((r) => [r.phone, r.method, r.role])).toEqual([["+4791234567", "sms_otp", "signer"], [null, "email_link", "cc"]]);
  });

  it("refuses an SMS code without a phone number", () => {
    const r = refusal(() => m.addRecipient(draft("parallel", 0), { id: "rcp_p", name: "P", email: "p@example.com", role: "signer", method: "sms_otp", locale: "en" }, sender, at(1)));
    expect(r).toMatchObject({ code: "validation_failed", reason: "phone_required" });
  });

  it("moves recipients up and down, and sequential signing follows the new order", () => {
    let state = draft("sequential", 3);
    const moved = m.moveRecipient(state, "rcp_3", "up", sender, at(2));
    expect(moved.events.map((e) => [e.type, e.data.order])).toEqual([["recipient_moved", 2]]);
    state = m.moveRecipient(moved.state, "rcp_3", "up", sender, at(2)).state;
    expect([...state.recipients].sort((a, b) => a.order - b.order).map((r) => r.id)).toEqual(["rcp_3", "rcp_1", "rcp_2"]);
    // Already first: nothing changes, no event.
    expect(m.moveRecipient(state, "rcp_3", "up", sender, at(2)).events).toEqual([]);
    const t = m.send(state, { actor: sender, at: at(3), expiresAt, context: ctx });
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_3" }]);
    expect(refusal(() => m.moveRecipient(t.state, "rcp_1", "up", sender, at(4)))).toMatchObject({ code: "invalid_transition", reason: "not_draft" });
  });

  it("changes a draft's settings with an event naming what changed (not the message text)", () => {
    const state = draft();
    const t = m.updateDraft(state, { title: "Loan v2", message: "Secret terms", signingOrder: "sequential", timeZone: "Europe/Helsinki", reminderEveryDays: 0 }, sender, at(2));
    expect(t.state).toMatchObject({ title: "Loan v2", message: "Secret terms", signingOrder: "sequential", timeZone: "Europe/Helsinki", reminderEveryDays: 0 });
    expect(t.events[0]!.type).toBe("draft_updated");
    expect(t.events[0]!.data).toEqual({ title: "Loan v2", message: true, signingOrder: "sequential", timeZone: "Europe/Helsinki", reminderEveryDays: 0 });
    const same = m.updateDraft(t.state, { title: "Loan v2", message: "Secret terms", signingOrder: "sequential", timeZone: "Europe/Helsinki", reminderEveryDays: 0 }, sender, at(3));
    expect(same.events).toEqual([]);
    const out = sent();
    expect(refusal(() => m.updateDraft(out, { title: "x", message: "", signingOrder: "parallel", timeZone: "UTC", reminderEveryDays: 3 }, sender, at(3)))).toMatchObject({ code: "invalid_transition", reason: "not_draft" });
  });

  it("does not count copy recipients as signers: an envelope with only copies cannot be sent", () => {
    const ccOnly = withCc(draft("parallel", 0));
    expect(refusal(() => m.send(ccOnly, { actor: sender, at: at(2), expiresAt, context: ctx }))).toMatchObject({ code: "validation_failed", reason: "no_signers" });
    const t = m.send(withCc(draft("parallel", 1)), { actor: sender, at: at(2), expiresAt, context: ctx });
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_1" }]);
  });

  it("may be deleted only while a draft", () => {
    expect(() => m.assertDeletable(draft())).not.toThrow();
    expect(refusal(() => m.assertDeletable(sent()))).toMatchObject({ code: "invalid_transition", reason: "not_draft" });
  });

  it("brings state stored before phone numbers and reminders up to date", () => {
    const state = draft("parallel", 1);
    const { reminderEveryDays: _r, ...old } = state;
    const oldRecipients = old.recipients.map(({ phone: _p, lastInvitedAt: _l, ...r }) => r);
    const upgraded = m.upgradeState({ ...old, recipients: oldRecipients } as unknown as m.EnvelopeState);
    expect(upgraded.reminderEveryDays).toBe(3);
    expect(upgraded.recipients[0]).toMatchObject({ phone: null, lastInvitedAt: null });
  });
});

describe("after sending", () => {
  it("records when each signer was invited", () => {
    const state = sent();
    expect(state.recipients.map((r) => r.lastInvitedAt)).toEqual([at(2), at(2)]);
  });

  it("reminds every signer whose turn it is, once the hour has passed", () => {
    const state = sent();
    const tooSoon = refusal(() => m.remind(state, { actor: sender, at: at(30), context: ctx }));
    expect(tooSoon).toMatchObject({ code: "invalid_transition", reason: "remind_too_soon", retryAt: later(at(2), hour) });
    const t = m.remind(state, { actor: sender, at: later(at(2), hour), context: ctx });
    expect(t.events.map((e) => [e.type, e.data.recipients])).toEqual([["reminder_requested", 2]]);
    expect(t.intents).toEqual([
      { kind: "invite", recipientId: "rcp_1", reminder: true },
      { kind: "invite", recipientId: "rcp_2", reminder: true },
    ]);
  });

  it("reminds only the signers who were not invited within the hour, and never one who signed", () => {
    let state = sent("parallel", 3);
    state = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state;
    state = m.issueLink(state, "rcp_2", "hash-new", later(at(2), 90 * 60_000)).state; // rcp_2 was resent 90 minutes in
    const t = m.remind(state, { actor: sender, at: later(at(2), 2 * hour), context: ctx });
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_3", reminder: true }]);
  });

  it("reminds only the signer whose turn it is in sequence", () => {
    const t = m.remind(sent("sequential"), { actor: sender, at: later(at(2), hour), context: ctx });
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_1", reminder: true }]);
  });

  it("resends one invitation to a signer whose turn it is, once an hour", () => {
    const state = sent("sequential");
    expect(refusal(() => m.resendInvitation(state, { recipientId: "rcp_1", actor: sender, at: at(10), context: ctx }))).toMatchObject({ reason: "resend_too_soon" });
    expect(refusal(() => m.resendInvitation(state, { recipientId: "rcp_2", actor: sender, at: later(at(2), hour), context: ctx }))).toMatchObject({ reason: "not_their_turn" });
    const t = m.resendInvitation(state, { recipientId: "rcp_1", actor: sender, at: later(at(2), hour), context: ctx });
    expect(t.events.map((e) => [e.type, e.recipientId])).toEqual([["invitation_resent", "rcp_1"]]);
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_1" }]);
    const signedState = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state;
    expect(refusal(() => m.resendInvitation(signedState, { recipientId: "rcp_1", actor: sender, at: later(at(2), hour), context: ctx }))).toMatchObject({ reason: "already_done" });
  });

  it("corrects the address of a signer who has not opened: old links die, a new invitation goes out", () => {
    const state = sent();
    const t = m.correctEmail(state, { recipientId: "rcp_1", email: " New@Example.com ", actor: sender, at: at(10), context: ctx });
    const r = t.state.recipients.find((x) => x.id === "rcp_1")!;
    expect(r).toMatchObject({ email: "new@example.com", linkHashes: [], status: "pending" });
    expect(t.events.map((e) => [e.type, e.data.from, e.data.to])).toEqual([["recipient_email_corrected", "s1@example.com", "new@example.com"]]);
    expect(t.intents).toEqual([{ kind: "invite", recipientId: "rcp_1" }]);
  });

  it("corrects a later sequential signer's address without inviting them before their turn", () => {
    const t = m.correctEmail(sent("sequential"), { recipientId: "rcp_2", email: "later@example.com", actor: sender, at: at(10), context: ctx });
    expect(t.intents).toEqual([]);
  });

  it("refuses to correct an address after opening, to a duplicate, or to the same address", () => {
    const state = sent();
    const opened = m.open(state, "rcp_1", at(3), ctx).state;
    expect(refusal(() => m.correctEmail(opened, { recipientId: "rcp_1", email: "x@example.com", actor: sender, at: at(4), context: ctx }))).toMatchObject({ code: "invalid_transition", reason: "already_opened" });
    expect(refusal(() => m.correctEmail(state, { recipientId: "rcp_1", email: "S2@example.com", actor: sender, at: at(4), context: ctx }))).toMatchObject({ code: "validation_failed", reason: "duplicate_email" });
    expect(refusal(() => m.correctEmail(state, { recipientId: "rcp_1", email: "s1@example.com", actor: sender, at: at(4), context: ctx }))).toMatchObject({ code: "validation_failed", reason: "same_email" });
    expect(refusal(() => m.correctEmail(draft(), { recipientId: "rcp_1", email: "x@example.com", actor: sender, at: at(4), context: ctx }))).toMatchObject({ reason: "not_sent" });
  });

  it("refuses reminders, resends and corrections once the envelope has ended or is being completed", () => {
    const cancelled = m.cancel(sent(), { actor: sender, reason: "Wrong document", at: at(5), context: ctx }).state;
    const late = later(at(2), 2 * hour);
    expect(refusal(() => m.remind(cancelled, { actor: sender, at: late, context: ctx }))).toMatchObject({ code: "invalid_transition", reason: "not_sent" });
    expect(refusal(() => m.resendInvitation(cancelled, { recipientId: "rcp_1", actor: sender, at: late, context: ctx }))).toMatchObject({ reason: "not_sent" });
    let one = sent("parallel", 1);
    one = m.sign(one, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state;
    expect(refusal(() => m.remind(one, { actor: sender, at: late, context: ctx }))).toMatchObject({ reason: "finalising" });
  });

  it("cancels only with a reason, and keeps the reason in the event", () => {
    const state = sent();
    expect(refusal(() => m.cancel(state, { actor: sender, reason: "   ", at: at(5), context: ctx }))).toMatchObject({ code: "validation_failed" });
    expect(refusal(() => m.cancel(state, { actor: sender, reason: "x".repeat(501), at: at(5), context: ctx }))).toMatchObject({ code: "validation_failed" });
    const t = m.cancel(state, { actor: sender, reason: " Wrong document ", at: at(5), context: ctx });
    expect(t.state.status).toBe("cancelled");
    expect(t.events[0]!.data.reason).toBe("Wrong document");
    const expired = m.expire(state, expiresAt).state;
    expect(refusal(() => m.cancel(expired, { actor: sender, reason: "Too late", at: expiresAt, context: ctx }))).toMatchObject({ reason: "not_cancellable" });
  });
});

describe("identification", () => {
  const eid: Extract<IdentificationEvidence, { method: "eid" }> = {
    method: "eid",
    provider: "https://broker.example",
    scheme: "no_bankid",
    assurance: "urn:grn:authn:no:bankid:substantial",
    name: "Kari Nordmann",
    subject: "sub-123",
    nationalIdHash: "f".repeat(64),
    nameMismatch: false,
    at: at(5),
  };

  function sentWithMethods(methods: m.IdentificationMethod[], order: m.SigningOrder = "parallel"): m.EnvelopeState {
    let state = draft(order, 0);
    methods.forEach((method, i) => {
      state = m.addRecipient(state, { id: `rcp_${i + 1}`, name: `Signer ${i + 1}`, email: `s${i + 1}@example.com`, phone: "+4791234567", role: "signer", method, locale: "en" }, sender, at(1)).state;
    });
    return issueAll(m.send(state, { actor: sender, at: at(2), expiresAt, context: ctx }));
  }

  function refusalReason(fn: () => unknown): unknown {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      return (error as DomainError).details?.reason;
    }
    throw new Error("expected a refusal");
  }

  it("refuses to sign until a signer with a code or eID method is identified", () => {
    const state = sentWithMethods(["eid"]);
    expect(refusalReason(() => m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }))).toBe("identification_required");
    const identified = m.identify(state, { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx }).state;
    expect(m.sign(identified, { recipientId: "rcp_1", typedName: "Signer 1", at: at(6), context: ctx }).state.recipients[0]!.status).toBe("signed");
  });

  it("lets an email_link signer sign without identification, as before", () => {
    const state = sentWithMethods(["email_link"]);
    expect(m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state.recipients[0]!.status).toBe("signed");
  });

  it("records eID evidence on the recipient and summarises it in the event without secrets", () => {
    const t = m.identify(sentWithMethods(["eid"]), { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx });
    const r = t.state.recipients[0]!;
    expect(r.status).toBe("identified");
    expect(r.identification).toEqual(eid);
    const e = t.events.find((x) => x.type === "recipient_identified")!;
    expect(e.data).toEqual({
      method: "eid",
      provider: "https://broker.example",
      scheme: "no_bankid",
      assurance: "urn:grn:authn:no:bankid:substantial",
      name: "Kari Nordmann",
      subject: "sub-123",
      nationalIdHash: "f".repeat(64),
      nameMismatch: false,
    });
    expect(e).toMatchObject({ recipientId: "rcp_1", ip: ctx.ip, actor: { kind: "signer", recipientId: "rcp_1" } });
    // The first real action also records "opened".
    expect(t.events.map((x) => x.type)).toEqual(["recipient_opened", "recipient_identified"]);
  });

  it("treats a repeated identification as harmless", () => {
    const once = m.identify(sentWithMethods(["eid"]), { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx });
    const twice = m.identify(once.state, { recipientId: "rcp_1", evidence: { ...eid, at: at(6) }, at: at(6), context: ctx });
    expect(twice.events).toEqual([]);
    expect(twice.state.recipients[0]!.identification!.at).toBe(at(5));
  });

  it("refuses evidence of another method than the sender chose", () => {
    expect(refusalReason(() => m.identify(sentWithMethods(["email_otp"]), { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx }))).toBe("wrong_method");
    expect(refusalReason(() => m.identify(sentWithMethods(["email_link"]), { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx }))).toBe("wrong_method");
  });

  it("refuses a signer whose turn it is not, and after signing, declining or outside `sent`", () => {
    const sequential = sentWithMethods(["email_link", "eid"], "sequential");
    expect(refusalReason(() => m.identify(sequential, { recipientId: "rcp_2", evidence: eid, at: at(5), context: ctx }))).toBe("not_their_turn");
    const declined = m.decline(sentWithMethods(["eid", "eid"]), { recipientId: "rcp_1", reason: "No", at: at(4), context: ctx }).state;
    expectCode(() => m.identify(declined, { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx }), "invalid_transition");
    const identified = m.identify(sentWithMethods(["eid", "eid"]), { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx }).state;
    const signed = m.sign(identified, { recipientId: "rcp_1", typedName: "Signer 1", at: at(6), context: ctx }).state;
    expectCode(() => m.identify(signed, { recipientId: "rcp_1", evidence: eid, at: at(7), context: ctx }), "invalid_transition");
    const cancelled = m.cancel(sentWithMethods(["eid"]), { actor: sender, reason: "Oops", at: at(4), context: ctx }).state;
    expectCode(() => m.identify(cancelled, { recipientId: "rcp_1", evidence: eid, at: at(5), context: ctx }), "invalid_transition");
  });

  it("loads state stored before identification existed (identification defaults to null)", () => {
    const state = sentWithMethods(["email_otp"]);
    const old = JSON.parse(JSON.stringify(state)) as m.EnvelopeState;
    for (const r of old.recipients) delete (r as Partial<m.Recipient>).identification;
    const upgraded = m.upgradeState(old);
    expect(upgraded.recipients[0]!.identification).toBeNull();
    expect(m.needsIdentification(upgraded.recipients[0]!)).toBe(true);
  });

  it("masks addresses and numbers for pages and events", () => {
    expect(m.maskEmail("kari.nordmann@example.com")).toBe("k***@example.com");
    expect(m.maskPhone("+4791234567")).toBe("+47 *** ** 567");
    expect(m.maskPhone("+358401234567")).toBe("+358 *** ** 567");
  });
});

// ---- finalisation_failed: the seal could not be made; the sender is told; it can be retried ----

describe("a failed finalisation", () => {
  const signedPdf = { documentId: "doc_s", sha256: "cd".repeat(32), pages: 3, size: 10 };
  const day = 24 * hour;

  /** Both signers signed: completion decided, the job queued. */
  function pending(): m.EnvelopeState {
    let state = issueAll(m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx }));
    state = m.sign(state, { recipientId: "rcp_1", typedName: "Signer 1", at: at(3), context: ctx }).state;
    return m.sign(state, { recipientId: "rcp_2", typedName: "Signer 2", at: at(4), context: ctx }).state;
  }

  it("stays sent with finalisation_failed, records one event and tells the sender once", () => {
    const before = pending();
    const failed = m.recordFinalisationFailed(before, { reason: "document_unsealable", at: at(10) });
    expect(failed.state.status).toBe("sent");
    expect(failed.state.finalisation).toBe("failed");
    expect(failed.state.finalisationFailure).toEqual({ reason: "document_unsealable", failedAt: at(10), failures: 1, automaticRetries: 0 });
    expect(failed.events.map((e) => [e.type, e.data])).toEqual([["envelope_finalisation_failed", { reason: "document_unsealable", failures: 1 }]]);
    expect(failed.intents).toEqual([{ kind: "finalisation_failed", reason: "document_unsealable" }]);
    // Signers stay signed.
    expect(failed.state.recipients.map((r) => r.status)).toEqual(["signed", "signed"]);
    // The dead-letter queue delivers at least once: a second report changes nothing.
    const again = m.recordFinalisationFailed(failed.state, { reason: "unknown", at: at(11) });
    expect(again.events).toEqual([]);
    expect(again.intents).toEqual([]);
    expect(again.state).toBe(failed.state);
  });

  it("is not recorded for an envelope whose completion was not decided, or that is completed", () => {
    const out = issueAll(m.send(draft(), { actor: sender, at: at(2), expiresAt, context: ctx }));
    expect(m.recordFinalisationFailed(out, { reason: "unknown", at: at(5) }).events).toEqual([]);
    const done = m.recordFinalised(pending(), signedPdf, at(5)).state;
    const late = m.recordFinalisationFailed(done, { reason: "unknown", at: at(6) });
    expect(late.events).toEqual([]);
    expect(late.state.status).toBe("completed");
  });

  it("refuses signing twice, cancelling and expiring while failed", () => {
    const failed = m.recordFinalisationFailed(pending(), { reason: "seal_unavailable", at: at(10) }).state;
    expect(m.sign(failed, { recipientId: "rcp_1", typedName: "Signer 1", at: at(11), context: ctx }).events).toEqual([]);
    expectCode(() => m.cancel(failed, { actor: sender, reason: "No", at: at(11), context: ctx }), "invalid_transition");
    expect(m.expire(failed, later(expiresAt, day)).state.status).toBe("sent");
  });

  it("is retried by the cron after 1, 2, 4 and 8 days, then only by an operator", () => {
    let state = m.recordFinalisationFailed(pending(), { reason: "storage_unavailable", at: at(10) }).state;
    const waits = [1, 2, 4, 8];
    for (const [i, days] of waits.entries()) {
      const due = later(at(10 + i), days * day);
      expect(m.nextFinalisationRetryAt(state)).toBe(due);
      // Not before it is due: nothing happens.
      expect(m.retryFinalisation(state, { by: "cron", at: later(due, -1000) }).events).toEqual([]);
      const retried = m.retryFinalisation(state, { by: "cron", at: due });
      expect(retried.state.finalisation).toBe("pending");
      expect(retried.intents).toEqual([{ kind: "finalise" }]);
      expect(retried.events.map((e) => [e.type, e.data])).toEqual([["envelope_finalisation_retried", { by: "cron", reason: "storage_unavailable", automaticRetries: i + 1 }]]);
      // The retry fails again: recorded, but the sender is not mailed a second time.
      const failedAgain = m.recordFinalisationFailed(retried.state, { reason: "storage_unavailable", at: at(11 + i) });
      expect(failedAgain.intents).toEqual([]);
      expect(failedAgain.state.finalisationFailure?.failures).toBe(i + 2);
      state = failedAgain.state;
    }
    expect(m.MAX_AUTOMATIC_FINALISATION_RETRIES).toBe(waits.length);
    expect(m.nextFinalisationRetryAt(state)).toBeNull();
    expect(m.retryFinalisation(state, { by: "cron", at: later(at(20), 365 * day) }).events).toEqual([]);
    // An operator, who fixed the cause, may retry whenever.
    const byOperator = m.retryFinalisation(state, { by: "operator", at: at(30) });
    expect(byOperator.state.finalisation).toBe("pending");
    expect(byOperator.events[0]!.data).toMatchObject({ by: "operator", automaticRetries: waits.length });
  });

  it("retries only a failed finalisation, and a repeated retry queues nothing twice", () => {
    expect(m.retryFinalisation(pending(), { by: "operator", at: at(10) }).events).toEqual([]);
    const failed = m.recordFinalisationFailed(pending(), { reason: "document_unreadable", at: at(10) }).state;
    const once = m.retryFinalisation(failed, { by: "operator", at: at(11) });
    const twice = m.retryFinalisation(once.state, { by: "operator", at: at(12) });
    expect(twice.events).toEqual([]);
    expect(twice.intents).toEqual([]);
  });

  it("completes once when a retry succeeds, notifies everyone once and forgets the failure", () => {
    const failed = m.recordFinalisationFailed(pending(), { reason: "seal_unavailable", at: at(10) }).state;
    const retried = m.retryFinalisation(failed, { by: "operator", at: at(11) }).state;
    const done = m.recordFinalised(retried, signedPdf, at(12));
    expect(done.state.status).toBe("completed");
    expect(done.state.finalisation).toBe("done");
    expect(done.state.finalisationFailure).toBeNull();
    expect(done.events.map((e) => e.type)).toEqual(["envelope_completed"]);
    expect(done.intents).toEqual([{ kind: "completed", recipientId: "rcp_1" }, { kind: "completed", recipientId: "rcp_2" }]);
    expect(m.nextFinalisationRetryAt(done.state)).toBeNull();
    expect(m.recordFinalised(done.state, signedPdf, at(13)).events).toEqual([]);
  });

  it("brings state stored before finalisation_failed existed up to date", () => {
    const { finalisationFailure: _, ...old } = pending();
    expect(m.upgradeState(old as m.EnvelopeState).finalisationFailure).toBeNull();
  });
});
