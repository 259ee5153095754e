import { formatBytes, formatDateTime, type MessageKey, type Translate } from "../../src/i18n";
import { canCorrectEmail, nextFinalisationRetryAt, signersDue, type EnvelopeState, type Recipient } from "../../src/domain/envelope";
import { uploadLimits } from "../../src/domain/limits";
import { identificationMethods, reminderEveryDays, timeZoneChoices, DEFAULT_TIME_ZONE } from "../../src/domain/envelope-input";
import type { ChainedEvent } from "../../src/domain/event-chain";
import { StatusTag } from "../components/status-tag";
import { Retention } from "../components/retention";
import { EndedRetention } from "./retention";
import { Timeline } from "../components/timeline";
import type { DeliveryPanel } from "../../src/domain/deliveries";
import { DeliveriesPanel } from "../components/deliveries";
import { Button, CsrfField, ErrorSummary, FileField, Radios, Select, TextArea, TextField } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, Values, View } from "../view";

/** What the file field states, from the one limit the upload enforces. */
const uploadFieldLimits = { maxMb: uploadLimits.maxBytes / 1024 / 1024, maxPages: uploadLimits.maxPages };

const settingsOrder = ["title", "message", "signingOrder", "timeZone", "reminderEveryDays"];

/** The settings every envelope has; shown when uploading and, while a draft, on the envelope page. */
function SettingsFields({ t, values, errors, withTitle = true }: { t: Translate; values: Values; errors: FieldErrors; withTitle?: boolean }) {
  return (
    <>
      {withTitle ? <TextField t={t} id="title" label={t("new.titleLabel")} hint={t("new.titleHint")} value={values.title} error={errors.title} /> : null}
      <TextArea t={t} id="message" label={t("new.message")} value={values.message} error={errors.message} />
      <Radios
        t={t}
        id="signingOrder"
        label={t("new.order")}
        value={values.signingOrder ?? "parallel"}
        error={errors.signingOrder}
        options={[{ value: "parallel", label: t("new.order.parallel") }, { value: "sequential", label: t("new.order.sequential") }]}
      />
      <Select
        t={t}
        id="timeZone"
        label={t("builder.timeZone")}
        hint={t("builder.timeZoneHint")}
        value={values.timeZone ?? DEFAULT_TIME_ZONE}
        error={errors.timeZone}
        options={timeZoneChoices(values.timeZone).map((z) => ({ value: z, label: z.replace(/_/g, " ") }))}
      />
      <TextField
        t={t}
        id="reminderEveryDays"
        label={t("builder.reminders")}
        hint={t("builder.remindersHint")}
        value={values.reminderEveryDays ?? String(reminderEveryDays.default)}
        error={errors.reminderEveryDays}
        inputmode="numeric"
        width="short"
      />
    </>
  );
}

export function NewEnvelopePage({ view, values = {}, errors = {}, idempotencyKey }: { view: View; values?: Values; errors?: FieldErrors; idempotencyKey: string }) {
  const { t } = view;
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout view={view} title={t("new.title")} hasErrors={hasErrors} scripts={["/upload-progress.js"]}>
      <ErrorSummary t={t} errors={errors} order={["title", "file", ...settingsOrder.slice(1)]} />
      <h1>{t("new.title")}</h1>
      <form method="post" action="/envelopes" enctype="multipart/form-data" novalidate data-upload-progress>
        <CsrfField view={view} />
        <input type="hidden" name="idempotency_key" value={idempotencyKey} />
        <TextField t={t} id="title" label={t("new.titleLabel")} hint={t("new.titleHint")} value={values.title} error={errors.title} />
        <FileField t={t} id="file" label={t("new.file")} hint={t("new.fileHint", uploadFieldLimits)} error={errors.file} errorParams={uploadFieldLimits} accept="application/pdf,.pdf" />
        <SettingsFields t={t} values={values} errors={errors} withTitle={false} />
        {/* Shown only by upload-progress.js; a <progress> with a live text for screen readers. */}
        <progress id="upload-progress" max={100} value={0} hidden aria-describedby="upload-progress-text"></progress>
        <p id="upload-progress-text" role="status" hidden data-template={t("new.progress", { percent: "{percent}" })}></p>
        <Button>{t("new.submit")}</Button>
      </form>
    </Layout>
  );
}

