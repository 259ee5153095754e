/** Email through Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
import type { Mailer } from "./mailer";
import { errorCode, isRetryableStatus, ProviderError, type Fetcher } from "./provider-error";

export const RESEND_URL = "https://api.resend.com/emails";

export function resendMailer({ apiKey, from }: { apiKey: string; from: string }, fetcher: Fetcher = fetch): Mailer {
  return {
    async send(email) {
      const response = await fetcher(RESEND_URL, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${apiKey}`,
          "Content-Type": "application/json",
          // Resend keeps the key 24 hours: a retry after a crash between sending and recording sends nothing twice.
          "Idempotency-Key": email.id,
        },
        body: JSON.stringify({ from, to: [email.to], subject: email.subject, html: email.html, text: email.text }),
      });
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      throw new ProviderError("resend", response.status, !isRetryableStatus(response.status), await errorCode(response, "name"));
    },
  };
}
