/** The Worker entry: fetch (pages and API), queue (notifications), scheduled (cron), and the Durable Object class. */
import { createApp } from "./app";
import type { Env } from "./env";
import { handleQueue } from "./jobs/queue";
import { handleScheduled } from "./jobs/scheduled";

export { Envelope } from "./envelope/envelope-object";
export { AttemptCounter } from "./envelope/attempt-counter";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleQueue(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(handleScheduled(controller, env));
  },
} satisfies ExportedHandler<Env>;
