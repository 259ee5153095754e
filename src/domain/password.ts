/**
 * Password hashing with argon2id at OWASP's minimum (m=19 MiB, t=2, p=1) through
 * pure-JS @noble/hashes: production Workers refuse PBKDF2 above 100,000 iterations
 * and WASM compiled at run time (see platform.md). The stored form is the PHC string,
 * so parameters can rise later and old hashes rehash on login.
 */
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { base64ToBytes, bytesToBase64 } from "./encoding";

export type PasswordParams = { m: number; t: number; p: number; dkLen: number };
export const passwordParams: Readonly<PasswordParams> = { m: 19_456, t: 2, p: 1, dkLen: 32 };

const b64 = (bytes: Uint8Array) => bytesToBase64(bytes).replace(/=+$/, "");

/**
 * Each hash holds about 19 MiB while it runs and async hashes overlap; a Worker isolate
 * has 128 MB for every request it serves. At most two run at once per isolate.
 */
const MAX_CONCURRENT_HASHES = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export async function hashPassword(password: string, params: Readonly<PasswordParams> = passwordParams): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await limited(() => argon2idAsync(password, salt, params));
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

type Parsed = { m: number; t: number; p: number; salt: Uint8Array; hash: Uint8Array };

function parse(stored: string): Parsed | null {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (!match) return null;
  const pad = (s: string) => s + "=".repeat((4 - (s.length % 4)) % 4);
  return {
    m: Number(match[1]),
    t: Number(match[2]),
    p: Number(match[3]),
    salt: base64ToBytes(pad(match[4]!)),
    hash: base64ToBytes(pad(match[5]!)),
  };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const candidate = await limited(() =>
    argon2idAsync(password, parsed.salt, { m: parsed.m, t: parsed.t, p: parsed.p, dkLen: parsed.hash.length }),
  );
  let diff = candidate.length ^ parsed.hash.length;
  for (let i = 0; i < candidate.length; i++) diff |= candidate[i]! ^ (parsed.hash[i] ?? 0);
  return diff === 0;
}

/** True when a stored hash uses weaker parameters than today's, so login should rehash it. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.m < passwordParams.m || parsed.t < passwordParams.t;
}

/**
 * Verifying against an unknown account still costs one hash, so response time does
 * not reveal which emails have accounts.
 */
export const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
