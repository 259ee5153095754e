import { raw } from "hono/html";
import { formatBytes, formatCount, type MessageKey } from "../../src/i18n";
import type { EnvelopeState, Recipient } from "../../src/domain/envelope";
import { Button, Checkbox, CsrfField, ErrorSummary, TextArea, TextField } from "../components/form";
import { Layout } from "../layout";
import { Retention } from "../components/retention";
import type { FieldErrors, Values, View } from "../view";

type SignProps = {
  view: View;
  state: EnvelopeState;
  recipient: Recipient;
  values?: Values;
  errors?: FieldErrors;
  declineValues?: Values;
  declineErrors?: FieldErrors;
  /**
   * For an agreement written in Pactly: the exact HTML fragment whose SHA-256 the
   * envelope records (rendered and escaped by templates/agreements when it was
   * created, stored encrypted, and checked against that hash before it gets here).
   */
  agreement?: { html: string } | null;
  /** Where the signer stands with identification; absent for `email_link`. */
  identify?: IdentifyStep;
};

/** An identification error: a translation with its numbers, and the field it belongs to. */
export type IdentifyError = { key: MessageKey; params?: Record<string, string | number>; field: "code" | "send-code" | "eid-start" };

/**
 * The identification step before the sign form: ask for a code, then enter it; or go to
 * eID. `done` shows the sign form with how the signer was identified.
 */
export type IdentifyStep =
  | { kind: "code"; channel: "email" | "sms"; to: string; sent: boolean; minutes: number; error?: IdentifyError | undefined; value?: string | undefined }
  | { kind: "eid"; error?: IdentifyError | undefined }
  | { kind: "done"; method: "email_otp" | "sms_otp" | "eid" };

/**
 * The signing page needs no JavaScript. The download link (with size and pages) is the
 * main way to read on phones; the inline frame is a convenience where browsers show PDFs.
 */
export function SigningPage({ view, state, recipient, values = {}, errors = {}, declineValues = {}, declineErrors = {}, agreement, identify }: SignProps) {
  const { t, locale } = view;
  const all = { ...errors, ...declineErrors };
  const base = `/sign/${recipient.id}`;
  const identifyError = identify?.kind === "code" || identify?.kind === "eid" ? identify.error : undefined;
  const mustIdentify = identify !== undefined && identify.kind !== "done";
  return (
    <Layout view={view} title={t("sign.title", { title: state.title })} hasErrors={Object.keys(all).length > 0 || identifyError !== undefined}>
      {identifyError ? <ErrorSummary t={t} items={[identifyError]} /> : <ErrorSummary t={t} errors={all} order={["typedName", "consent", "reason"]} />}
      <h1>{state.title}</h1>
      <p class="lead">{t("sign.from", { sender: state.sender.name })}</p>
      {state.message ? (
        <section aria-labelledby="message-heading" class="message">
          <h2 id="message-heading">{t("sign.message", { sender: state.sender.name })}</h2>
          <p>{state.message}</p>
        </section>
      ) : null}

      <h2>{t("sign.read.heading")}</h2>
      <p>
        <a href={`${base}/document.pdf?download=1`} download class="download">
          {t("sign.read.download", { size: formatBytes(locale, state.document.size), pages: formatCount(t, locale, "pages", state.document.pages) })}
        </a>
      </p>
      {agreement ? (
        <>
          <p class="hint">{t("sign.agreement.intro")}</p>
          <div class="agreement-read">{raw(agreement.html)}</div>
        </>
      ) : (
        <>
          <iframe class="pdf-frame" src={`${base}/document.pdf`} title={t("sign.read.frame")} loading="lazy"></iframe>
          <p class="hint">{t("sign.read.noInline")}</p>
        </>
      )}

      {identify && identify.kind !== "done" ? <IdentifySection view={view} base={base} step={identify} /> : null}
      {mustIdentify ? null : (
        <section aria-labelledby="sign-heading">
          <h2 id="sign-heading">{t("sign.form.heading")}</h2>
          <p>{identify?.kind === "done" ? t(`identify.done.${identify.method}`) : t("sign.method", { email: recipient.email })}</p>
          <form method="post" action={`${base}/sign`} novalidate>
            <CsrfField view={view} />
            <TextField t={t} id="typedName" label={t("sign.form.name")} hint={t("sign.form.nameHint")} value={values.typedName} error={errors.typedName} autocomplete="name" spellcheck={false} />
            <Checkbox t={t} id="consent" label={t("sign.form.consent")} checked={values.consent === "yes"} error={errors.consent} />
            <Button>{t("sign.form.submit")}</Button>
          </form>
        </section>
      )}

      <details class="danger-zone" open={Object.keys(declineErrors).length > 0}>
        <summary>{t("sign.decline.heading")}</summary>
        <form method="post" action={`${base}/decline`} novalidate>
          <CsrfField view={view} />
          <TextArea t={t} id="reason" label={t("sign.decline.reason")} hint={t("sign.decline.reasonHint")} value={declineValues.reason} error={declineErrors.reason} rows={3} />
          <Button variant="warning">{t("sign.decline.submit")}</Button>
        </form>
      </details>
    </Layout>
  );
}

