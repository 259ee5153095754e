/** SMS through Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource). */
import { errorCode, isRetryableStatus, ProviderError, type Fetcher } from "../mail/provider-error";
import type { SmsSender } from "./sms";

export function twilioMessagesUrl(accountSid: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
}

/**
 * Twilio offers no idempotency key for sending, so a crash after Twilio accepted an SMS and
 * before our delivery record is written can send it twice; the delivery record prevents every other repeat.
 */
export function twilioSmsSender({ accountSid, authToken, from }: { accountSid: string; authToken: string; from: string }, fetcher: Fetcher = fetch): SmsSender {
  const authorization = `Basic ${btoa(`${accountSid}:${authToken}`)}`;
  return {
    async send(sms) {
      const response = await fetcher(twilioMessagesUrl(accountSid), {
        method: "POST",
        headers: { Authorization: authorization, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ To: sms.to, From: from, Body: sms.text }).toString(),
      });
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      // Twilio's numeric `code` (e.g. 21211 invalid 'To' number) is safe to log.
      throw new ProviderError("twilio", response.status, !isRetryableStatus(response.status), await errorCode(response, "code"));
    },
  };
}
