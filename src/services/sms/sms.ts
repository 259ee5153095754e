/**
 * Outgoing SMS behind one small interface. A configured provider (Twilio) sends it; with
 * none, local development keeps it in the development outbox, and any other environment
 * refuses with a configuration error rather than dropping it.
 */
import { isLocalDevelopment } from "../../domain/deployment";
import type { Env } from "../../env";
import { database } from "../../storage/db";
import { insertOutboxMessage } from "../../storage/outbox";
import { ConfigurationError, type Fetcher } from "../mail/provider-error";
import { twilioSmsSender } from "./twilio";

export type Sms = {
  /** Our own message id. */
  id: string;
  orgId: string;
  /** E.164 phone number. */
  to: string;
  text: string;
};

export type SmsSender = { send(sms: Sms): Promise<void> };

export function devOutboxSmsSender(env: Pick<Env, "DB">): SmsSender {
  return {
    async send(sms) {
      await insertOutboxMessage(database(env.DB), {
        id: sms.id,
        orgId: sms.orgId,
        channel: "sms",
        to: sms.to,
        subject: "",
        text: sms.text,
        html: null,
        link: null,
        createdAt: new Date().toISOString(),
      });
    },
  };
}

/** The SMS sender for this deployment. */
export function smsSenderFor(env: Env, fetcher: Fetcher = fetch): SmsSender {
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, SMS_FROM: from } = env;
  if (accountSid || authToken) {
    if (!accountSid || !authToken || !from) throw new ConfigurationError("Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SMS_FROM together");
    return twilioSmsSender({ accountSid, authToken, from }, fetcher);
  }
  if (isLocalDevelopment(env)) return devOutboxSmsSender(env);
  throw new ConfigurationError("No SMS provider is configured for this deployment: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SMS_FROM");
}
