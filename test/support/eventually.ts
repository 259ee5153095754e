/**
 * Waiting in tests: for what happens on its own (the queue consumer, a Durable Object's flush,
 * a finalisation), poll the condition with a deadline; never sleep a fixed time.
 */
import { env } from "cloudflare:workers";

export type EventuallyOptions = {
  /** What is awaited, for the failure message: "the signed PDF", "2 messages to kari@…". */
  what: string;
  /** The deadline in milliseconds. */
  within?: number;
  /** How long to wait between two checks. */
  every?: number;
};

/**
 * Calls `check` until it returns something other than undefined, null or false, and returns that.
 * Fails after `within` ms with "timed out after N ms waiting for <what>". The deadline is measured
 * with `performance.now()`, so a test that fakes `Date` still gets one.
 */
export async function eventually<T>(check: () => T | Promise<T>, { what, within = 15_000, every = 50 }: EventuallyOptions): Promise<Exclude<T, undefined | null | false>> {
  const start = performance.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    if (performance.now() - start > within) throw new Error(`timed out after ${within} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/**
 * Returns once the notifications queue has handled every message sent to it before this call.
 * The local queue hands its consumer one batch at a time, in the order sent, so a marker message
 * sent now arrives after all of them: when the marker is in the development outbox, they are done.
 * This is how a test shows that no more messages are coming, without waiting a fixed time.
 */
export async function queueSettled(within = 15_000): Promise<void> {
  const id = crypto.randomUUID();
  const to = `queue-marker-${id}@example.com`;
  await env.NOTIFICATIONS.send({ v: 1, id: `marker-${id}`, orgId: "queue-marker", type: "account_notice", userId: "queue-marker", to, name: "Queue marker", locale: "en", notice: "password_changed" }, { contentType: "json" });
  await eventually(async () => (await env.DB.prepare("SELECT 1 AS found FROM dev_outbox WHERE to_address = ?").bind(to).first()) !== null, { what: "the notifications queue to reach a marker message", within });
}
