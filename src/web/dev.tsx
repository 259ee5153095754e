/** Development-only pages: the outbox of messages a real provider would have sent. */
import { Hono } from "hono";
import { servesLocalDevelopment } from "../domain/deployment";
import { DomainError } from "../domain/errors";
import { database } from "../storage/db";
import { outboxMessageById, outboxMessages } from "../services/dev-outbox";
import { DevOutboxPage, type OutboxItem } from "../../templates/pages/dev-outbox";
import type { AppEnv } from "./context";
import { view } from "./helpers";

export const devRoutes = new Hono<AppEnv>();

// Exists only in local development (ENVIRONMENT, APP_URL and the request's host all say so); anywhere else it is an ordinary 404.
devRoutes.use("*", async (c, next) => {
  if (!servesLocalDevelopment(c.env, c.req.url)) throw new DomainError("not_found");
  await next();
});

async function messages(db: D1Database): Promise<OutboxItem[]> {
  return (await outboxMessages(database(db))).map((m) => ({
    id: m.id,
    channel: m.channel,
    to: m.to,
    subject: m.subject,
    text: m.text,
    hasHtml: m.html !== null,
    link: m.link,
    createdAt: m.createdAt,
  }));
}

devRoutes.get("/outbox.json", async (c) => c.json({ messages: await messages(c.env.DB) }));

devRoutes.get("/outbox", async (c) => c.html(<DevOutboxPage view={view(c)} messages={await messages(c.env.DB)} />));

/** An email's HTML exactly as a provider would get it (the page's CSP keeps it inert: no scripts, no remote loads). */
devRoutes.get("/outbox/:id/html", async (c) => {
  const message = await outboxMessageById(database(c.env.DB), c.req.param("id"));
  if (!message?.html) throw new DomainError("not_found");
  return c.html(message.html);
});
