import type { Env } from "../env";
import { loadKeyring, type Keyring } from "../storage/document-crypto";

let cached: { source: string; keyring: Promise<Keyring> } | null = null;

/** The key-encryption keys, imported once per isolate. */
export function keyring(env: Pick<Env, "KEK_KEYS" | "KEK_CURRENT_ID">): Promise<Keyring> {
  const source = `${env.KEK_CURRENT_ID}:${env.KEK_KEYS}`;
  if (!cached || cached.source !== source) cached = { source, keyring: loadKeyring(env.KEK_KEYS, env.KEK_CURRENT_ID) };
  return cached.keyring;
}
