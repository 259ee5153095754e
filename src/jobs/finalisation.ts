/**
 * The finalisation queue's consumer, run by the PDF service (src/pdf-service/index.ts)
 * so that building and sealing never share memory with the isolates that serve pages.
 * Each message is one envelope's job (services/finalise-envelope.ts): it retries with
 * backoff, then lands in the dead-letter queue, whose consumer records the envelope's
 * `finalisation_failed` once for the sender to see.
 */
import { queueBody } from "../domain/messages";
import type { PdfServiceEnv } from "../env";
import { finaliseEnvelope } from "../services/finalise-envelope";
import { recordFinalisationFailure } from "../services/record-finalisation-failure";
import { DEAD_LETTER_QUEUE_SUFFIX, retryDelaySeconds } from "./retry";

export async function handleFinalisationQueue(batch: MessageBatch<unknown>, env: PdfServiceEnv): Promise<void> {
  const deadLetters = batch.queue.includes(DEAD_LETTER_QUEUE_SUFFIX);
  for (const msg of batch.messages) {
    const parsed = queueBody.safeParse(msg.body);
    const message = parsed.success && parsed.data.type === "finalise" ? parsed.data : null;
    if (!message) {
      // Only finalisation jobs come here; anything else will never succeed: log it (without its body) and drop it.
      console.error(JSON.stringify({ msg: "unreadable finalisation message dropped", queueMessageId: msg.id, deadLetters }));
      msg.ack();
      continue;
    }
    if (deadLetters) {
      console.error(JSON.stringify({ msg: "message could not be delivered", id: message.id, type: message.type, envelopeId: message.envelopeId }));
      try {
        // The seal could not be made: the envelope says so, the sender is told, the cron retries later.
        await recordFinalisationFailure(env, { envelopeId: message.envelopeId, queueMessageId: message.id });
        msg.ack();
      } catch (error) {
        console.error(JSON.stringify({ msg: "dead letter not recorded; will retry", id: message.id, error: String(error) }));
        msg.retry();
      }
      continue;
    }
    try {
      await finaliseEnvelope(env, message.envelopeId);
      msg.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "queue message failed; will retry", id: message.id, type: message.type, attempts: msg.attempts, error: String(error) }));
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    }
  }
}
