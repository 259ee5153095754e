import { describe, expect, it } from "vitest";
import { bytesToHex, bytesToLatin1, hexToBytes, latin1ToBytes } from "../../../src/domain/encoding";

describe("byte helpers", () => {
  it("turns hex back into the bytes it was written from", () => {
    const bytes = Uint8Array.from([0x00, 0x7f, 0x80, 0xff]);
    expect(bytesToHex(bytes)).toBe("007f80ff");
    expect(hexToBytes("007f80ff")).toEqual(bytes);
  });

  it("reads every byte value as one latin-1 character and writes it back", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = bytesToLatin1(bytes);
    expect(text.length).toBe(256);
    expect(latin1ToBytes(text)).toEqual(bytes);
  });

  it("reads only the asked range, clamped to the bytes there are", () => {
    const bytes = latin1ToBytes("%PDF-1.7");
    expect(bytesToLatin1(bytes, 5, 99)).toBe("1.7");
    expect(bytesToLatin1(bytes, -3, 4)).toBe("%PDF");
  });
});
