/**
 * Queue messages: typed, versioned and validated on both ends. `id` is our own
 * message id, used for idempotent delivery (the queue may deliver twice).
 */
import { z } from "zod";

const common = { v: z.literal(1), id: z.string().min(8).max(100), orgId: z.string().min(1) };
const base = { ...common, envelopeId: z.string().min(1) };
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
  notice: z.enum(["password_changed", "email_change_requested"]),
  newEmail: z.email().optional(),
});

export const queueMessage = z.discriminatedUnion("type", [
  inviteMessage,
  finaliseMessage,
  completedMessage,
  declinedMessage,
  codeMessage,
  verifyEmailMessage,
  passwordResetMessage,
  accountNoticeMessage,
]);
export type QueueMessage = z.infer<typeof queueMessage>;
export type InviteMessage = z.infer<typeof inviteMessage>;
export type CodeMessage = z.infer<typeof codeMessage>;
export type AccountMessage = z.infer<typeof verifyEmailMessage> | z.infer<typeof passwordResetMessage> | z.infer<typeof accountNoticeMessage>;
