import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/errors";
import { decryptDocument, encryptDocument, loadKeyring, newDataKey, rewrapDataKey, unwrapDataKey } from "../../../src/storage/document-crypto";

const KEYS = JSON.stringify({ old: btoa(String.fromCharCode(...new Uint8Array(32).fill(1))), new: btoa(String.fromCharCode(...new Uint8Array(32).fill(2))) });
const plaintext = new TextEncoder().encode("%PDF-1.7 the agreement bytes");

async function expectDecryptionFailure(promise: Promise<unknown>) {
  await expect(promise).rejects.toBeInstanceOf(DomainError);
  await expect(promise).rejects.toMatchObject({ code: "decryption_failed" });
}

describe("document encryption at rest", () => {
  it("round-trips through a per-document data key wrapped by the current key-encryption key", async () => {
    const ring = await loadKeyring(KEYS, "new");
    const { key, wrapped } = await newDataKey(ring, "doc_1");
    expect(wrapped.kekId).toBe("new");
    const blob = await encryptDocument(key, "doc_1", plaintext);
    expect(new TextDecoder().decode(blob)).not.toContain("agreement");
    const again = await unwrapDataKey(ring, "doc_1", wrapped);
    expect(await decryptDocument(again, "doc_1", blob)).toEqual(plaintext);
  });

  it("binds the document id: a blob moved to another document does not decrypt", async () => {
    const ring = await loadKeyring(KEYS, "new");
    const { key } = await newDataKey(ring, "doc_1");
    const blob = await encryptDocument(key, "doc_1", plaintext);
    await expectDecryptionFailure(decryptDocument(key, "doc_2", blob));
  });

  it("refuses tampered bytes instead of returning part of a document", async () => {
    const ring = await loadKeyring(KEYS, "new");
    const { key } = await newDataKey(ring, "doc_1");
    const blob = await encryptDocument(key, "doc_1", plaintext);
    blob[blob.length - 5]! ^= 0x01;
    await expectDecryptionFailure(decryptDocument(key, "doc_1", blob));
  });

  it("still reads data keys wrapped by an older key id after rotation", async () => {
    const before = await loadKeyring(KEYS, "old");
    const { wrapped } = await newDataKey(before, "doc_1");
    const after = await loadKeyring(KEYS, "new");
    await expect(unwrapDataKey(after, "doc_1", wrapped)).resolves.toBeDefined();
  });

  it("fails clearly when the key id is unknown", async () => {
    const ring = await loadKeyring(KEYS, "new");
    const { wrapped } = await newDataKey(ring, "doc_1");
    const other = await loadKeyring(JSON.stringify({ x: btoa(String.fromCharCode(...new Uint8Array(32))) }), "x");
    await expectDecryptionFailure(unwrapDataKey(other, "doc_1", wrapped));
  });

  it("fails clearly when a key with the right id has the wrong bytes", async () => {
    const { wrapped } = await newDataKey(await loadKeyring(KEYS, "new"), "doc_1");
    const impostor = await loadKeyring(JSON.stringify({ new: btoa(String.fromCharCode(...new Uint8Array(32).fill(9))) }), "new");
    await expectDecryptionFailure(unwrapDataKey(impostor, "doc_1", wrapped));
  });

  it("refuses a tampered wrapped key, one that is not even base64, and another document's key", async () => {
    const ring = await loadKeyring(KEYS, "new");
    const { wrapped } = await newDataKey(ring, "doc_1");
    const bytes = Uint8Array.from(atob(wrapped.wrapped), (c) => c.charCodeAt(0));
    bytes[20]! ^= 0x80;
    await expectDecryptionFailure(unwrapDataKey(ring, "doc_1", { ...wrapped, wrapped: btoa(String.fromCharCode(...bytes)) }));
    await expectDecryptionFailure(unwrapDataKey(ring, "doc_1", { ...wrapped, wrapped: "not base64 at all!" }));
    await expectDecryptionFailure(unwrapDataKey(ring, "doc_1", { ...wrapped, wrapped: "" }));
    await expectDecryptionFailure(unwrapDataKey(ring, "doc_2", wrapped));
  });

  it("refuses a blob cut short or of an unknown format version instead of returning part of it", async () => {
    const ring = await loadKeyring(KEYS, "new");
    const { key } = await newDataKey(ring, "doc_1");
    const blob = await encryptDocument(key, "doc_1", plaintext);
    await expectDecryptionFailure(decryptDocument(key, "doc_1", blob.subarray(0, blob.length - 1)));
    await expectDecryptionFailure(decryptDocument(key, "doc_1", blob.subarray(0, 10)));
    const future = blob.slice();
    future[0] = 2;
    await expectDecryptionFailure(decryptDocument(key, "doc_1", future));
  });

  it("rewraps a data key under the current KEK: the same blob opens with the new key alone", async () => {
    const before = await loadKeyring(KEYS, "old");
    const { key, wrapped } = await newDataKey(before, "doc_1");
    const blob = await encryptDocument(key, "doc_1", plaintext);
    const rewrapped = await rewrapDataKey(await loadKeyring(KEYS, "new"), "doc_1", wrapped);
    expect(rewrapped.kekId).toBe("new");
    expect(rewrapped.wrapped).not.toBe(wrapped.wrapped);
    const onlyNew = await loadKeyring(JSON.stringify({ new: JSON.parse(KEYS).new }), "new");
    expect(await decryptDocument(await unwrapDataKey(onlyNew, "doc_1", rewrapped), "doc_1", blob)).toEqual(plaintext);
    // The document id stays bound through the rewrap.
    await expectDecryptionFailure(unwrapDataKey(onlyNew, "doc_2", rewrapped));
  });

  it("cannot rewrap a key whose KEK is gone", async () => {
    const { wrapped } = await newDataKey(await loadKeyring(KEYS, "old"), "doc_1");
    const onlyNew = await loadKeyring(JSON.stringify({ new: JSON.parse(KEYS).new }), "new");
    await expectDecryptionFailure(rewrapDataKey(onlyNew, "doc_1", wrapped));
  });
});
