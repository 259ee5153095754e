/**
 * The sender's "messages sent" panel: for each recipient of an envelope, which messages went
 * out and when, and which could not be delivered. Call it only with a state the sender owns
 * (envelopeForSender checked that); the query is scoped by organisation as well.
 */
import type { DeliveryPanel, DeliveryRow } from "../domain/deliveries";
import { canCorrectEmail, type EnvelopeState } from "../domain/envelope";
import type { Env } from "../env";
import { database } from "../storage/db";
import { envelopeDeliveries } from "../storage/outbox";

export async function deliveryPanel(env: Env, state: EnvelopeState): Promise<DeliveryPanel> {
  const { delivered, failed } = await envelopeDeliveries(database(env.DB), state.orgId, state.id);
  const rows: DeliveryRow[] = [
    ...delivered.map((d) => ({ id: d.messageId, recipientId: d.recipientId, kind: d.kind, channel: d.channel, to: d.toAddress, at: d.deliveredAt, failed: false })),
    ...failed.map((f) => ({ id: f.messageId, recipientId: f.recipientId, kind: f.kind, channel: f.channel, to: f.toAddress, at: f.failedAt, failed: true })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const recipients = [...state.recipients].sort((a, b) => a.order - b.order);
  // A failure stays open while the recipient still has that address and nothing reached them on that channel since.
  const open = rows.filter((row) => {
    if (!row.failed) return false;
    const r = recipients.find((x) => x.id === row.recipientId);
    if (!r || (row.channel === "sms" ? r.phone : r.email) !== row.to) return false;
    return !rows.some((later) => !later.failed && later.recipientId === row.recipientId && later.channel === row.channel && later.at > row.at);
  });
  return {
    recipients: recipients.map((r) => ({ id: r.id, name: r.name, correctable: canCorrectEmail(state, r) })),
    rows,
    openFailures: open.map((f) => f.id),
  };
}
