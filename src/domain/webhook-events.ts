/**
 * Which envelope events become webhooks, and what their payload says. Pure: the Envelope
 * object calls it inside the transaction that chains the events, so a webhook is queued
 * exactly when (and only if) its event is recorded.
 */
import type { EnvelopeState } from "./envelope";
import type { ChainedEvent } from "./event-chain";
import { newId } from "./encoding";
import type { WebhookEventMessage, WebhookEventType } from "./messages";

/** recipient_opened is the signer's first real open (never the link's GET), once per signer. */
const webhookTypeOf: Partial<Record<ChainedEvent["type"], WebhookEventType>> = {
  envelope_sent: "envelope.sent",
  recipient_opened: "envelope.viewed",
  recipient_signed: "recipient.signed",
  envelope_declined: "envelope.declined",
  envelope_completed: "envelope.completed",
  envelope_finalisation_failed: "envelope.finalisation_failed",
  envelope_expired: "envelope.expired",
  envelope_cancelled: "envelope.cancelled",
  envelope_purged: "document.deleted",
};

/** One `webhook_event` message per webhook-relevant event: ids and statuses only. */
export function webhookEventMessages(state: EnvelopeState, events: ChainedEvent[]): WebhookEventMessage[] {
  const out: WebhookEventMessage[] = [];
  for (const e of events) {
    const type = webhookTypeOf[e.type];
    if (!type) continue;
    const recipient = e.recipientId ? state.recipients.find((r) => r.id === e.recipientId) : undefined;
    out.push({
      v: 1,
      id: newId("msg"),
      type: "webhook_event",
      orgId: state.orgId,
      envelopeId: state.id,
      event: type,
      occurredAt: e.at,
      data: {
        envelopeId: state.id,
        status: state.status,
        ...(e.recipientId ? { recipientId: e.recipientId } : {}),
        ...(recipient ? { recipientStatus: recipient.status } : {}),
        // A category from the state machine's list, never an error message.
        ...(type === "envelope.finalisation_failed" && typeof e.data.reason === "string" ? { reason: e.data.reason } : {}),
      },
    });
  }
  return out;
}

/** The JSON body receivers get: { type, timestamp, data }. */
export function webhookPayload(event: WebhookEventType, occurredAt: string, data: WebhookEventMessage["data"]): string {
  return JSON.stringify({ type: event, timestamp: occurredAt, data });
}
