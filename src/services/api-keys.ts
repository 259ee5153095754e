/**
 * API keys: created on the settings page, shown once, stored as the SHA-256 of the
 * whole key, found by that hash on every API request. A key acts for the person who
 * created it, inside the organisation it was created in.
 */
import { z } from "zod";
import { apiScopes, type ApiKeySummary, type ApiScope } from "../domain/api-keys";
import { bytesToHex, hashToken, newId, randomToken } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import { can } from "../domain/permissions";
import type { Locale } from "../i18n";
import type { Db } from "../storage/db";
import {
  type ApiKeyRow,
  findApiKey,
  findLiveApiKeyByHash,
  insertApiKey,
  listApiKeys,
  membershipRole,
  revokeApiKey,
  touchApiKey,
} from "../storage/api-keys";
import type { SessionUser } from "./accounts";

/** A checkbox group arrives as a string (one box) or an array (several). */
const asList = (value: unknown) => (value === undefined || value === "" ? [] : Array.isArray(value) ? value : [value]);

export const apiKeyCreateSchema = z.object({
  name: z.string({ error: "apiKeys.error.name" }).trim().min(1, "apiKeys.error.name").max(100, "apiKeys.error.nameLong"),
  scopes: z.preprocess(asList, z.array(z.enum(apiScopes, "apiKeys.error.scopes")).min(1, "apiKeys.error.scopes")),
});
export type ApiKeyCreateInput = z.infer<typeof apiKeyCreateSchema>;

/** Who may create, see and revoke an organisation's keys: the permission matrix decides (domain/permissions). */
export async function canManageApiKeys(db: Db, user: SessionUser): Promise<boolean> {
  return can(await membershipRole(db, user.orgId, user.id), "apikeys.manage");
}

async function requireManager(db: Db, user: SessionUser): Promise<void> {
  if (!(await canManageApiKeys(db, user))) throw new DomainError("forbidden", "Only organisation admins manage API keys");
}

/** The label in a key tells people which deployment it belongs to: live keys work only in production. */
export function keyLabel(environment: string): string {
  return environment === "production" ? "live" : environment === "staging" ? "staging" : "dev";
}

const KEY_PATTERN = /^pk_(?:live|staging|dev)_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

/** `pk_live_1a2b3c4d_<256 random bits>`: the first part is shown in lists, the rest is secret. */
function newKey(environment: string): { key: string; prefix: string } {
  const visible = bytesToHex(crypto.getRandomValues(new Uint8Array(4)));
  const prefix = `pk_${keyLabel(environment)}_${visible}`;
  return { key: `${prefix}_${randomToken()}`, prefix };
}

function summary(row: ApiKeyRow): ApiKeySummary {
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt, scopes: parseScopes(row.scopes) };
}

function parseScopes(text: string): ApiScope[] {
  return apiScopes.filter((s) => text.split(" ").includes(s));
}

/** Creates a key and returns it in full: the only time anyone sees it. */
export async function createApiKey(
  db: Db,
  user: SessionUser,
  input: ApiKeyCreateInput,
  environment: string,
): Promise<{ key: string; summary: ApiKeySummary }> {
  await requireManager(db, user);
  const { key, prefix } = newKey(environment);
  const row: ApiKeyRow = {
    id: newId("key"),
    orgId: user.orgId,
    createdBy: user.id,
    name: input.name,
    prefix,
    keyHash: hashToken(key),
    scopes: apiScopes.filter((s) => input.scopes.includes(s)).join(" "),
    createdAt: new Date().toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await insertApiKey(db, row);
  return { key, summary: summary(row) };
}

export async function apiKeysOf(db: Db, user: SessionUser): Promise<ApiKeySummary[]> {
  await requireManager(db, user);
  return (await listApiKeys(db, user.orgId)).map(summary);
}

/** A key of this organisation; another organisation's key id is "not found". */
export async function apiKeyOf(db: Db, user: SessionUser, id: string): Promise<ApiKeySummary> {
  await requireManager(db, user);
  const row = await findApiKey(db, user.orgId, id);
  if (!row) throw new DomainError("not_found", "No such API key");
  return summary(row);
}

/** Revoking twice is harmless; a foreign or unknown id is "not found". */
export async function revokeKey(db: Db, user: SessionUser, id: string): Promise<void> {
  await apiKeyOf(db, user, id);
  await revokeApiKey(db, user.orgId, id, new Date().toISOString());
}

/** What an API request is allowed to do, and for whom. */
export type ApiPrincipal = { keyId: string; scopes: ApiScope[]; user: SessionUser };

/** last_used_at moves at most once a minute, so a busy client does not cost a D1 write per request. */
const TOUCH_EVERY_MS = 60_000;

/** The principal behind a bearer key, or null for a malformed, unknown or revoked key. */
export async function authenticateApiKey(db: Db, key: string, now = Date.now()): Promise<ApiPrincipal | null> {
  // The shape check is free and keeps garbage away from the database.
  if (!KEY_PATTERN.test(key)) return null;
  const found = await findLiveApiKeyByHash(db, hashToken(key));
  if (!found) return null;
  const lastUsed = found.key.lastUsedAt ? Date.parse(found.key.lastUsedAt) : 0;
  // A key acts with its creator's current role; one who left the organisation takes the key's power along.
  const role = await membershipRole(db, found.key.orgId, found.user.id);
  if (!role) return null;
  if (now - lastUsed >= TOUCH_EVERY_MS) await touchApiKey(db, found.key.id, new Date(now).toISOString());
  return {
    keyId: found.key.id,
    scopes: parseScopes(found.key.scopes),
    user: {
      id: found.user.id,
      name: found.user.name,
      email: found.user.email,
      orgId: found.key.orgId,
      role,
      sessionId: `api:${found.key.id}`,
      locale: found.user.locale as Locale,
      emailVerified: found.user.emailVerifiedAt !== null,
    },
  };
}
