import { describe, expect, it } from "vitest";
import {
  base32Decode,
  base32Encode,
  beginAttempt,
  CODE_LOCK_MS,
  hotp,
  matchTotp,
  newRecoveryCode,
  newTotpSecret,
  NO_ATTEMPTS,
  normaliseRecoveryCode,
  normaliseTotpCode,
  otpauthUri,
  totp,
  type AttemptState,
} from "../../../src/domain/totp";

const rfcKey = new TextEncoder().encode("12345678901234567890");

describe("HOTP (RFC 4226, appendix D)", () => {
  it("gives the published values for counters 0 to 9", () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    expect(expected.map((_, counter) => hotp(rfcKey, counter))).toEqual(expected);
  });
});

describe("TOTP (RFC 6238, appendix B, SHA-1)", () => {
  const vectors: [number, string][] = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];

  it.each(vectors)("at %i s gives the 8-digit value %s", (seconds, code) => {
    expect(totp(rfcKey, seconds * 1000, 8)).toBe(code);
  });

  it.each(vectors)("at %i s gives the last six digits of %s as the 6-digit code", (seconds, code) => {
    expect(totp(rfcKey, seconds * 1000)).toBe(code.slice(2));
  });
});

describe("matching a code", () => {
  const now = 1_700_000_000_000;

  it("accepts the current code and one step either side, and reports which step matched", () => {
    const step = Math.floor(now / 30_000);
    expect(matchTotp(rfcKey, totp(rfcKey, now), now)).toBe(step);
    expect(matchTotp(rfcKey, totp(rfcKey, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(rfcKey, totp(rfcKey, now + 30_000), now)).toBe(step + 1);
  });

  it("refuses a code two steps away and a wrong code", () => {
    expect(matchTotp(rfcKey, totp(rfcKey, now - 60_000), now)).toBeNull();
    expect(matchTotp(rfcKey, totp(rfcKey, now + 60_000), now)).toBeNull();
    const wrong = String((Number(totp(rfcKey, now)) + 1) % 1_000_000).padStart(6, "0");
    expect(matchTotp(rfcKey, wrong, now)).toBeNull();
  });

  it("accepts typed codes with spaces and refuses anything but six digits", () => {
    expect(normaliseTotpCode(" 123 456 ")).toBe("123456");
    expect(normaliseTotpCode("12345")).toBeNull();
    expect(normaliseTotpCode("1234567")).toBeNull();
    expect(normaliseTotpCode("12345a")).toBeNull();
  });
});

describe("secrets", () => {
  it("encodes base32 as RFC 4648 does, and decodes it back", () => {
    expect(base32Encode(new TextEncoder().encode("foobar"))).toBe("MZXW6YTBOI");
    expect(new TextDecoder().decode(base32Decode("mzxw 6ytb oi======")!)).toBe("foobar");
    expect(base32Decode("MZXW1")).toBeNull();
  });

  it("makes 160-bit secrets, different each time", () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)!.length).toBe(20);
    expect(newTotpSecret()).not.toBe(a);
  });

  it("writes an otpauth URI authenticator apps read", () => {
    const uri = otpauthUri({ secret: "JBSWY3DPEHPK3PXP", account: "kari@example.com", issuer: "Pactly" });
    expect(uri).toBe("otpauth://totp/Pactly:kari%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Pactly&algorithm=SHA1&digits=6&period=30");
  });
});

describe("recovery codes", () => {
  it("are four groups of four base32 letters and accept being typed loosely", () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(normaliseRecoveryCode(` ${code.toUpperCase().replace(/-/g, " ")} `)).toBe(code.replace(/-/g, ""));
    expect(normaliseRecoveryCode("abcd-efgh-ijkl")).toBeNull();
    expect(normaliseRecoveryCode("abcd-efgh-ijkl-mno1")).toBeNull();
  });
});

describe("the wrong-code lock", () => {
  function run(times: number, start: AttemptState, now: number) {
    let state = start;
    const decisions = [];
    for (let i = 0; i < times; i++) {
      const next = beginAttempt(state, now);
      state = next.state;
      decisions.push(next.decision);
    }
    return { state, decisions };
  }

  it("allows exactly five attempts, then refuses for 15 minutes", () => {
    const now = 1_000_000;
    const { state, decisions } = run(8, NO_ATTEMPTS, now);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(decisions.map((d) => (d.allowed ? d.remaining : -1))).toEqual([4, 3, 2, 1, 0, -1, -1, -1]);
    expect(decisions[5]).toEqual({ allowed: false, retryAfterSeconds: CODE_LOCK_MS / 1000 });
    expect(beginAttempt(state, now + CODE_LOCK_MS - 1000).decision.allowed).toBe(false);
    expect(beginAttempt(state, now + CODE_LOCK_MS).decision).toEqual({ allowed: true, remaining: 4 });
  });

  it("forgets wrong codes older than the lock period", () => {
    const { state } = run(4, NO_ATTEMPTS, 1_000_000);
    expect(beginAttempt(state, 1_000_000 + CODE_LOCK_MS + 1).decision).toEqual({ allowed: true, remaining: 4 });
  });
});
