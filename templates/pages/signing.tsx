import { raw } from "hono/html";
import { formatBytes, formatCount, type MessageKey } from "../../src/i18n";
import type { EnvelopeState, Recipient } from "../../src/domain/envelope";
import { Button, Checkbox, CsrfField, ErrorSummary, TextArea, TextField } from "../components/form";
import { Layout } from "../layout";
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
};

/**
 * The signing page needs no JavaScript. The download link (with size and pages) is the
 * main way to read on phones; the inline frame is a convenience where browsers show PDFs.
 */
export function SigningPage({ view, state, recipient, values = {}, errors = {}, declineValues = {}, declineErrors = {}, agreement }: SignProps) {
  const { t, locale } = view;
  const all = { ...errors, ...declineErrors };
  const base = `/sign/${recipient.id}`;
  return (
    <Layout view={view} title={t("sign.title", { title: state.title })} hasErrors={Object.keys(all).length > 0}>
      <ErrorSummary t={t} errors={all} order={["typedName", "consent", "reason"]} />
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

      <section aria-labelledby="sign-heading">
        <h2 id="sign-heading">{t("sign.form.heading")}</h2>
        <p>{t("sign.method", { email: recipient.email })}</p>
        <form method="post" action={`${base}/sign`} novalidate>
          <CsrfField view={view} />
          <TextField t={t} id="typedName" label={t("sign.form.name")} hint={t("sign.form.nameHint")} value={values.typedName} error={errors.typedName} autocomplete="name" spellcheck={false} />
          <Checkbox t={t} id="consent" label={t("sign.form.consent")} checked={values.consent === "yes"} error={errors.consent} />
          <Button>{t("sign.form.submit")}</Button>
        </form>
      </section>

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
export function SignerMessagePage({ view, titleKey, bodyKey, downloadHref }: { view: View; titleKey: MessageKey; bodyKey: MessageKey; downloadHref?: string | undefined }) {
  const { t } = view;
  return (
    <Layout view={view} title={t(titleKey)}>
      <div class="panel" role="status">
        <h1>{t(titleKey)}</h1>
      </div>
      <p>{t(bodyKey)}</p>
      {downloadHref ? <p><a class="button button--primary" href={downloadHref} download>{t("sign.done.download")}</a></p> : null}
    </Layout>
  );
}