/** Every end of the journey: signed, declined, cancelled, expired, not your turn, invalid link. */
export function SignerMessagePage({
  view,
  titleKey,
  bodyKey,
  downloadHref,
  retention,
}: {
  view: View;
  titleKey: MessageKey;
  bodyKey: MessageKey;
  downloadHref?: string | undefined;
  /** For the signed copy: when it is deleted, so the signer knows how long they can download it. */
  retention?: { until: string; timeZone: string } | undefined;
}) {
  const { t } = view;
  return (
    <Layout view={view} title={t(titleKey)}>
      <div class="panel" role="status">
        <h1>{t(titleKey)}</h1>
      </div>
      <p>{t(bodyKey)}</p>
      {downloadHref ? <p><a class="button button--primary" href={downloadHref} download>{t("sign.done.download")}</a></p> : null}
      {retention ? <Retention view={view} until={retention.until} timeZone={retention.timeZone} /> : null}
    </Layout>
  );
}

/** Identify yourself: a code by email or SMS (no JavaScript needed), or the way into eID. */
function IdentifySection({ view, base, step }: { view: View; base: string; step: Exclude<IdentifyStep, { kind: "done" }> }) {
  const { t } = view;
  if (step.kind === "eid") {
    return (
      <section aria-labelledby="identify-heading" class="identify">
        <h2 id="identify-heading">{t("identify.heading")}</h2>
        <p>{t("identify.eid.intro")}</p>
        <form method="post" action={`${base}/eid/start`}>
          <CsrfField view={view} />
          {step.error ? (
            <p id="eid-start-error" class="field-error">
              <span class="visually-hidden">{t("error.prefix")} </span>
              {t(step.error.key, step.error.params)}
            </p>
          ) : null}
          <button type="submit" id="eid-start" class="button button--primary" aria-describedby={step.error ? "eid-start-error" : undefined}>
            {t("identify.eid.button")}
          </button>
        </form>
      </section>
    );
  }
  const codeError = step.error?.field === "code" ? step.error : undefined;
  const sendError = step.error?.field === "send-code" ? step.error : undefined;
  const sendButton = (
    <form method="post" action={`${base}/code/send`} novalidate class={step.sent ? "identify-resend" : undefined}>
      <CsrfField view={view} />
      {sendError ? (
        <p id="send-code-error" class="field-error">
          <span class="visually-hidden">{t("error.prefix")} </span>
          {t(sendError.key, sendError.params)}
        </p>
      ) : null}
      <button type="submit" id="send-code" class={`button button--${step.sent ? "secondary" : "primary"}`} aria-describedby={sendError ? "send-code-error" : undefined}>
        {t(step.sent ? "identify.resend" : "identify.send")}
      </button>
    </form>
  );
  return (
    <section aria-labelledby="identify-heading" class="identify">
      <h2 id="identify-heading">{t("identify.heading")}</h2>
      <p>{t(step.channel === "sms" ? "identify.intro.sms" : "identify.intro.email")}</p>
      {step.sent ? (
        <>
          <form method="post" action={`${base}/code/confirm`} novalidate>
            <CsrfField view={view} />
            <TextField
              t={t}
              id="code"
              label={t("identify.code.label")}
              hint={t("identify.code.hint", { to: step.to, minutes: step.minutes })}
              value={step.value}
              error={codeError?.key}
              errorParams={codeError?.params}
              autocomplete="one-time-code"
              inputmode="numeric"
              spellcheck={false}
              width="short"
            />
            <Button>{t("identify.confirm")}</Button>
          </form>
          <p class="hint">{t("identify.resendHint")}</p>
          {sendButton}
        </>
      ) : (
        <>
          <p>{t("identify.willSend", { to: step.to })}</p>
          {sendButton}
        </>
      )}
    </section>
  );
}
