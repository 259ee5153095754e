import { formatDateTime } from "../../src/i18n";
import { Layout } from "../layout";
import type { View } from "../view";

export type OutboxItem = { id: string; channel: "email" | "sms"; to: string; subject: string; text: string; hasHtml: boolean; link: string | null; createdAt: string };

/** Development only: what a real email or SMS provider would have sent, with the links to follow. */
export function DevOutboxPage({ view, messages }: { view: View; messages: OutboxItem[] }) {
  const { t, locale } = view;
  return (
    <Layout view={view} title={t("dev.outbox.title")}>
      <h1>{t("dev.outbox.title")}</h1>
      <p>{t("dev.outbox.lead")}</p>
      {messages.length === 0 ? <p>{t("dev.outbox.empty")}</p> : null}
      {messages.map((m) => (
        <article class="outbox-message" aria-labelledby={`msg-${m.id}`}>
          <h2 id={`msg-${m.id}`}>{m.channel === "sms" ? `${t("notifications.channel.sms")}: ${m.to}` : m.subject}</h2>
          <dl class="summary-list">
            <div><dt>{t("notifications.dev.channel")}</dt><dd>{t(m.channel === "sms" ? "notifications.channel.sms" : "notifications.channel.email")}</dd></div>
            <div><dt>{t("dev.outbox.to")}</dt><dd>{m.to}</dd></div>
            <div><dt>{t("dev.outbox.time")}</dt><dd>{formatDateTime(locale, m.createdAt)}</dd></div>
            {m.link ? <div><dt>{t("dev.outbox.link")}</dt><dd><a href={m.link}>{m.link}</a></dd></div> : null}
          </dl>
          {m.hasHtml ? <p><a href={`/dev/outbox/${encodeURIComponent(m.id)}/html`}>{t("notifications.dev.html")}</a></p> : null}
          <h3 class="visually-hidden">{t("notifications.dev.text")}</h3>
          <pre class="mail-text">{m.text}</pre>
        </article>
      ))}
    </Layout>
  );
}