type FormState = { values?: Values; errors?: FieldErrors };

export type EnvelopePageProps = {
  view: View;
  state: EnvelopeState;
  events: ChainedEvent[];
  retentionUntil: string | null;
  /** The send form's default expiry date (YYYY-MM-DD in the envelope's time zone). */
  defaultExpiresOn: string;
  settings?: FormState;
  add?: FormState;
  send?: FormState;
  cancel?: FormState;
  /** The correct-email form of one recipient, shown again with its answer and error. */
  correct?: { recipientId: string; value: string; error: MessageKey };
  notice?: string | undefined;
  /** Why the last action was refused, already in the sender's language. */
  refusal?: string | undefined;
  /** Which messages went out to each recipient, and which failed (notifications). */
  deliveries?: DeliveryPanel | undefined;
};

function settingsValues(state: EnvelopeState): Values {
  return {
    title: state.title,
    message: state.message,
    signingOrder: state.signingOrder,
    timeZone: state.timeZone,
    reminderEveryDays: String(state.reminderEveryDays),
  };
}

/** One small form whose only control is a button (remove, move, resend, remind). */
function ActionButton({ view, action, label, fields = {}, variant }: { view: View; action: string; label: string; fields?: Record<string, string>; variant?: "secondary" | "link" }) {
  return (
    <form method="post" action={action} class="inline">
      <CsrfField view={view} />
      {Object.entries(fields).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
      <button type="submit" class={variant === "secondary" ? "button button--secondary" : "link-button"}>{label}</button>
    </form>
  );
}

/** The new-address form for a recipient who has not opened the envelope yet. */
function CorrectEmailForm({ view, state, recipient, value, error }: { view: View; state: EnvelopeState; recipient: Recipient; value?: string | undefined; error?: MessageKey | undefined }) {
  const { t } = view;
  const id = `correct-${recipient.id}`;
  return (
    <details class="correct-email" open={error ? true : undefined}>
      <summary>{t("builder.correct.summary", { name: recipient.name })}</summary>
      <form method="post" action={`/envelopes/${state.id}/recipients/${recipient.id}/email`} novalidate>
        <CsrfField view={view} />
        <div class={`field${error ? " field--error" : ""}`}>
          <label for={id}>{t("builder.correct.label", { name: recipient.name })}</label>
          {error ? (
            <p id={`${id}-error`} class="field-error">
              <span class="visually-hidden">{t("error.prefix")} </span>
              {t(error)}
            </p>
          ) : null}
          <input class="input input--full" id={id} name="email" type="email" spellcheck={false} value={value ?? ""} aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? "true" : undefined} />
        </div>
        <Button variant="secondary">{t("builder.correct.submit")}</Button>
      </form>
    </details>
  );
}

/**
 * The seal could not be made: says so, why (a category, never an error message), and whether
 * Pactly tries again by itself. A status message, not an alert: it is news on load, not a
 * response to something the reader did.
 */
function FinalisationFailedNotice({ view, state }: { view: View; state: EnvelopeState }) {
  const { t, locale } = view;
  const failure = state.finalisationFailure;
  const retryAt = nextFinalisationRetryAt(state);
  return (
    <div class="notice notice--warning" role="status" id="finalisation-failed">
      <h2>{t("finalisation.failed.heading")}</h2>
      <p>{t("finalisation.failed.body")}</p>
      {failure ? (
        <>
          <p>
            <strong>{t("finalisation.failed.reasonLabel")}:</strong> {t(`finalisation.reason.${failure.reason}`)}
          </p>
          <p>{t("finalisation.failed.when", { date: formatDateTime(locale, failure.failedAt, state.timeZone) })}</p>
        </>
      ) : null}
      <p>{retryAt ? t("finalisation.failed.nextRetry", { date: formatDateTime(locale, retryAt, state.timeZone) }) : t("finalisation.failed.noRetry")}</p>
    </div>
  );
}

