/**
 * The notifications queue consumer. Messages are validated by their zod schema;
 * delivery is idempotent by our own message id (the queue delivers at least once);
 * failures retry with backoff, then land in the dead-letter queue, whose consumer
 * records the failure for the sender to see. A provider's "never" (an invalid address)
 * is recorded at once instead of being retried.
 *
 * Finalisation jobs have a queue of their own, consumed by the PDF service
 * (jobs/finalisation.ts). One found here was queued before that split: it is passed on
 * to the finalisation queue, and one dead-lettered here still records the envelope's
 * `finalisation_failed`, which needs no PDF work.
 */
import { queueBody, type QueueBody, type WebhookDeliveryMessage, type WebhookEventMessage } from "../domain/messages";
import type { Env } from "../env";
import { recordFinalisationFailure } from "../services/record-finalisation-failure";
import { mailerFor } from "../services/mail/mailer";
import { ProviderError, type Fetcher } from "../services/mail/provider-error";
import { smsSenderFor } from "../services/sms/sms";
import { deliverWebhook, deliveryContext, fanOutWebhookEvent, recordWebhookDeliveryFailed } from "../services/webhooks/delivery";
import { database } from "../storage/db";
import { recordDelivery, recordDeliveryFailure, wasDelivered } from "../storage/outbox";
import { renderMessage, type DeliverableMessage } from "../../templates/emails/render";

import { DEAD_LETTER_QUEUE_SUFFIX, retryDelaySeconds } from "./retry";

export { DEAD_LETTER_QUEUE_SUFFIX, retryDelaySeconds };

/** What the consumer reaches the providers through; tests give a stand-in. */
export type DeliveryDeps = { fetch?: Fetcher };

export async function handleQueue(batch: MessageBatch<unknown>, env: Env, deps: DeliveryDeps = {}): Promise<void> {
  if (batch.queue.includes(DEAD_LETTER_QUEUE_SUFFIX)) return handleDeadLetters(batch, env);
  for (const msg of batch.messages) {
    const parsed = queueBody.safeParse(msg.body);
    if (!parsed.success) {
      // A message we cannot read will never succeed: log it (without its body) and drop it.
      console.error(JSON.stringify({ msg: "unreadable queue message dropped", queueMessageId: msg.id, issues: parsed.error.issues.length }));
      msg.ack();
      continue;
    }
    const message = parsed.data;
    try {
      await handleMessage(message, env, deps);
      msg.ack();
    } catch (error) {
      if (error instanceof ProviderError && error.permanent && message.type !== "finalise" && !isWebhookMessage(message)) {
        try {
          await recordFailure(env, message, "rejected", error.status);
          console.error(JSON.stringify({ msg: "message refused by the provider; not retried", id: message.id, type: message.type, error: error.message }));
          msg.ack();
          continue;
        } catch (recordError) {
          error = recordError;
        }
      }
      // Errors carry statuses and codes, never request bodies or keys.
      console.error(JSON.stringify({ msg: "queue message failed; will retry", id: message.id, type: message.type, attempts: msg.attempts, error: String(error) }));
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    }
  }
}

/** Messages whose retries ran out: record each failure once, so the sender sees it on the envelope. */
async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = database(env.DB);
  for (const msg of batch.messages) {
    const parsed = queueBody.safeParse(msg.body);
    const message = parsed.success ? parsed.data : null;
    console.error(JSON.stringify({ msg: "message could not be delivered", id: message?.id ?? msg.id, type: message?.type ?? "unknown", envelopeId: message && "envelopeId" in message ? message.envelopeId : null }));
    try {
      // A message whose send succeeded but whose record came late is not a failure.
      if (message?.type === "webhook_delivery") await recordWebhookDeliveryFailed(db, message);
      // The seal could not be made: the envelope says so, the sender is told, the cron retries later.
      else if (message?.type === "finalise") await recordFinalisationFailure(env, { envelopeId: message.envelopeId, queueMessageId: message.id });
      else if (message && !isWebhookMessage(message) && !(await wasDelivered(db, message.id))) await recordFailure(env, message, "retries_exhausted", null);
      msg.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "dead letter not recorded; will retry", id: message?.id ?? msg.id, error: String(error) }));
      msg.retry();
    }
  }
}

/** Delivers one message unless our own delivery record says it already went out. */
export async function handleMessage(message: QueueBody, env: Env, deps: DeliveryDeps = {}): Promise<void> {
  if (message.type === "webhook_event") return void (await fanOutWebhookEvent(env, message));
  if (message.type === "webhook_delivery") return deliverWebhook(deliveryContext(env, deps.fetch ?? fetch), message);
  if (message.type === "finalise") return void (await env.FINALISATION.send(message, { contentType: "json" }));
  const db = database(env.DB);
  if (await wasDelivered(db, message.id)) return;
  const rendered = renderMessage(message, { baseUrl: baseUrl(env), retentionDays: env.RETENTION_DAYS });
  const fetcher = deps.fetch ?? fetch;
  if (rendered.channel === "sms") {
    await smsSenderFor(env, fetcher).send({ id: message.id, orgId: message.orgId, to: message.to, text: rendered.text });
  } else {
    const { subject, html, text, link } = rendered;
    await mailerFor(env, fetcher).send({ id: message.id, orgId: message.orgId, to: message.to, subject, html, text, link });
  }
  await recordDelivery(db, { ...about(message), channel: rendered.channel, deliveredAt: new Date().toISOString() });
}

async function recordFailure(env: Env, message: DeliverableMessage, reason: "rejected" | "retries_exhausted", status: number | null): Promise<void> {
  await recordDeliveryFailure(database(env.DB), {
    ...about(message),
    channel: message.type === "code" ? message.channel : "email",
    reason,
    providerStatus: status === null ? null : String(status),
    failedAt: new Date().toISOString(),
  });
}

/** The columns shared by delivery and failure records. */
function about(message: DeliverableMessage) {
  return {
    messageId: message.id,
    orgId: message.orgId,
    // Account mails (verification, reset, notices) belong to no envelope.
    envelopeId: "envelopeId" in message ? message.envelopeId : "",
    kind: message.type === "invite" && message.reminder ? "reminder" : message.type,
    recipientId: "recipientId" in message ? message.recipientId : null,
    toAddress: message.to,
  };
}

/** Webhook messages are not notifications: no renderer, no delivery record of their own here. */
function isWebhookMessage(message: QueueBody): message is WebhookEventMessage | WebhookDeliveryMessage {
  return message.type === "webhook_event" || message.type === "webhook_delivery";
}

function baseUrl(env: Env): string {
  return (env.APP_URL ?? "http://localhost:8787").replace(/\/$/, "");
}
