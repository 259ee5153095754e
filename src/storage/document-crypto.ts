/**
 * Envelope encryption for documents at rest. Each document gets its own random
 * AES-256-GCM data key; the document id is bound as additional data, so a blob
 * cannot be swapped for another document's. The data key is kept only wrapped by
 * a key-encryption key (KEK) from secrets, tagged with that key's id so KEKs can
 * rotate. Destroying the wrapped key makes every copy of the blob unreadable.
 */
import { DomainError } from "../domain/errors";
import { base64ToBytes, bytesToBase64 } from "../domain/encoding";

const FORMAT_VERSION = 1;
const IV_BYTES = 12;

export type Keyring = { currentId: string; keys: Map<string, CryptoKey> };
export type WrappedKey = { kekId: string; wrapped: string };

/** Parses the KEK_KEYS secret ({"id": "base64 of 32 bytes"}) into non-extractable AES-GCM keys. */
export async function loadKeyring(kekKeysJson: string, currentId: string): Promise<Keyring> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(kekKeysJson);
  } catch {
    throw new Error("KEK_KEYS is not valid JSON");
  }
  if (!parsed || typeof parsed !== "object") throw new Error("KEK_KEYS must be a JSON object");
  const keys = new Map<string, CryptoKey>();
  for (const [id, b64] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof b64 !== "string") throw new Error(`KEK ${id} must be a base64 string`);
    const raw = base64ToBytes(b64);
    if (raw.length !== 32) throw new Error(`KEK ${id} must be 32 bytes`);
    keys.set(id, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  if (!keys.has(currentId)) throw new Error(`KEK_CURRENT_ID ${currentId} is not in KEK_KEYS`);
  return { currentId, keys };
}

const utf8 = new TextEncoder();

/** A fresh data key and its wrapped form, ready to store beside the document's metadata. */
export async function newDataKey(keyring: Keyring, documentId: string): Promise<{ key: CryptoKey; wrapped: WrappedKey }> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const wrapped = await wrapRaw(keyring, documentId, raw);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return { key, wrapped: { kekId: keyring.currentId, wrapped } };
}

export async function unwrapDataKey(keyring: Keyring, documentId: string, wrapped: WrappedKey): Promise<CryptoKey> {
  const raw = await unwrapRaw(keyring, documentId, wrapped);
  try {
    return await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  } finally {
    raw.fill(0);
  }
}

/**
 * The same data key wrapped by the current KEK instead of an older one: key rotation
 * touches only this small wrapped form, never the document's bytes. The data key
 * itself, and so every blob encrypted with it, stays the same.
 */
export async function rewrapDataKey(keyring: Keyring, documentId: string, wrapped: WrappedKey): Promise<WrappedKey> {
  const raw = await unwrapRaw(keyring, documentId, wrapped);
  try {
    return { kekId: keyring.currentId, wrapped: await wrapRaw(keyring, documentId, raw) };
  } finally {
    raw.fill(0);
  }
}

async function wrapRaw(keyring: Keyring, documentId: string, raw: Uint8Array): Promise<string> {
  const kek = keyring.keys.get(keyring.currentId)!;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(`dk:${documentId}`) }, kek, raw),
  );
  return bytesToBase64(concat(iv, sealed));
}

/** Every way a wrapped key can be wrong ends in one DomainError: unknown KEK, bad encoding, tampering, another document's key. */
async function unwrapRaw(keyring: Keyring, documentId: string, wrapped: WrappedKey): Promise<Uint8Array> {
  const kek = keyring.keys.get(wrapped.kekId);
  if (!kek) throw new DomainError("decryption_failed", `Key-encryption key ${wrapped.kekId} is not configured`);
  try {
    const bytes = base64ToBytes(wrapped.wrapped);
    const raw = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: utf8.encode(`dk:${documentId}`) },
        kek,
        bytes.subarray(IV_BYTES),
      ),
    );
    if (raw.length !== 32) throw new Error("not a 256-bit key");
    return raw;
  } catch {
    throw new DomainError("decryption_failed", "The document key could not be unwrapped");
  }
}

/**
 * A stored blob in its two parts: the header [version:1][iv:12], then [ciphertext+tag].
 * Large documents are streamed to R2 in these parts: joining 13 bytes to 20 MB would
 * copy the whole document once more, in a Worker that has 128 MB.
 */
export type EncryptedParts = { header: Uint8Array; body: Uint8Array; length: number };

export async function encryptDocumentParts(key: CryptoKey, documentId: string, plaintext: Uint8Array): Promise<EncryptedParts> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(`doc:${documentId}`) }, key, plaintext),
  );
  const header = concat(Uint8Array.of(FORMAT_VERSION), iv);
  return { header, body: ciphertext, length: header.length + ciphertext.length };
}

/** Blob layout: [version:1][iv:12][ciphertext+tag], as one array (small blobs and tests). */
export async function encryptDocument(key: CryptoKey, documentId: string, plaintext: Uint8Array): Promise<Uint8Array> {
  const { header, body } = await encryptDocumentParts(key, documentId, plaintext);
  return concat(header, body);
}

/** Decrypts a whole blob or fails: a tampered or foreign blob never yields partial bytes. */
export async function decryptDocument(key: CryptoKey, documentId: string, blob: Uint8Array): Promise<Uint8Array> {
  if (blob.length < 1 + IV_BYTES + 16 || blob[0] !== FORMAT_VERSION) {
    throw new DomainError("decryption_failed", "The stored document is not in a known format");
  }
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: blob.subarray(1, 1 + IV_BYTES), additionalData: utf8.encode(`doc:${documentId}`) },
      key,
      blob.subarray(1 + IV_BYTES),
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new DomainError("decryption_failed", "The stored document failed its integrity check");
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
