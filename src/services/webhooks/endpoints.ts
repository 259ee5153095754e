/**
 * Registering webhook endpoints: who may, what is checked (the SSRF guard), and the
 * secret, which is shown once and stored only encrypted (a KEK-wrapped data key, like
 * documents), because every delivery must be signed with it.
 */
import { z } from "zod";
import { base64ToBytes, bytesToBase64, newId } from "../../domain/encoding";
import { DomainError } from "../../domain/errors";
import { can } from "../../domain/permissions";
import { webhookEventTypes, type WebhookEventType } from "../../domain/messages";
import type { WebhookEndpointSummary } from "../../domain/webhook-endpoints";
import { membershipRole } from "../../storage/api-keys";
import type { Db } from "../../storage/db";
import { decryptDocument, encryptDocument, newDataKey, rewrapDataKey, unwrapDataKey, type Keyring } from "../../storage/document-crypto";
import {
  deleteWebhookEndpoint,
  dropPreviousWebhookSecret,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookAttempts,
  listWebhookEndpoints,
  replaceWebhookSecret,
  replaceWebhookWrappedKeys,
  staleWebhookKeys,
  type WebhookAttemptRow,
  type WebhookEndpointRow,
} from "../../storage/webhooks";
import type { SessionUser } from "../accounts";
import { newWebhookSecret } from "./signature";
import { checkEndpointUrl, type NetFetch } from "./url-guard";

/** After a rotation, deliveries carry the old signature too for this long. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

const asList = (value: unknown) => (value === undefined || value === "" ? [] : Array.isArray(value) ? value : [value]);

export const webhookCreateSchema = z.object({
  url: z.string({ error: "webhooks.error.url" }).trim().min(1, "webhooks.error.url").max(2000, "webhooks.error.urlLong"),
  description: z.string().trim().max(200, "webhooks.error.descriptionLong").default(""),
  events: z.preprocess(asList, z.array(z.enum(webhookEventTypes, "webhooks.error.events")).min(1, "webhooks.error.events")),
});
export type WebhookCreateInput = z.infer<typeof webhookCreateSchema>;

/** Who may register, see and delete an organisation's webhooks: the permission matrix decides (domain/permissions). */
export async function canManageWebhooks(db: Db, user: SessionUser): Promise<boolean> {
  return can(await membershipRole(db, user.orgId, user.id), "webhooks.manage");
}

async function requireManager(db: Db, user: SessionUser): Promise<void> {
  if (!(await canManageWebhooks(db, user))) throw new DomainError("forbidden", "Only organisation admins manage webhooks");
}

export type WebhookDeps = { db: Db; keyring: () => Promise<Keyring>; localDevelopment: boolean; fetch: NetFetch };

function summary(row: WebhookEndpointRow, now = Date.now()): WebhookEndpointSummary {
  const overlap = row.previousExpiresAt && Date.parse(row.previousExpiresAt) > now ? row.previousExpiresAt : null;
  return { id: row.id, url: row.url, description: row.description, createdAt: row.createdAt, rotatedAt: row.rotatedAt, previousExpiresAt: overlap, events: parseEvents(row.events) };
}

function parseEvents(text: string): WebhookEventType[] {
  return webhookEventTypes.filter((e) => text.split(" ").includes(e));
}

/** The data key is bound to the endpoint, so a secret cannot be moved to another endpoint's row. */
const binding = (endpointId: string) => `webhook:${endpointId}`;

async function sealSecret(keyring: Keyring, endpointId: string, secret: string) {
  const { key, wrapped } = await newDataKey(keyring, binding(endpointId));
  const ciphertext = await encryptDocument(key, binding(endpointId), new TextEncoder().encode(secret));
  return { kekId: wrapped.kekId, wrappedKey: wrapped.wrapped, secretCiphertext: bytesToBase64(ciphertext) };
}

async function openSecret(keyring: Keyring, endpointId: string, sealed: { kekId: string; wrappedKey: string; secretCiphertext: string }): Promise<string> {
  const key = await unwrapDataKey(keyring, binding(endpointId), { kekId: sealed.kekId, wrapped: sealed.wrappedKey });
  return new TextDecoder().decode(await decryptDocument(key, binding(endpointId), base64ToBytes(sealed.secretCiphertext)));
}

/** Registers an endpoint and returns its secret: the only time anyone sees it. */
export async function createWebhookEndpoint(deps: WebhookDeps, user: SessionUser, input: WebhookCreateInput): Promise<{ secret: string; endpoint: WebhookEndpointSummary }> {
  await requireManager(deps.db, user);
  const url = await checkEndpointUrl(input.url, deps);
  const id = newId("whe");
  const secret = newWebhookSecret();
  const row: WebhookEndpointRow = {
    id,
    orgId: user.orgId,
    createdBy: user.id,
    url,
    description: input.description,
    events: webhookEventTypes.filter((e) => input.events.includes(e)).join(" "),
    ...(await sealSecret(await deps.keyring(), id, secret)),
    previousKekId: null,
    previousWrappedKey: null,
    previousSecretCiphertext: null,
    previousExpiresAt: null,
    createdAt: new Date().toISOString(),
    rotatedAt: null,
  };
  await insertWebhookEndpoint(deps.db, row);
  return { secret, endpoint: summary(row) };
}