export function EnvelopePage(props: EnvelopePageProps) {
  const { view, state, events } = props;
  const { t, locale } = view;
  const draft = state.status === "draft";
  const finalising = state.status === "sent" && state.finalisation !== "none";
  const finalisationFailed = state.status === "sent" && state.finalisation === "failed";
  const out = state.status === "sent" && !finalising;
  // A failed finalisation changes only when a retry starts (a day or more away): no polling for it.
  const polling = state.status === "sent" && !finalisationFailed;
  const settings = { values: props.settings?.values ?? settingsValues(state), errors: props.settings?.errors ?? {} };
  const add = { values: props.add?.values ?? {}, errors: props.add?.errors ?? {} };
  const send = { values: props.send?.values ?? {}, errors: props.send?.errors ?? {} };
  const cancel = { values: props.cancel?.values ?? {}, errors: props.cancel?.errors ?? {} };
  const correctErrors: FieldErrors = props.correct ? { [`correct-${props.correct.recipientId}`]: props.correct.error } : {};
  const errors = { ...settings.errors, ...add.errors, ...send.errors, ...cancel.errors, ...correctErrors };
  const recipients = [...state.recipients].sort((a, b) => a.order - b.order);
  const signerCount = recipients.filter((r) => r.role === "signer").length;
  const due = new Set(signersDue(state).map((r) => r.id));
  const errorOrder = [...settingsOrder, "name", "email", "phone", "role", "method", "locale", "expiresOn", "reason", ...Object.keys(correctErrors)];
  return (
    <Layout view={view} title={state.title} hasErrors={Object.keys(errors).length > 0 || Boolean(props.refusal)} htmx>
      <ErrorSummary t={t} errors={errors} order={errorOrder} />
      {props.refusal ? (
        <ErrorSummary t={t} heading="builder.refused.heading" headingId="refusal-title" autofocus={Object.keys(errors).length === 0}>
          <p>{props.refusal}</p>
        </ErrorSummary>
      ) : null}
      <p><a href="/envelopes">{t("envelope.back")}</a></p>
      {props.notice ? <div class="notice" role="status"><p>{props.notice}</p></div> : null}
      <h1>{state.title}</h1>
      <div id="envelope-status" hx-get={polling ? `/envelopes/${state.id}` : undefined} hx-trigger={polling ? "every 5s" : undefined} hx-select="#envelope-status" hx-swap="outerHTML">
        <p>{t("envelope.status")}: <StatusTag view={view} status={state.status} finalising={finalising} finalisationFailed={finalisationFailed} /></p>
        {state.status === "sent" && state.expiresAt && !finalising ? <p>{t("envelope.expires", { date: formatDateTime(locale, state.expiresAt, state.timeZone) })}</p> : null}
        {finalisationFailed ? (
          <FinalisationFailedNotice view={view} state={state} />
        ) : finalising ? (
          <p>{t(state.finalisationFailure ? "finalisation.retrying" : "envelope.finalising")}</p>
        ) : null}
        {state.status === "completed" ? (
          <>
            <p><a class="button button--primary" href={`/envelopes/${state.id}/signed.pdf`} download>{t("envelope.download")}</a></p>
            <p><a href={`/envelopes/${state.id}/evidence.json`} download>{t("envelope.downloadEvidence")}</a></p>
            {props.retentionUntil ? <Retention view={view} until={props.retentionUntil} timeZone={state.timeZone} /> : null}
          </>
        ) : null}
        <EndedRetention view={view} state={state} until={props.retentionUntil} />

        <h2 id="recipients-heading">{t("builder.recipients")}</h2>
        {recipients.length === 0 ? (
          <p>{t("envelope.noRecipients")}</p>
        ) : (
          <>
            {state.signingOrder === "sequential" ? <p class="hint">{t("builder.sequentialHint")}</p> : null}
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t("builder.col.order")}</th>
                    <th scope="col">{t("envelope.col.name")}</th>
                    <th scope="col">{t("envelope.col.email")}</th>
                    <th scope="col">{t("builder.col.role")}</th>
                    <th scope="col">{t("builder.col.method")}</th>
                    <th scope="col">{t("envelope.col.status")}</th>
                    {draft ? <th scope="col">{t("envelope.col.actions")}</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {recipients.map((r, i) => (
                    <tr>
                      <td>{r.order}</td>
                      <td>{r.name}</td>
                      <td>{r.email}{r.phone ? <><br /><span class="hint">{r.phone}</span></> : null}</td>
                      <td>{t(`builder.roleShort.${r.role}` as MessageKey)}</td>
                      <td>
                        {r.role === "signer" ? t(`builder.method.${r.method}` as MessageKey) : "—"}
                        {r.identification?.method === "eid" ? (
                          <>
                            <br />
                            <span class="hint">{t("envelope.eid.identified", { scheme: t(`eid.scheme.${r.identification.scheme}` as MessageKey) })}</span>
                            {r.identification.nameMismatch ? (
                              <p class="field-error">{t("envelope.eid.nameMismatch", { returned: r.identification.name, entered: r.name })}</p>
                            ) : null}
                          </>
                        ) : null}
                      </td>
                      <td>
                        {r.role === "cc" && r.status === "pending" ? (
                          <strong class="tag tag--pending">{t("builder.ccStatus")}</strong>
                        ) : (
                          <strong class={`tag tag--${r.status}`}>{t(`recipientStatus.${r.status}` as MessageKey)}</strong>
                        )}
                      </td>
                      {draft ? (
                        <td class="row-actions">
                          {i > 0 ? <ActionButton view={view} action={`/envelopes/${state.id}/recipients/${r.id}/move`} fields={{ direction: "up" }} label={t("builder.moveUp", { name: r.name })} /> : null}
                          {i < recipients.length - 1 ? <ActionButton view={view} action={`/envelopes/${state.id}/recipients/${r.id}/move`} fields={{ direction: "down" }} label={t("builder.moveDown", { name: r.name })} /> : null}
                          <ActionButton view={view} action={`/envelopes/${state.id}/recipients/${r.id}/remove`} label={t("envelope.remove", { name: r.name })} />
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>

      {props.deliveries && !draft ? <DeliveriesPanel view={view} panel={props.deliveries} timeZone={state.timeZone} /> : null}

      {draft ? (
        <>
          <section aria-labelledby="add-heading">
            <h2 id="add-heading">{t("builder.add.heading")}</h2>
            <form method="post" action={`/envelopes/${state.id}/recipients`} novalidate>
              <CsrfField view={view} />
              <TextField t={t} id="name" label={t("envelope.add.name")} value={add.values.name} error={add.errors.name} spellcheck={false} />
              <TextField t={t} id="email" type="email" label={t("envelope.add.email")} value={add.values.email} error={add.errors.email} spellcheck={false} />
              <TextField t={t} id="phone" type="tel" label={t("builder.phone")} hint={t("builder.phoneHint")} value={add.values.phone} error={add.errors.phone} spellcheck={false} />
              <Radios
                t={t}
                id="role"
                label={t("builder.role")}
                value={add.values.role ?? "signer"}
                error={add.errors.role}
                options={[{ value: "signer", label: t("builder.role.signer") }, { value: "cc", label: t("builder.role.cc") }]}
              />
              <Radios
                t={t}
                id="method"
                label={t("builder.method")}
                hint={t("builder.methodHint")}
                value={add.values.method ?? "email_link"}
                error={add.errors.method}
                options={identificationMethods.map((m) => ({ value: m, label: t(`builder.method.${m}` as MessageKey) }))}
              />
              <Radios
                t={t}
                id="locale"
                label={t("envelope.add.locale")}
                value={add.values.locale ?? locale}
                error={add.errors.locale}
                options={[{ value: "en", label: t("lang.en") }, { value: "nb", label: t("lang.nb") }]}
              />
              <Button variant="secondary">{t("envelope.add.submit")}</Button>
            </form>
          </section>
          <section aria-labelledby="send-heading">
            <h2 id="send-heading">{t("envelope.send.heading")}</h2>
            {signerCount === 0 ? (
              <p>{t("builder.needSigner")}</p>
            ) : (
              <form method="post" action={`/envelopes/${state.id}/send`} novalidate>
                <CsrfField view={view} />
                <TextField
                  t={t}
                  id="expiresOn"
                  type="date"
                  label={t("builder.send.expiresOn")}
                  hint={t("builder.send.expiresOnHint", { timeZone: state.timeZone })}
                  value={send.values.expiresOn ?? props.defaultExpiresOn}
                  error={send.errors.expiresOn}
                  width="short"
                />
                <Button>{t("envelope.send.submit")}</Button>
              </form>
            )}
          </section>
          <section aria-labelledby="settings-heading">
            <h2 id="settings-heading">{t("builder.settings.heading")}</h2>
            <form method="post" action={`/envelopes/${state.id}/settings`} novalidate>
              <CsrfField view={view} />
              <SettingsFields t={t} values={settings.values} errors={settings.errors} />
              <Button variant="secondary">{t("builder.settings.submit")}</Button>
            </form>
          </section>
          <p><a href={`/envelopes/${state.id}/delete`} class="danger-link">{t("builder.delete.link")}</a></p>
        </>
      ) : null}

      {out ? (
        <section aria-labelledby="remind-heading">
          <h2 id="remind-heading">{t("builder.remind.heading")}</h2>
          <p class="hint">{t("builder.remind.hint")}</p>
          <ActionButton view={view} action={`/envelopes/${state.id}/remind`} label={t("builder.remind.submit")} variant="secondary" />
          <ul class="recipient-actions">
            {recipients
              .filter((r) => (r.role === "signer" && due.has(r.id)) || canCorrectEmail(state, r))
              .map((r) => (
                <li>
                  {r.role === "signer" && due.has(r.id) ? (
                    <p><ActionButton view={view} action={`/envelopes/${state.id}/recipients/${r.id}/resend`} label={t("builder.resend.submit", { name: r.name })} /></p>
                  ) : null}
                  {canCorrectEmail(state, r) ? (
                    <CorrectEmailForm
                      view={view}
                      state={state}
                      recipient={r}
                      value={props.correct?.recipientId === r.id ? props.correct.value : r.email}
                      error={props.correct?.recipientId === r.id ? props.correct.error : undefined}
                    />
                  ) : null}
                </li>
              ))}
          </ul>
        </section>
      ) : null}

      {out ? (
        <details class="danger-zone" open={cancel.errors.reason ? true : undefined}>
          <summary>{t("envelope.cancel.heading")}</summary>
          <form method="post" action={`/envelopes/${state.id}/cancel`} novalidate>
            <CsrfField view={view} />
            <TextArea t={t} id="reason" label={t("envelope.cancel.reason")} hint={t("builder.cancel.reasonHint")} value={cancel.values.reason} error={cancel.errors.reason} rows={2} />
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
      <Timeline view={view} events={events} state={state} />
    </Layout>
  );
}

/** "Are you sure?" before a draft is deleted: a page with one button, so it works without JavaScript. */
export function DeleteDraftPage({ view, state }: { view: View; state: EnvelopeState }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("builder.delete.title", { title: state.title })}>
      <h1>{t("builder.delete.title", { title: state.title })}</h1>
      <p>{t("builder.delete.body")}</p>
      <form method="post" action={`/envelopes/${state.id}/delete`}>
        <CsrfField view={view} />
        <Button variant="warning">{t("builder.delete.submit")}</Button>
      </form>
      <p><a href={`/envelopes/${state.id}`}>{t("builder.delete.back")}</a></p>
    </Layout>
  );
}
