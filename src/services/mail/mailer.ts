/**
 * Outgoing email behind one small interface. With no provider configured (local
 * development) messages go to the development outbox, readable at /dev/outbox.
 */
import type { Env } from "../../env";
import { database } from "../../storage/db";
import { insertOutboxMessage } from "../../storage/outbox";

export type Email = {
  /** Our own message id: the provider's idempotency key, so a retry never sends twice. */
  id: string;
  orgId: string;
  to: string;
  subject: string;
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
        to: email.to,
        subject: email.subject,
        text: email.text,
        link: email.link,
        createdAt: new Date().toISOString(),
      });
    },
  };
}

/** The mailer for this deployment. Outside development a missing provider is an error, never a silent drop. */
export function mailerFor(env: Env): Mailer {
  if (env.ENVIRONMENT === "development") return devOutboxMailer(env);
  throw new Error("No email provider is configured for this deployment");
}
