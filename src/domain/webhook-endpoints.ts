/** What the webhook settings pages show of an endpoint and of its delivery attempts. */
import type { WebhookEventType } from "./messages";

/** An endpoint without its secret; `previousExpiresAt` only while the old secret still signs. */
export type WebhookEndpointSummary = {
  id: string;
  url: string;
  description: string;
  createdAt: string;
  rotatedAt: string | null;
  previousExpiresAt: string | null;
  events: WebhookEventType[];
};

/** One delivery attempt, as the endpoint's log lists it. */
export type WebhookAttempt = {
  at: string;
  eventType: string;
  attempt: number;
  outcome: "succeeded" | "retrying" | "failed";
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
};
