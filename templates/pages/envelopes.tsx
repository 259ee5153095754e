import { formatBytes, formatDateTime, type MessageKey } from "../../src/i18n";
import type { EnvelopeState } from "../../src/domain/envelope";
import type { ChainedEvent } from "../../src/domain/event-chain";
import { StatusTag } from "../components/status-tag";
import { Button, CsrfField, ErrorSummary, FileField, Radios, TextArea, TextField } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, Values, View } from "../view";

export function NewEnvelopePage({ view, values = {}, errors = {}, idempotencyKey }: { view: View; values?: Values; errors?: FieldErrors; idempotencyKey: string }) {
  const { t } = view;
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout view={view} title={t("new.title")} hasErrors={hasErrors} scripts={["/upload-progress.js"]}>
      <ErrorSummary t={t} errors={errors} order={["title", "file", "message", "order"]} />
      <h1>{t("new.title")}</h1>
      <form method="post" action="/envelopes" enctype="multipart/form-data" novalidate data-upload-progress>
        <CsrfField view={view} />
        <input type="hidden" name="idempotency_key" value={idempotencyKey} />
        <TextField t={t} id="title" label={t("new.titleLabel")} hint={t("new.titleHint")} value={values.title} error={errors.title} />
        <FileField t={t} id="file" label={t("new.file")} hint={t("new.fileHint", { maxMb: 20, maxPages: 500 })} error={errors.file} errorParams={{ maxMb: 20, maxPages: 500 }} accept="application/pdf,.pdf" />
        <TextArea t={t} id="message" label={t("new.message")} value={values.message} error={errors.message} />
        <Radios
          t={t}
          id="order"
          label={t("new.order")}
          value={values.order ?? "parallel"}
          error={errors.order}
          options={[{ value: "parallel", label: t("new.order.parallel") }, { value: "sequential", label: t("new.order.sequential") }]}
        />
        {/* Shown only by upload-progress.js; a <progress> with a live text for screen readers. */}
        <progress id="upload-progress" max={100} value={0} hidden aria-describedby="upload-progress-text"></progress>
        <p id="upload-progress-text" role="status" hidden data-template={t("new.progress", { percent: "{percent}" })}></p>
        <Button>{t("new.submit")}</Button>
      </form>
    </Layout>
  );
}

type DetailProps = {
  view: View;
  state: EnvelopeState;
  events: ChainedEvent[];
  retentionUntil: string | null;
  addValues?: Values;
  addErrors?: FieldErrors;
  sendValues?: Values;
  sendErrors?: FieldErrors;
  notice?: string;
};

