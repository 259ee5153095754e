/**
 * Outgoing email behind one small interface. A configured provider (Resend) sends it;
 * with none, local development keeps it in the development outbox (/dev/outbox), and any
 * other environment refuses with a configuration error rather than dropping it.
 */
import { isLocalDevelopment } from "../../domain/deployment";
import type { Env } from "../../env";
import { database } from "../../storage/db";
import { insertOutboxMessage } from "../../storage/outbox";
import { ConfigurationError, type Fetcher } from "./provider-error";
import { resendMailer } from "./resend";

export type Email = {
  /** Our own message id: the provider's idempotency key, so a retry never sends twice. */
  id: string;
  orgId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The main link in the message (signing or download link), shown in the dev outbox. */
  link: string | null;
};

export type Mailer = { send(email: Email): Promise<void> };

export function devOutboxMailer(env: Pick<Env, "DB">): Mailer {
  return {
    async send(email) {
      await insertOutboxMessage(database(env.DB), {
        id: email.id,
        orgId: email.orgId,
        channel: "email",
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        link: email.link,
        createdAt: new Date().toISOString(),
      });
    },
  };
}

/** The mailer for this deployment. */
export function mailerFor(env: Env, fetcher: Fetcher = fetch): Mailer {
  if (env.EMAIL_PROVIDER_API_KEY) {
    if (!env.EMAIL_FROM) throw new ConfigurationError("EMAIL_PROVIDER_API_KEY is set but EMAIL_FROM is not");
    return resendMailer({ apiKey: env.EMAIL_PROVIDER_API_KEY, from: env.EMAIL_FROM }, fetcher);
  }
  if (isLocalDevelopment(env)) return devOutboxMailer(env);
  throw new ConfigurationError("No email provider is configured for this deployment: set EMAIL_PROVIDER_API_KEY and EMAIL_FROM");
}
