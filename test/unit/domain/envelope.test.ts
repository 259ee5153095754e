import { describe, expect, it } from "vitest";
import * as m from "../../../src/domain/envelope";
import { DomainError } from "../../../src/domain/errors";

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
