/** Queue retry rules shared by the notifications and finalisation consumers. */

/** Dead-letter queues are named after their queue with this suffix (`pactly-notifications-dlq-dev`). */
export const DEAD_LETTER_QUEUE_SUFFIX = "-dlq";

/** Backoff between attempts: 5 s, 10 s, 20 s, ... at most 10 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(600, 5 * 2 ** Math.max(0, attempts - 1));
}
