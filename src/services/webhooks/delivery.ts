/**
 * Webhook delivery from the queue. A `webhook_event` fans out into one `webhook_delivery`
 * per subscribed endpoint, each with a stable id derived from the event and the endpoint
 * (so a redelivered fan-out queues the same ids again, and they are sent once). A delivery
 * is signed per Standard Webhooks, posted without following redirects, with a 10 s timeout;
 * 2xx is success, anything else is logged and thrown so the queue retries with backoff;
 * the dead-letter consumer then records the delivery as failed.
 */
import { isLocalDevelopment } from "../../domain/deployment";
import { hashToken, newId } from "../../domain/encoding";
import type { WebhookDeliveryMessage, WebhookEventMessage } from "../../domain/messages";
import type { Env } from "../../env";
import { database, type Db } from "../../storage/db";
import type { Keyring } from "../../storage/document-crypto";
import {
  findWebhookEndpoint,
  hasWebhookOutcome,
  insertWebhookAttempt,
  listWebhookEndpoints,
  webhookAttemptCount,
  type WebhookAttemptRow,
} from "../../storage/webhooks";
import { keyring } from "../keyring";
import { signingSecrets } from "./endpoints";
import { webhookPayload } from "../../domain/webhook-events";
import { webhookHeaders } from "./signature";
import { checkEndpointUrl, EndpointRefused, type NetFetch } from "./url-guard";

export const DELIVERY_TIMEOUT_MS = 10_000;

/** A failed attempt: the queue retries the message. Carries no body or secret. */
export class WebhookAttemptFailed extends Error {}

/** The delivery id for one event at one endpoint: the same however often the event is fanned out. */
export function deliveryIdOf(eventMessageId: string, endpointId: string): string {
  return `msg_wh_${hashToken(`${eventMessageId}:${endpointId}`).slice(0, 40)}`;
}

/** Queues one delivery per endpoint of the organisation that subscribed to this event. */
export async function fanOutWebhookEvent(env: Pick<Env, "DB" | "NOTIFICATIONS">, message: WebhookEventMessage): Promise<number> {
  const endpoints = (await listWebhookEndpoints(database(env.DB), message.orgId)).filter((e) => e.events.split(" ").includes(message.event));
  if (endpoints.length === 0) return 0;
  const deliveries: WebhookDeliveryMessage[] = endpoints.map((e) => ({
    v: 1,
    id: deliveryIdOf(message.id, e.id),
    type: "webhook_delivery",
    orgId: message.orgId,
    endpointId: e.id,
    event: message.event,
    occurredAt: message.occurredAt,
    data: message.data,
  }));
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < deliveries.length; i += 100) {
    await env.NOTIFICATIONS.sendBatch(deliveries.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
  return deliveries.length;
}

export type DeliveryContext = { db: Db; keyring: () => Promise<Keyring>; localDevelopment: boolean; fetch: NetFetch; now?: () => number };

export function deliveryContext(env: Env, fetcher: NetFetch): DeliveryContext {
  return { db: database(env.DB), keyring: () => keyring(env), localDevelopment: isLocalDevelopment(env), fetch: fetcher };
}

/** One attempt at one delivery. Returns quietly if it already succeeded or the endpoint is gone. */
export async function deliverWebhook(ctx: DeliveryContext, message: WebhookDeliveryMessage): Promise<void> {
  const { db } = ctx;
  const clock = ctx.now ?? Date.now;
  const endpoint = await findWebhookEndpoint(db, message.orgId, message.endpointId);
  if (!endpoint) return; // deleted since: nothing to deliver to
  if (await hasWebhookOutcome(db, message.id, "succeeded")) return;
  const attempt = (await webhookAttemptCount(db, message.id)) + 1;
  const record = (row: Pick<WebhookAttemptRow, "outcome" | "httpStatus" | "error" | "durationMs">) =>
    insertWebhookAttempt(db, { id: newId("wha"), orgId: message.orgId, endpointId: endpoint.id, deliveryId: message.id, eventType: message.event, attempt, at: new Date(clock()).toISOString(), ...row });

  // Checked again now: a name that resolved to a public address at registration may not any more.
  try {
    await checkEndpointUrl(endpoint.url, ctx);
  } catch (error) {
    const reason = error instanceof EndpointRefused ? error.key.replace("webhooks.error.", "") : "url_check_failed";
    await record({ outcome: "retrying", httpStatus: null, error: `refused: ${reason}`, durationMs: null });
    throw new WebhookAttemptFailed(`endpoint refused (${reason})`);
  }

  const body = webhookPayload(message.event, message.occurredAt, message.data);
  const headers = await webhookHeaders(await signingSecrets(ctx, endpoint, clock()), message.id, Math.floor(clock() / 1000), body);
  const started = Date.now();
  let status: number;
  try {
    const res = await ctx.fetch(endpoint.url, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json", "User-Agent": "Pactly-Webhooks/1" },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    status = res.status;
    // The receiver's answer is not read beyond its status.
    await res.body?.cancel();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    await record({ outcome: "retrying", httpStatus: null, error: timedOut ? "timeout" : "network_error", durationMs: Date.now() - started });
    throw new WebhookAttemptFailed(timedOut ? "timeout" : "network error");
  }
  const durationMs = Date.now() - started;
  if (status >= 200 && status < 300) {
    await record({ outcome: "succeeded", httpStatus: status, error: null, durationMs });
    return;
  }
  // 3xx is a failure too: redirects are never followed (they could lead anywhere).
  await record({ outcome: "retrying", httpStatus: status, error: status >= 300 && status < 400 ? "redirect_not_followed" : null, durationMs });
  throw new WebhookAttemptFailed(`endpoint answered ${status}`);
}

/** After the last retry: the delivery is recorded as failed, once, unless it succeeded after all. */
export async function recordWebhookDeliveryFailed(db: Db, message: WebhookDeliveryMessage, now = Date.now()): Promise<void> {
  const endpoint = await findWebhookEndpoint(db, message.orgId, message.endpointId);
  if (!endpoint || (await hasWebhookOutcome(db, message.id, "succeeded")) || (await hasWebhookOutcome(db, message.id, "failed"))) return;
  await insertWebhookAttempt(db, {
    id: newId("wha"),
    orgId: message.orgId,
    endpointId: endpoint.id,
    deliveryId: message.id,
    eventType: message.event,
    attempt: await webhookAttemptCount(db, message.id),
    outcome: "failed",
    httpStatus: null,
    error: "retries_exhausted",
    durationMs: null,
    at: new Date(now).toISOString(),
  });
}
