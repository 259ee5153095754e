/**
 * The code rules, in the pure domain: expiry, single use, five wrong tries lock, cool-down,
 * the per-signer and per-envelope SMS caps, binding to signer and envelope, no modulo bias.
 */
import { describe, expect, it } from "vitest";
import * as m from "../../../src/domain/envelope";
import * as otp from "../../../src/domain/otp";
import { DomainError } from "../../../src/domain/errors";

const sender: m.Actor = { kind: "sender", userId: "usr_1" };
const ctx = { ip: "198.51.100.7", userAgent: "Test" };
const t0 = Date.UTC(2026, 10, 22, 12, 0);
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();

function sentWith(method: m.IdentificationMethod, id = "env_1", signerCount = 2): m.EnvelopeState {
  let state = m.createEnvelope(
    {
      id,
      orgId: "org_1",
      ownerId: "usr_1",
      sender: { name: "Sender", email: "sender@example.com", locale: "en" },
      title: "Loan",
      message: "",
      document: { id: "doc_1", sha256: "ab".repeat(32), pages: 2, size: 1000, filename: "loan.pdf" },
      signingOrder: "parallel",
      timeZone: "Europe/Oslo",
      createdAt: at(0),
    },
    sender,
  ).state;
  for (let i = 1; i <= signerCount; i++) {
    state = m.addRecipient(state, { id: `rcp_${i}`, name: `Signer ${i}`, email: `kari${i}@example.com`, phone: `+4791234${i}67`, role: "signer", method, locale: "en" }, sender, at(0)).state;
  }
  return m.send(state, { actor: sender, at: at(1), expiresAt: at(86400 * 30), context: ctx }).state;
}

function reason(fn: () => unknown): { reason: unknown; details: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const details = (error as DomainError).details ?? {};
    return { reason: details.reason, details };
  }
  throw new Error("expected a refusal");
}

/** Requests a code at `seconds` with a known code, so the tests can type it. */
function request(state: m.EnvelopeState, ledger: otp.CodeLedger, seconds: number, code = "123456", recipientId = "rcp_1") {
  return otp.requestCode(state, ledger, { recipientId, code, salt: `salt-${seconds}`, at: at(seconds), context: ctx });
}

function confirm(state: m.EnvelopeState, ledger: otp.CodeLedger, seconds: number, code: string, recipientId = "rcp_1") {
  return otp.confirmCode(state, ledger, { recipientId, code, at: at(seconds), context: ctx });
}

describe("code generation", () => {
  it("draws six digits, keeping leading zeros", () => {
    expect(otp.codeFromRandom(() => 42)).toBe("000042");
    expect(otp.codeFromRandom(() => 999_999)).toBe("999999");
  });

  it("draws again rather than folding the top of the 32-bit range (no modulo bias)", () => {
    // 4,294,000,000 and above would make codes 000000–967295 more likely than the rest.
    const draws = [2 ** 32 - 1, 4_294_000_000, 4_293_999_999];
    expect(otp.codeFromRandom(() => draws.shift()!)).toBe("999999");
    expect(draws).toEqual([]);
  });

  it("is uniform enough over many real draws", () => {
    const counts = new Array(10).fill(0) as number[];
    for (let i = 0; i < 20_000; i++) counts[Number(otp.codeFromRandom(() => crypto.getRandomValues(new Uint32Array(1))[0]!)[0])]!++;
    for (const c of counts) expect(c).toBeGreaterThan(1700);
  });

  it("hashes codes bound to envelope, signer and salt", () => {
    const h = otp.hashCode("env_1", "rcp_1", "123456", "s");
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(otp.hashCode("env_2", "rcp_1", "123456", "s")).not.toBe(h);
    expect(otp.hashCode("env_1", "rcp_2", "123456", "s")).not.toBe(h);
    expect(otp.hashCode("env_1", "rcp_1", "123456", "t")).not.toBe(h);
  });
});

describe("requesting a code", () => {
  it("records code_sent with a masked address and an intent that carries the code; the ledger keeps only a hash", () => {
    const state = sentWith("email_otp");
    const { transition, ledger } = request(state, otp.emptyLedger(), 10);
    const sent = transition.events.find((e) => e.type === "code_sent")!;
    expect(sent.data).toMatchObject({ channel: "email", to: "k***@example.com" });
    expect(JSON.stringify(transition.events)).not.toContain("123456");
    expect(transition.intents).toEqual([{ kind: "send_code", recipientId: "rcp_1", channel: "email", code: "123456", expiresInMinutes: 10 }]);
    expect(JSON.stringify(ledger)).not.toContain("123456");
    expect(JSON.stringify(transition.state)).not.toContain("123456");
    expect(transition.events.map((e) => e.type)).toEqual(["recipient_opened", "code_sent"]);
  });

  it("masks phone numbers for SMS", () => {
    const state = sentWith("sms_otp");
    const { transition } = request(state, otp.emptyLedger(), 10);
    expect(transition.events.find((e) => e.type === "code_sent")!.data.to).toBe("+47 *** ** 167");
    expect(transition.intents[0]).toMatchObject({ channel: "sms" });
  });

  it("refuses a new code within 60 seconds, saying how long to wait", () => {
    const state = sentWith("email_otp");
    const first = request(state, otp.emptyLedger(), 10);
    const refused = reason(() => request(first.transition.state, first.ledger, 25));
    expect(refused.reason).toBe("code_too_soon");
    expect(refused.details.retryAfterSeconds).toBe(45);
    expect(() => request(first.transition.state, first.ledger, 70)).not.toThrow();
  });

  it("allows at most 10 codes per signer", () => {
    const state = sentWith("email_otp");
    let ledger = otp.emptyLedger();
    for (let i = 0; i < otp.MAX_CODES_PER_SIGNER; i++) ledger = request(state, ledger, 100 * i).ledger;
    expect(reason(() => request(state, ledger, 5000)).reason).toBe("code_limit");
    // The other signer is not affected.
    expect(() => request(state, ledger, 5000, "111111", "rcp_2")).not.toThrow();
  });

  it("caps the SMS an envelope may cause at 25", () => {
    const state = sentWith("sms_otp", "env_1", 3);
    let ledger = otp.emptyLedger();
    for (let i = 0; i < otp.MAX_SMS_PER_ENVELOPE; i++) ledger = request(state, ledger, 100 * i, "123456", `rcp_${(i % 3) + 1}`).ledger;
    expect(ledger.smsSent).toBe(25);
    // rcp_2 has had 8 codes, under the per-signer limit: the envelope's cap is what refuses.
    expect(reason(() => request(state, ledger, 9000, "123456", "rcp_2")).reason).toBe("sms_cap");
  });

  it("refuses signers who identify otherwise", () => {
    expect(reason(() => request(sentWith("email_link"), otp.emptyLedger(), 10)).reason).toBe("wrong_method");
    expect(reason(() => request(sentWith("eid"), otp.emptyLedger(), 10)).reason).toBe("wrong_method");
  });
});