export function EnvelopePage(props: DetailProps) {
  const { view, state, events, addValues = {}, addErrors = {}, sendValues = {}, sendErrors = {} } = props;
  const { t, locale } = view;
  const errors = { ...addErrors, ...sendErrors };
  const hasErrors = Object.keys(errors).length > 0;
  const finalising = state.status === "sent" && state.finalisation !== "none";
  const signers = state.recipients.filter((r) => r.role === "signer");
  return (
    <Layout view={view} title={state.title} hasErrors={hasErrors} htmx>
      <ErrorSummary t={t} errors={errors} order={["name", "email", "locale", "expiryDays"]} />
      <p><a href="/envelopes">{t("envelope.back")}</a></p>
      {props.notice ? <div class="notice" role="status"><p>{props.notice}</p></div> : null}
      <h1>{state.title}</h1>
      <div id="envelope-status" hx-get={state.status === "sent" ? `/envelopes/${state.id}` : undefined} hx-trigger={state.status === "sent" ? "every 5s" : undefined} hx-select="#envelope-status" hx-swap="outerHTML">
        <p>{t("envelope.status")}: <StatusTag view={view} status={state.status} finalising={finalising} /></p>
        {state.status === "sent" && state.expiresAt && !finalising ? <p>{t("envelope.expires", { date: formatDateTime(locale, state.expiresAt, state.timeZone) })}</p> : null}
        {finalising ? <p>{t("envelope.finalising")}</p> : null}
        {state.status === "completed" ? (
          <>
            <p><a class="button button--primary" href={`/envelopes/${state.id}/signed.pdf`} download>{t("envelope.download")}</a></p>
            <p><a href={`/envelopes/${state.id}/evidence.json`} download>{t("envelope.downloadEvidence")}</a></p>
            {props.retentionUntil ? <p>{t("envelope.retention", { date: formatDateTime(locale, props.retentionUntil, state.timeZone) })}</p> : null}
          </>
        ) : null}

        <h2>{t("envelope.recipients")}</h2>
        {signers.length === 0 ? (
          <p>{t("envelope.noRecipients")}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("envelope.col.name")}</th>
                  <th scope="col">{t("envelope.col.email")}</th>
                  <th scope="col">{t("envelope.col.status")}</th>
                  {state.status === "draft" ? <th scope="col">{t("envelope.col.actions")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {signers.map((r) => (
                  <tr>
                    <td>{r.name}</td>
                    <td>{r.email}</td>
                    <td><strong class={`tag tag--${r.status}`}>{t(`recipientStatus.${r.status}` as MessageKey)}</strong></td>
                    {state.status === "draft" ? (
                      <td>
                        <form method="post" action={`/envelopes/${state.id}/recipients/${r.id}/remove`} class="inline">
                          <CsrfField view={view} />
                          <button type="submit" class="link-button">{t("envelope.remove", { name: r.name })}</button>
                        </form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      {state.status === "draft" ? (
        <>
          <section aria-labelledby="add-heading">
            <h2 id="add-heading">{t("envelope.add.heading")}</h2>
            <form method="post" action={`/envelopes/${state.id}/recipients`} novalidate>
              <CsrfField view={view} />
              <TextField t={t} id="name" label={t("envelope.add.name")} value={addValues.name} error={addErrors.name} spellcheck={false} />
              <TextField t={t} id="email" type="email" label={t("envelope.add.email")} value={addValues.email} error={addErrors.email} spellcheck={false} />
              <Radios
                t={t}
                id="locale"
                label={t("envelope.add.locale")}
                value={addValues.locale ?? locale}
                options={[{ value: "en", label: t("lang.en") }, { value: "nb", label: t("lang.nb") }]}
              />
              <Button variant="secondary">{t("envelope.add.submit")}</Button>
            </form>
          </section>
          {signers.length > 0 ? (
            <section aria-labelledby="send-heading">
              <h2 id="send-heading">{t("envelope.send.heading")}</h2>
              <form method="post" action={`/envelopes/${state.id}/send`} novalidate>
                <CsrfField view={view} />
                <TextField t={t} id="expiryDays" label={t("envelope.send.expiry")} hint={t("envelope.send.expiryHint")} value={sendValues.expiryDays ?? "30"} error={sendErrors.expiryDays} inputmode="numeric" width="short" />
                <Button>{t("envelope.send.submit")}</Button>
              </form>
            </section>
          ) : null}
        </>
      ) : null}

      {(state.status === "sent" && !finalising) || state.status === "draft" ? (
        <details class="danger-zone">
          <summary>{t("envelope.cancel.heading")}</summary>
          <form method="post" action={`/envelopes/${state.id}/cancel`} novalidate>
            <CsrfField view={view} />
            <TextArea t={t} id="reason" label={t("envelope.cancel.reason")} rows={2} />
            <Button variant="warning">{t("envelope.cancel.submit")}</Button>
          </form>
        </details>
      ) : null}

      <h2>{t("envelope.document")}</h2>
      <dl class="summary-list">
        <div><dt>{t("envelope.filename")}</dt><dd>{state.document.filename}</dd></div>
        <div><dt>{t("envelope.pages")}</dt><dd>{state.document.pages}</dd></div>
        <div><dt>{t("envelope.size")}</dt><dd>{formatBytes(locale, state.document.size)}</dd></div>
        <div><dt>{t("envelope.sha256")}</dt><dd class="hash">{state.document.sha256}</dd></div>
      </dl>
      <p><a href={`/envelopes/${state.id}/original.pdf`} download>{t("envelope.downloadOriginal")}</a></p>

      <h2>{t("envelope.timeline")}</h2>
      <ol class="timeline">
        {events.map((e) => {
          const who = e.recipientId ? state.recipients.find((r) => r.id === e.recipientId)?.name : null;
          return (
            <li>
              <time datetime={e.at}>{formatDateTime(locale, e.at, state.timeZone)}</time>{" "}
              <span>{t(`event.${e.type}` as MessageKey)}{who ? ` — ${who}` : ""}</span>
            </li>
          );
        })}
      </ol>
    </Layout>
  );
}
