/** Development-only pages: the outbox of messages a real provider would have sent. */
import { Hono } from "hono";
import { DomainError } from "../domain/errors";
import { formatDateTime } from "../i18n";
import { database } from "../storage/db";
import { listOutbox } from "../storage/outbox";
import { Layout } from "../../templates/layout";
import type { AppEnv } from "./context";
import { view } from "./helpers";

export const devRoutes = new Hono<AppEnv>();

// Exists only when ENVIRONMENT is development; anywhere else it is an ordinary 404.
devRoutes.use("*", async (c, next) => {
  if (c.env.ENVIRONMENT !== "development") throw new DomainError("not_found");
  await next();
});

devRoutes.get("/outbox.json", async (c) => {
  const messages = await listOutbox(database(c.env.DB));
  return c.json({ messages: messages.map((m) => ({ id: m.id, to: m.to, subject: m.subject, text: m.text, link: m.link, createdAt: m.createdAt })) });
});

devRoutes.get("/outbox", async (c) => {
  const messages = await listOutbox(database(c.env.DB));
  const v = view(c);
  const { t, locale } = v;
  return c.html(
    <Layout view={v} title={t("dev.outbox.title")}>
      <h1>{t("dev.outbox.title")}</h1>
      <p>{t("dev.outbox.lead")}</p>
      {messages.length === 0 ? <p>{t("dev.outbox.empty")}</p> : null}
      {messages.map((m) => (
        <article class="outbox-message">
          <h2>{m.subject}</h2>
          <dl class="summary-list">
            <div><dt>{t("dev.outbox.to")}</dt><dd>{m.to}</dd></div>
            <div><dt>{t("dev.outbox.time")}</dt><dd>{formatDateTime(locale, m.createdAt)}</dd></div>
            {m.link ? <div><dt>{t("dev.outbox.link")}</dt><dd><a href={m.link}>{m.link}</a></dd></div> : null}
          </dl>
          <pre class="mail-text">{m.text}</pre>
        </article>
      ))}
    </Layout>,
  );
});