describe("confirming a code", () => {
  it("identifies the signer with the right code, once", () => {
    const state = sentWith("email_otp");
    const sent = request(state, otp.emptyLedger(), 10);
    const ok = confirm(sent.transition.state, sent.ledger, 20, "123456");
    expect(ok.failure).toBeNull();
    const r = ok.transition.state.recipients.find((x) => x.id === "rcp_1")!;
    expect(r.status).toBe("identified");
    expect(r.identification).toEqual({ method: "email_otp", channel: "kari1@example.com", at: at(20) });
    const identified = ok.transition.events.find((e) => e.type === "recipient_identified")!;
    expect(identified.data).toEqual({ method: "email_otp", channel: "k***@example.com" });
    // Single use: the code is spent, a second confirmation changes nothing.
    const again = confirm(ok.transition.state, ok.ledger, 30, "123456");
    expect(again.transition.events).toEqual([]);
    expect(ok.ledger.signers.rcp_1!.current!.status).toBe("used");
  });

  it("counts wrong tries and locks the code at the fifth; then even the right code fails", () => {
    const state = sentWith("email_otp");
    let { ledger } = request(state, otp.emptyLedger(), 10);
    for (let i = 1; i <= 4; i++) {
      const wrong = confirm(state, ledger, 10 + i, "000000");
      expect(wrong.failure!.details).toMatchObject({ reason: "code_wrong", attemptsLeft: 5 - i });
      expect(wrong.transition.events.map((e) => e.type)).toEqual(["code_failed"]);
      expect(wrong.transition.events[0]!.data).toMatchObject({ attemptsLeft: 5 - i });
      ledger = wrong.ledger;
    }
    const fifth = confirm(state, ledger, 20, "000000");
    expect(fifth.failure!.details).toMatchObject({ reason: "code_locked" });
    expect(fifth.transition.events.map((e) => e.type)).toEqual(["code_failed", "code_locked"]);
    expect(reason(() => confirm(state, fifth.ledger, 21, "123456")).reason).toBe("code_locked");
    // A new code (after the cool-down) works again.
    const fresh = request(state, fifth.ledger, 80, "654321");
    expect(confirm(fresh.transition.state, fresh.ledger, 81, "654321").failure).toBeNull();
  });

  it("refuses an expired code after 10 minutes, recording the attempt", () => {
    const state = sentWith("email_otp");
    const sent = request(state, otp.emptyLedger(), 0);
    expect(confirm(sent.transition.state, sent.ledger, 599, "123456").failure).toBeNull();
    const late = confirm(sent.transition.state, sent.ledger, 600, "123456");
    expect(late.failure!.details).toMatchObject({ reason: "code_expired" });
    expect(late.transition.events[0]).toMatchObject({ type: "code_failed", data: { reason: "expired" } });
  });

  it("makes the earlier code useless once a new one is sent", () => {
    const state = sentWith("email_otp");
    const first = request(state, otp.emptyLedger(), 0, "111111");
    const second = request(first.transition.state, first.ledger, 61, "222222");
    expect(confirm(second.transition.state, second.ledger, 62, "111111").failure!.details).toMatchObject({ reason: "code_wrong" });
  });

  it("binds a code to its signer: another signer cannot use it", () => {
    const state = sentWith("email_otp");
    const forOne = request(state, otp.emptyLedger(), 0, "111111", "rcp_1");
    const forTwo = request(forOne.transition.state, forOne.ledger, 0, "222222", "rcp_2");
    expect(confirm(forTwo.transition.state, forTwo.ledger, 5, "111111", "rcp_2").failure!.details).toMatchObject({ reason: "code_wrong" });
  });

  it("binds a code to its envelope: the same ledger under another envelope id does not match", () => {
    const sent = request(sentWith("email_otp", "env_1"), otp.emptyLedger(), 0);
    expect(confirm(sentWith("email_otp", "env_2"), sent.ledger, 5, "123456").failure!.details).toMatchObject({ reason: "code_wrong" });
  });

  it("asks for a code first when none was sent", () => {
    expect(reason(() => confirm(sentWith("email_otp"), otp.emptyLedger(), 5, "123456")).reason).toBe("code_none");
  });
});
