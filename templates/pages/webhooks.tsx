import { formatDateTime, type MessageKey } from "../../src/i18n";
import { webhookEventTypes } from "../../src/domain/messages";
import type { WebhookAttempt, WebhookEndpointSummary } from "../../src/domain/webhook-endpoints";
import { Button, CsrfField, ErrorSummary, TextField } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, Values, View } from "../view";

const eventKey = (e: string) => `webhooks.event.${e}` as MessageKey;

type WebhooksProps = {
  view: View;
  endpoints: WebhookEndpointSummary[];
  values?: Values;
  /** Checked events when the form is shown again. */
  events?: string[];
  errors?: FieldErrors;
  notice?: string | undefined;
};

/** Settings → Webhooks: the list and the form to add an endpoint (GOV.UK patterns). */
export function WebhooksPage({ view, endpoints, values = {}, events = [], errors = {}, notice }: WebhooksProps) {
  const { t, locale } = view;
  const eventsError = errors.events;
  return (
    <Layout view={view} title={t("webhooks.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["url", "description", "events"]} />
      {notice ? <div class="notice" role="status"><p>{notice}</p></div> : null}
      <h1>{t("webhooks.title")}</h1>
      <p>{t("webhooks.intro")}</p>

      <h2>{t("webhooks.list.heading")}</h2>
      {endpoints.length === 0 ? (
        <p>{t("webhooks.list.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{t("webhooks.list.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("webhooks.col.url")}</th>
                <th scope="col">{t("webhooks.col.events")}</th>
                <th scope="col">{t("webhooks.col.created")}</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.map((e) => (
                <tr>
                  <th scope="row">
                    <a href={`/settings/webhooks/${e.id}`} aria-label={t("webhooks.openName", { url: e.url })}><code class="webhook-url">{e.url}</code></a>
                    {e.description ? <div class="hint">{e.description}</div> : null}
                  </th>
                  <td>{e.events.map((ev) => t(eventKey(ev))).join(", ")}</td>
                  <td>{formatDateTime(locale, e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="create-heading">{t("webhooks.create.heading")}</h2>
      <form method="post" action="/settings/webhooks" novalidate aria-labelledby="create-heading">
        <CsrfField view={view} />
        <TextField t={t} id="url" type="url" label={t("webhooks.create.url")} hint={t("webhooks.create.urlHint")} error={errors.url} value={values.url} autocomplete="off" spellcheck={false} />
        <TextField t={t} id="description" label={t("webhooks.create.description")} hint={t("webhooks.create.descriptionHint")} error={errors.description} value={values.description} autocomplete="off" />
        <div class={`field${eventsError ? " field--error" : ""}`}>
          <fieldset aria-describedby={`events-hint${eventsError ? " events-error" : ""}`}>
            <legend>{t("webhooks.create.events")}</legend>
            <div id="events-hint" class="hint">{t("webhooks.create.eventsHint")}</div>
            {eventsError ? (
              <p id="events-error" class="field-error">
                <span class="visually-hidden">{t("error.prefix")} </span>
                {t(eventsError)}
              </p>
            ) : null}
            {webhookEventTypes.map((event, i) => {
              // The first box carries the group's id, so the error summary can link to it.
              const id = i === 0 ? "events" : `events-${event.replace(".", "-")}`;
              return (
                <div class="checkbox">
                  <input id={id} name="events" type="checkbox" value={event} checked={events.includes(event)} aria-invalid={eventsError ? "true" : undefined} />
                  <label for={id}>{t(eventKey(event))} <code>{event}</code></label>
                </div>
              );
            })}
          </fieldset>
        </div>
        <Button>{t("webhooks.create.submit")}</Button>
      </form>
    </Layout>
  );
}

/** One endpoint: the secret (only right after creation or rotation), its settings, its log, rotation and deletion. */
export function WebhookPage({ view, endpoint, attempts, secret }: { view: View; endpoint: WebhookEndpointSummary; attempts: WebhookAttempt[]; secret?: string }) {
  const { t, locale } = view;
  return (
    <Layout view={view} title={t("webhooks.detail.title")}>
      <p><a href="/settings/webhooks">{t("webhooks.back")}</a></p>
      <h1>{t("webhooks.detail.title")}</h1>
      {secret ? (
        <section class="panel api-key-created" aria-labelledby="secret-heading" tabindex={-1} autofocus>
          <h2 id="secret-heading">{t("webhooks.secret.heading")}</h2>
          <p>{t("webhooks.secret.body")}</p>
          <label for="new-secret">{t("webhooks.secret.label", { url: endpoint.url })}</label>
          <input class="input input--full api-key-value" id="new-secret" type="text" readonly value={secret} spellcheck={false} autocomplete="off" />
        </section>
      ) : null}
      <dl class="summary-list">
        <div><dt>{t("webhooks.detail.url")}</dt><dd><code class="webhook-url">{endpoint.url}</code></dd></div>
        {endpoint.description ? <div><dt>{t("webhooks.detail.description")}</dt><dd>{endpoint.description}</dd></div> : null}
        <div><dt>{t("webhooks.detail.events")}</dt><dd>{endpoint.events.map((e) => t(eventKey(e))).join(", ")}</dd></div>
        <div><dt>{t("webhooks.detail.created")}</dt><dd>{formatDateTime(locale, endpoint.createdAt)}</dd></div>
      </dl>
      {endpoint.previousExpiresAt ? <p class="notice" role="status">{t("webhooks.detail.overlap", { date: formatDateTime(locale, endpoint.previousExpiresAt) })}</p> : null}

      <h2>{t("webhooks.log.heading")}</h2>
      {attempts.length === 0 ? (
        <p>{t("webhooks.log.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table webhook-log">
            <caption class="visually-hidden">{t("webhooks.log.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("webhooks.log.time")}</th>
                <th scope="col">{t("webhooks.log.event")}</th>
                <th scope="col">{t("webhooks.log.result")}</th>
                <th scope="col">{t("webhooks.log.attempt")}</th>
                <th scope="col">{t("webhooks.log.duration")}</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr>
                  <td>{formatDateTime(locale, a.at)}</td>
                  <td><code>{a.eventType}</code></td>
                  <td>{resultText(view, a)}</td>
                  <td>{a.attempt}</td>
                  <td>{a.durationMs === null ? "" : t("webhooks.log.durationMs", { ms: a.durationMs })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{t("webhooks.rotate.heading")}</h2>
      <p>{t("webhooks.rotate.body")}</p>
      <form method="post" action={`/settings/webhooks/${endpoint.id}/rotate`}>
        <CsrfField view={view} />
        <Button variant="secondary">{t("webhooks.rotate.submit")}</Button>
      </form>
      <p><a href={`/settings/webhooks/${endpoint.id}/delete`}>{t("webhooks.delete.link")}</a></p>
    </Layout>
  );
}

function resultText({ t }: View, a: WebhookAttempt): string {
  if (a.outcome === "succeeded") return t("webhooks.log.succeeded", { status: a.httpStatus ?? 0 });
  if (a.outcome === "failed") return t("webhooks.log.failed");
  return a.httpStatus !== null ? t("webhooks.log.retryingStatus", { status: a.httpStatus }) : t("webhooks.log.retryingError", { error: a.error ?? "" });
}

/** "Are you sure?" before deleting: a plain page with a POST button, so it works without JavaScript. */
export function DeleteWebhookPage({ view, endpoint }: { view: View; endpoint: WebhookEndpointSummary }) {
  const { t } = view;
  const title = t("webhooks.delete.title", { url: endpoint.url });
  return (
    <Layout view={view} title={title}>
      <h1>{title}</h1>
      <p>{t("webhooks.delete.body")}</p>
      <form method="post" action={`/settings/webhooks/${endpoint.id}/delete`}>
        <CsrfField view={view} />
        <Button variant="warning">{t("webhooks.delete.confirm")}</Button>
      </form>
      <p><a href={`/settings/webhooks/${endpoint.id}`}>{t("webhooks.delete.cancel")}</a></p>
    </Layout>
  );
}
