import { describe, expect, it } from "vitest";
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