export async function webhookEndpointsOf(db: Db, user: SessionUser): Promise<WebhookEndpointSummary[]> {
  await requireManager(db, user);
  return (await listWebhookEndpoints(db, user.orgId)).map((r) => summary(r));
}

/** An endpoint of this organisation with its recent log; another organisation's id is "not found". */
export async function webhookEndpointOf(db: Db, user: SessionUser, id: string): Promise<{ endpoint: WebhookEndpointSummary; attempts: WebhookAttemptRow[] }> {
  await requireManager(db, user);
  const row = await findWebhookEndpoint(db, user.orgId, id);
  if (!row) throw new DomainError("not_found", "No such webhook endpoint");
  return { endpoint: summary(row), attempts: await listWebhookAttempts(db, user.orgId, id) };
}

export async function deleteWebhook(db: Db, user: SessionUser, id: string): Promise<void> {
  await webhookEndpointOf(db, user, id);
  await deleteWebhookEndpoint(db, user.orgId, id);
}

/**
 * Issues a new secret. For ROTATION_OVERLAP_MS deliveries are signed with both, so the
 * receiver can switch without losing any; then the old one is dropped. Rotating again
 * during an overlap keeps only the secret being replaced as the old one.
 */
export async function rotateWebhookSecret(deps: Pick<WebhookDeps, "db" | "keyring">, user: SessionUser, id: string, now = Date.now()): Promise<{ secret: string; endpoint: WebhookEndpointSummary }> {
  await requireManager(deps.db, user);
  const row = await findWebhookEndpoint(deps.db, user.orgId, id);
  if (!row) throw new DomainError("not_found", "No such webhook endpoint");
  const secret = newWebhookSecret();
  const fresh = await sealSecret(await deps.keyring(), id, secret);
  const change = {
    ...fresh,
    previousKekId: row.kekId,
    previousWrappedKey: row.wrappedKey,
    previousSecretCiphertext: row.secretCiphertext,
    previousExpiresAt: new Date(now + ROTATION_OVERLAP_MS).toISOString(),
    rotatedAt: new Date(now).toISOString(),
  };
  await replaceWebhookSecret(deps.db, user.orgId, id, change);
  return { secret, endpoint: summary({ ...row, ...change }, now) };
}

/** The secrets a delivery is signed with now: the current one, and the old one during an overlap. */
export async function signingSecrets(deps: Pick<WebhookDeps, "db" | "keyring">, row: WebhookEndpointRow, now = Date.now()): Promise<string[]> {
  const keyring = await deps.keyring();
  const secrets = [await openSecret(keyring, row.id, row)];
  if (row.previousKekId && row.previousWrappedKey && row.previousSecretCiphertext && row.previousExpiresAt) {
    if (Date.parse(row.previousExpiresAt) > now) {
      secrets.push(await openSecret(keyring, row.id, { kekId: row.previousKekId, wrappedKey: row.previousWrappedKey, secretCiphertext: row.previousSecretCiphertext }));
    } else {
      await dropPreviousWebhookSecret(deps.db, row.orgId, row.id);
    }
  }
  return secrets;
}

/**
 * Rewraps the data keys of webhook secrets still wrapped by an old KEK, like
 * rewrapDataKeys does for documents; the secrets' ciphertexts stay the same. An old KEK
 * may leave KEK_KEYS only once this reports nothing remaining.
 */
export async function rewrapWebhookKeys(deps: Pick<WebhookDeps, "db" | "keyring">, { limit }: { limit: number }): Promise<{ rewrapped: number; failed: number }> {
  const ring = await deps.keyring();
  let rewrapped = 0;
  let failed = 0;
  let after = "";
  while (rewrapped + failed < limit) {
    const rows = await staleWebhookKeys(deps.db, ring.currentId, after, Math.min(50, limit - rewrapped - failed));
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      try {
        const current = await rewrapDataKey(ring, binding(row.id), { kekId: row.kekId, wrapped: row.wrappedKey });
        const previous = row.previousKekId && row.previousWrappedKey ? await rewrapDataKey(ring, binding(row.id), { kekId: row.previousKekId, wrapped: row.previousWrappedKey }) : null;
        await replaceWebhookWrappedKeys(deps.db, row, {
          kekId: current.kekId,
          wrappedKey: current.wrapped,
          previousKekId: previous?.kekId ?? row.previousKekId,
          previousWrappedKey: previous?.wrapped ?? row.previousWrappedKey,
        });
        rewrapped += 1;
      } catch {
        failed += 1; // its KEK is missing or the row is damaged: left as it is, reported
      }
    }
  }
  return { rewrapped, failed };
}
