import { describe, expect, it } from "vitest";
import { commonPasswordCount, isCommonPassword, passwordWeakness, personalWords } from "../../../src/domain/common-passwords";
import { hashPassword, needsRehash, passwordParams, verifyPassword } from "../../../src/domain/password";

describe("password hashing", () => {
  it("uses argon2id within what production Workers allow (OWASP minimum, memory far below 128 MB)", () => {
    // OWASP: argon2id m ≥ 19 MiB, t ≥ 2, p = 1. A Worker isolate has 128 MB in all.
    expect(passwordParams.m).toBeGreaterThanOrEqual(19_456);
    expect(passwordParams.t).toBeGreaterThanOrEqual(2);
    expect(passwordParams.p).toBe(1);
    expect(passwordParams.m * 1024).toBeLessThan(48 * 1024 * 1024);
  });

  it("stores a salted PHC string that verifies only the right password", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", a)).toBe(false);
  });

  it("asks for a rehash when stored parameters are weaker than today's", async () => {
    const weak = await hashPassword("correct horse battery staple", { m: 1024, t: 1, p: 1, dkLen: 32 });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword("x".repeat(12)))).toBe(false);
    expect(await verifyPassword("correct horse battery staple", weak)).toBe(true);
  });

  it("rejects a malformed stored hash instead of throwing", async () => {
    expect(await verifyPassword("anything at all", "$pbkdf2$nonsense")).toBe(false);
  });
});

describe("the password rule", () => {
  it("accepts long passphrases and unpredictable passwords, with no composition rules", () => {
    for (const ok of ["correct horse battery staple", "lantern meadow copper violin", "all lowercase but long enough", "Tr0ub4dor&3xyz", "blåbærsyltetøy på vaffel"]) {
      expect(passwordWeakness(ok, { name: "Kari Nordmann", email: "kari@example.com" }), ok).toBeNull();
    }
  });

  it("counts characters, not bytes, for the 12-character minimum and the 256 maximum", () => {
    expect(passwordWeakness("x".repeat(5) + "yz7%Qw")).toBe("too_short");
    expect(passwordWeakness("æøåæøåæøåæø")).toBe("too_short"); // 11 letters, 22 bytes
    expect(passwordWeakness("ab".repeat(200))).toBe("too_long");
  });

  it("refuses the most common passwords in any letter case, also with digits and symbols added", () => {
    expect(commonPasswordCount).toBeGreaterThan(300);
    expect(isCommonPassword("PASSWORD1234")).toBe(true);
    for (const weak of ["password1234", "Password1234!", "PASSORD123456", "Sommer2024!!!", "iloveyou1234", "Qwerty123456", "123456789012", "1q2w3e4r5t6y"]) {
      expect(passwordWeakness(weak), weak).toBe("common");
    }
  });

  it("refuses repetitions, keyboard runs and alphabet runs", () => {
    for (const weak of ["aaaaaaaaaaaa", "abcabcabcabc", "monkeymonkey", "qwertyuiopasdf", "abcdefghijklm", "987654321098", "mnbvcxzlkjhg"]) {
      expect(passwordWeakness(weak), weak).toBe("common");
    }
  });

  it("refuses a password containing the person's name or their email's local part", () => {
    const person = { name: "Kari Ærlig Nordmann", email: "k.nordmann+sign@example.no" };
    expect(personalWords(person)).toEqual(expect.arrayContaining(["k.nordmann+sign", "nordmann", "sign", "kari", "ærlig"]));
    expect(passwordWeakness("KariLovesHerCat!", person)).toBe("personal");
    expect(passwordWeakness("my ÆRLIG opinion is long", person)).toBe("personal");
    expect(passwordWeakness("best of nordmann family", person)).toBe("personal");
    // Pieces under four letters occur inside ordinary words and are not checked.
    expect(passwordWeakness("granola cookies forever", { name: "Ola Bø" })).toBeNull();
  });
});
