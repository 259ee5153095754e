import type { AgreementDocument } from "../../src/agreements/document";
import type { Values } from "../../src/agreements/fields";
import { fieldsOf, type AgreementTemplate } from "../../src/agreements/template";
import type { MessageKey } from "../../src/i18n";
import { AgreementArticle } from "../agreements/agreement";
import { AgreementFields, type FieldMessage, fieldText } from "../agreements/form";
import { CsrfField, ErrorSummary, Radios, TextArea, TextField } from "../components/form";
import { Layout } from "../layout";
import type { View } from "../view";

/** The library: one heading and one sentence per template, the heading a link to its form. */
export function AgreementLibraryPage({ view, templates }: { view: View; templates: readonly AgreementTemplate[] }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("agreements.title")}>
      <p><a href="/envelopes">{t("envelope.back")}</a></p>
      <h1>{t("agreements.title")}</h1>
      <p class="lead">{t("agreements.lead")}</p>
      <ul class="template-list">
        {templates.map((template) => (
          <li>
            <h2><a href={`/agreements/${template.id}`}>{t(`agreements.template.${template.id}` as MessageKey)}</a></h2>
            <p>{t(`agreements.template.${template.id}.description` as MessageKey)}</p>
          </li>
        ))}
      </ul>
      <p class="notice">{t("agreements.notAdvice")}</p>
      <p>{t("agreements.upload")} <a href="/envelopes/new">{t("agreements.uploadLink")}</a></p>
    </Layout>
  );
}

type FormProps = {
  view: View;
  template: AgreementTemplate;
  /** The answers exactly as typed (kept when the page is shown again). */
  values: Values;
  errors?: FieldMessage[];
  document: AgreementDocument;
  idempotencyKey: string;
};

/**
 * Missing answers in the preview are named by their field's label in the
 * sender's language ("[Amount lent]"), even in an agreement in another language.
 */
function blankLabel(view: View, template: AgreementTemplate): (field: string) => string {
  const defs = new Map(fieldsOf(template).map((f) => [f.name, f]));
  return (field) => {
    const def = defs.get(field);
    return def ? fieldText(view.t, view.locale, template, def).name : field;
  };
}

/** What htmx swaps into the preview region as the sender types. */
export function AgreementPreview({ view, template, document }: { view: View; template: AgreementTemplate; document: AgreementDocument }) {
  return <AgreementArticle doc={document} blank={blankLabel(view, template)} />;
}

/**
 * The form and, beside it on wide screens, the agreement as it will read. Without
 * JavaScript "Update preview" posts the form and the page comes back with the
 * preview (and the answers); with htmx the preview follows the typing. No inline
 * script and no hx-on: the CSP allows only the nonce'd htmx file.
 */
export function AgreementFormPage({ view, template, values, errors = [], document, idempotencyKey }: FormProps) {
  const { t } = view;
  const name = t(`agreements.template.${template.id}` as MessageKey);
  const action = `/agreements/${template.id}`;
  const envelopeError = (field: string) => errors.find((e) => e.field === field);
  const titleError = envelopeError("envelopeTitle");
  const messageError = envelopeError("message");
  return (
    <Layout view={view} title={name} hasErrors={errors.length > 0} htmx>
      <ErrorSummary t={t} items={errors} />
      <p><a href="/agreements">{t("agreement.back")}</a></p>
      <span class="caption">{t("agreement.caption")}</span>
      <h1>{name}</h1>
      <p class="lead">{t("agreement.intro")}</p>
      <div class="agreement-editor">
        <form
          id="agreement-form"
          method="post"
          action={action}
          novalidate
          hx-post={`${action}/preview`}
          // "changed" remembers each field's last value; a radio's value never changes, so radios
          // (choosing back an earlier option) get their own trigger.
          hx-trigger="input changed delay:500ms, change from:(#agreement-form input[type=radio])"
          hx-target="#agreement-preview"
          hx-swap="innerHTML"
          // One request at a time and then only the newest: no aborted requests on slow lines.
          hx-sync="this:queue last"
        >
          <CsrfField view={view} />
          <input type="hidden" name="idempotency_key" value={idempotencyKey} />
          <Radios
            t={t}
            id="agreementLocale"
            label={t("agreement.locale")}
            hint={t("agreement.locale.hint")}
            value={values.agreementLocale ?? view.locale}
            options={[{ value: "nb", label: t("lang.nb") }, { value: "en", label: t("lang.en") }]}
          />
          <AgreementFields t={t} locale={view.locale} template={template} values={values} errors={errors.filter((e) => e.field !== "envelopeTitle" && e.field !== "message")} />
          <fieldset class="agreement-group">
            <legend>{t("agreement.envelope.heading")}</legend>
            <TextField
              t={t}
              id="envelopeTitle"
              label={t("agreement.optional", { label: t("agreement.envelope.title") })}
              hint={t("agreement.envelope.titleHint")}
              value={values.envelopeTitle}
              error={titleError?.key}
            />
            <TextArea t={t} id="message" label={t("new.message")} value={values.message} error={messageError?.key} rows={3} />
            <Radios
              t={t}
              id="order"
              label={t("new.order")}
              value={values.order ?? "parallel"}
              options={[{ value: "parallel", label: t("new.order.parallel") }, { value: "sequential", label: t("new.order.sequential") }]}
            />
          </fieldset>
          <p class="hint">{t("agreements.notAdvice")}</p>
          <div class="actions">
            <button type="submit" class="button button--primary">{t("agreement.create.submit")}</button>
            <button type="submit" class="button button--secondary" formaction={`${action}/preview#preview-heading`}>{t("agreement.preview.submit")}</button>
          </div>
          <p class="hint">{t("agreement.create.hint")}</p>
        </form>
        {/* Scrolls on its own beside the form; focusable so keyboard users can scroll it too. */}
        <section class="agreement-preview" aria-labelledby="preview-heading" tabindex={0}>
          <h2 id="preview-heading">{t("agreement.preview.heading")}</h2>
          <p class="hint">{t("agreement.preview.hint")}</p>
          <div id="agreement-preview">
            <AgreementPreview view={view} template={template} document={document} />
          </div>
        </section>
      </div>
    </Layout>
  );
}
