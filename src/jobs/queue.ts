/**
 * The notifications queue consumer. Messages are validated by their zod schema;
 * delivery is idempotent by our own message id (the queue delivers at least once);
 * failures retry with backoff, then land in the dead-letter queue.
 */
import { queueMessage, type QueueMessage } from "../domain/messages";
import type { Env } from "../env";
import { translator } from "../i18n";
import { finaliseEnvelope } from "../services/finalise-envelope";
import { mailerFor, type Email } from "../services/mail/mailer";
import { database } from "../storage/db";
import { recordDelivery, wasDelivered } from "../storage/outbox";

export const DEAD_LETTER_QUEUE_SUFFIX = "-dlq";

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue.includes(DEAD_LETTER_QUEUE_SUFFIX)) return handleDeadLetters(batch);
  for (const msg of batch.messages) {
    const parsed = queueMessage.safeParse(msg.body);
    if (!parsed.success) {
      // A message we cannot read will never succeed: log it (without its body) and drop it.
      console.error(JSON.stringify({ msg: "unreadable queue message dropped", queueMessageId: msg.id, issues: parsed.error.issues.length }));
      msg.ack();
      continue;
    }
    try {
      await handleMessage(parsed.data, env);
      msg.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "queue message failed; will retry", id: parsed.data.id, type: parsed.data.type, attempts: msg.attempts, error: String(error) }));
      msg.retry({ delaySeconds: Math.min(600, 5 * 2 ** Math.max(0, msg.attempts - 1)) });
    }
  }
}

function handleDeadLetters(batch: MessageBatch<unknown>): void {
  for (const msg of batch.messages) {
    const parsed = queueMessage.safeParse(msg.body);
    console.error(JSON.stringify({ msg: "message could not be delivered", id: parsed.success ? parsed.data.id : msg.id, type: parsed.success ? parsed.data.type : "unknown", envelopeId: parsed.success && "envelopeId" in parsed.data ? parsed.data.envelopeId : null }));
    msg.ack();
  }
}

export async function handleMessage(message: QueueMessage, env: Env): Promise<void> {
  if (message.type === "finalise") return finaliseEnvelope(env, message.envelopeId);
  const db = database(env.DB);
  if (await wasDelivered(db, message.id)) return;
  await mailerFor(env).send(renderEmail(message, env));
  await recordDelivery(db, {
    messageId: message.id,
    orgId: message.orgId,
    // Account mails (verification, reset, notices) belong to no envelope.
    envelopeId: "envelopeId" in message ? message.envelopeId : "",
    kind: message.type,
    recipientId: "recipientId" in message ? message.recipientId : null,
    channel: "email",
    deliveredAt: new Date().toISOString(),
  });
}

function baseUrl(env: Env): string {
  return (env.APP_URL ?? "http://localhost:8787").replace(/\/$/, "");
}

/** Plain-text email in the recipient's language. */
export function renderEmail(message: Exclude<QueueMessage, { type: "finalise" }>, env: Env): Email {
  const t = translator(message.locale);
  const base = { id: message.id, orgId: message.orgId, to: message.to };
  switch (message.type) {
    case "invite": {
      const link = `${baseUrl(env)}/s/${message.token}`;
      return {
        ...base,
        subject: t(message.reminder ? "builder.mail.reminder.subject" : "mail.invite.subject", { sender: message.senderName, title: message.title }),
        text: t("mail.invite.body", { name: message.name, sender: message.senderName, title: message.title, message: message.message ? `${message.message}\n\n` : "", link }),
        link,
      };
    }
    case "completed": {
      const link = `${baseUrl(env)}/s/${message.token}`;
      return {
        ...base,
        subject: t("mail.completed.subject", { title: message.title }),
        text: t("mail.completed.body", { name: message.name, title: message.title, link, days: env.RETENTION_DAYS }),
        link,
      };
    }
    case "declined": {
      const link = `${baseUrl(env)}/envelopes/${message.envelopeId}`;
      return {
        ...base,
        subject: t("mail.declined.subject", { title: message.title }),
        text: t("mail.declined.body", { name: message.declinedByName, title: message.title, reason: message.reason, link }),
        link,
      };
    }
    case "verify_email": {
      const link = `${baseUrl(env)}/email/verify/${message.token}`;
      const signup = message.purpose === "signup";
      return {
        ...base,
        subject: t(signup ? "mail.verifyEmail.signup.subject" : "mail.verifyEmail.change.subject"),
        text: t(signup ? "mail.verifyEmail.signup.body" : "mail.verifyEmail.change.body", { name: message.name, email: message.to, link }),
        link,
      };
    }
    case "password_reset": {
      const link = `${baseUrl(env)}/password/reset/${message.token}`;
      return { ...base, subject: t("mail.passwordReset.subject"), text: t("mail.passwordReset.body", { name: message.name, link }), link };
    }
    case "account_notice": {
      const link = `${baseUrl(env)}/password/forgot`;
      const changed = message.notice === "password_changed";
      return {
        ...base,
        subject: t(changed ? "mail.notice.passwordChanged.subject" : "mail.notice.emailChange.subject"),
        text: t(changed ? "mail.notice.passwordChanged.body" : "mail.notice.emailChange.body", { name: message.name, email: message.newEmail ?? "", link }),
        link,
      };
    }
  }
}
