/**
 * Queue messages: typed, versioned and validated on both ends. `id` is our own
 * message id, used for idempotent delivery (the queue may deliver twice).
 */
import { z } from "zod";
import { locales } from "../i18n/locales";
import { finalisationFailureReasons } from "./envelope";

const common = { v: z.literal(1), id: z.string().min(8).max(100), orgId: z.string().min(1) };
const base = { ...common, envelopeId: z.string().min(1) };
const locale = z.enum(locales);

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
  /** A reminder of an invitation already sent (optional: older messages have none). */
  reminder: z.boolean().optional(),
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
  /** When the signed PDF is deleted (ISO) and the zone to show it in (optional: older messages have none). */
  availableUntil: z.iso.datetime().optional(),
  timeZone: z.string().min(1).optional(),
});

/** Signing ends soon: to a signer who has not signed, with a fresh link. */
export const expiryWarningMessage = z.object({
  ...base,
  type: z.literal("expiry_warning"),
  recipientId: z.string(),
  to: z.email(),
  name: z.string(),
  locale,
  title: z.string(),
  senderName: z.string(),
  /** When signing ends (ISO), shown in the envelope's time zone. */
  expiresAt: z.iso.datetime(),
  timeZone: z.string().min(1),
  token: z.string().min(22),
});

/** The sender cancelled: to a signer who had been invited, with the sender's reason. */
export const cancelledMessage = z.object({
  ...base,
  type: z.literal("cancelled"),
  recipientId: z.string(),
  to: z.email(),
  name: z.string(),
  locale,
  title: z.string(),
  senderName: z.string(),
  reason: z.string(),
});

/** To the sender, seven days before an ended envelope's documents are deleted. */
export const deletionWarningMessage = z.object({
  ...base,
  type: z.literal("deletion_warning"),
  to: z.email(),
  name: z.string(),
  locale,
  title: z.string(),
  /** Whether the signed PDF (completed) or an unsigned envelope is deleted: the wording differs. */
  completed: z.boolean(),
  deletesAt: z.iso.datetime(),
  /** Whole days from queuing to the deletion, as the email states them. */
  daysLeft: z.number().int().nonnegative(),
  timeZone: z.string().min(1),
});

/** To the sender: the signatures are collected but the signed PDF could not be made, and why (a category). */
export const finalisationFailedMessage = z.object({
  ...base,
  type: z.literal("finalisation_failed"),
  to: z.email(),
  name: z.string(),
  locale,
  title: z.string(),
  reason: z.enum(finalisationFailureReasons),
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

/**
 * A one-time identification code for a signer, by email or SMS. The code exists only here
 * and in the delivered message; the envelope keeps a salted hash of it.
 */
export const codeMessage = z.object({
  ...base,
  type: z.literal("code"),
  recipientId: z.string(),
  channel: z.enum(["email", "sms"]),
  /** An email address, or an E.164 phone number for SMS. */
  to: z.union([z.email(), z.string().regex(/^\+[1-9]\d{6,14}$/)]),
  locale,
  code: z.string().regex(/^\d{6}$/),
  expiresInMinutes: z.number().int().positive(),
  title: z.string(),
});

/** Account mails concern a user, not an envelope: sent to `to` in the user's language. */
const accountBase = { ...common, userId: z.string().min(1), to: z.email(), name: z.string(), locale };

/** A single-use link that confirms an address: at sign-up, or the new address of an email change. */
export const verifyEmailMessage = z.object({
  ...accountBase,
  type: z.literal("verify_email"),
  purpose: z.enum(["signup", "change"]),
  /** The link's token: it exists only here and in the email; storage holds its hash. */
  token: z.string().min(22),
});

export const passwordResetMessage = z.object({ ...accountBase, type: z.literal("password_reset"), token: z.string().min(22) });

/** Tells the account's (old) address that something security-relevant happened. */
export const accountNoticeMessage = z.object({
  ...accountBase,
  type: z.literal("account_notice"),
  notice: z.enum(["password_changed", "email_change_requested", "account_deleted"]),
  newEmail: z.email().optional(),
});

/** An invitation to join an organisation, sent to an address that may not have an account yet. */
export const orgInviteMessage = z.object({
  ...common,
  type: z.literal("org_invite"),
  to: z.email(),
  locale,
  orgName: z.string(),
  inviterName: z.string(),
  role: z.enum(["admin", "manager", "user"]),
  /** The invitation link's token: it exists only here and in the email; storage holds its hash. */
  token: z.string().min(22),
});

export const queueMessage = z.discriminatedUnion("type", [
  inviteMessage,
  finaliseMessage,
  completedMessage,
  declinedMessage,
  codeMessage,
  expiryWarningMessage,
  cancelledMessage,
  deletionWarningMessage,
  finalisationFailedMessage,
  verifyEmailMessage,
  passwordResetMessage,
  accountNoticeMessage,
  orgInviteMessage,
]);
export type QueueMessage = z.infer<typeof queueMessage>;

/** The events an organisation can subscribe a webhook endpoint to. */
export const webhookEventTypes = [
  "envelope.sent",
  "envelope.viewed",
  "recipient.signed",
  "envelope.declined",
  "envelope.completed",
  "envelope.finalisation_failed",
  "envelope.expired",
  "envelope.cancelled",
  "document.deleted",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** What a webhook payload may say: ids and statuses, never document contents, names, tokens or IPs. */
const webhookData = z.object({
  envelopeId: z.string().min(1),
  recipientId: z.string().min(1).optional(),
  status: z.string().min(1),
  recipientStatus: z.string().min(1).optional(),
  /** envelope.finalisation_failed: why, as a category (document_unreadable, seal_unavailable, ...). */
  reason: z.string().min(1).optional(),
});

/** An envelope event worth a webhook, written to the envelope's outbox with the event itself; fanned out per endpoint. */
export const webhookEventMessage = z.object({
  ...base,
  type: z.literal("webhook_event"),
  event: z.enum(webhookEventTypes),
  occurredAt: z.string(),
  data: webhookData,
});

/** One event for one endpoint. `id` is the webhook-id header: the same on every retry. */
export const webhookDeliveryMessage = z.object({
  ...common,
  type: z.literal("webhook_delivery"),
  endpointId: z.string().min(1),
  event: z.enum(webhookEventTypes),
  occurredAt: z.string(),
  data: webhookData,
});

/**
 * Everything the queue carries. Webhook messages are not emails, so they stay out of
 * `QueueMessage`, the union the email renderer must give words to.
 */
export const queueBody = z.discriminatedUnion("type", [...queueMessage.options, webhookEventMessage, webhookDeliveryMessage]);
export type QueueBody = z.infer<typeof queueBody>;
export type WebhookEventMessage = z.infer<typeof webhookEventMessage>;
export type WebhookDeliveryMessage = z.infer<typeof webhookDeliveryMessage>;
export type InviteMessage = z.infer<typeof inviteMessage>;
export type CodeMessage = z.infer<typeof codeMessage>;
export type AccountMessage = z.infer<typeof verifyEmailMessage> | z.infer<typeof passwordResetMessage> | z.infer<typeof accountNoticeMessage>;
export type OrgInviteMessage = z.infer<typeof orgInviteMessage>;
