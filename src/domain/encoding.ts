/** The one home of the byte helpers (hex, base64, latin-1, SHA-256, tokens), shared by domain, storage, services and the PDF code. */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

export { bytesToHex, hexToBytes };

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Each byte as the character with that code (ISO 8859-1): how PDF syntax is read as text. */
export function bytesToLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  const stop = Math.min(end, bytes.length);
  for (let i = Math.max(0, start); i < stop; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** The reverse of `bytesToLatin1`: one byte per UTF-16 unit, its low eight bits. */
export function latin1ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function base64url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The reverse of `base64url`: URL-safe alphabet, padding optional. */
export function base64urlToBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return base64ToBytes(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** A random URL-safe token of 256 bits, for signing links, sessions and CSRF. */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** A random id with a readable prefix, e.g. env_3k9…; 128 bits. */
export function newId(prefix: string): string {
  return `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(16)))}`;
}

export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** SHA-256 (hex) of a string's UTF-8; synchronous so a Durable Object transaction and the hash chains can use it. */
export function sha256TextHex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** Tokens (signing links, sessions) are stored only as their SHA-256. */
export function hashToken(token: string): string {
  return sha256TextHex(token);
}
