/**
 * Queue messages: typed, versioned and validated on both ends. `id` is our own
 * message id, used for idempotent delivery (the queue may deliver twice).
 */
import { z } from "zod";

const base = { v: z.literal(1), id: z.string().min(8).max(100), envelopeId: z.string().min(1), orgId: z.string().min(1) };
const locale = z.enum(["en", "nb"]);

export const inviteMessage = z.object({
  ...base,
  type: z.literal("invite"),
  recipientId: z.string(),
  to: z.email(),
  name: z.string(),
  locale,
  title: z.string(),
  senderName: z.string(),
  message: z.string(),
  /** The signing-link token: it exists only here and in the email, never in storage. */
  token: z.string().min(22),
});

export const finaliseMessage = z.object({ ...base, type: z.literal("finalise") });

export const completedMessage = z.object({
  ...base,
  type: z.literal("completed"),
  recipientId: z.string(),
  to: z.email(),
  name: z.string(),
  locale,
  title: z.string(),
  /** A fresh link that leads to the signed copy for the availability window. */
  token: z.string().min(22),
});

export const declinedMessage = z.object({
  ...base,
  type: z.literal("declined"),
  to: z.email(),
  locale,
  title: z.string(),
  declinedByName: z.string(),
  reason: z.string(),
});

export const queueMessage = z.discriminatedUnion("type", [inviteMessage, finaliseMessage, completedMessage, declinedMessage]);
export type QueueMessage = z.infer<typeof queueMessage>;
export type InviteMessage = z.infer<typeof inviteMessage>;
