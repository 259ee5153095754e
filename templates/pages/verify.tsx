import { formatDateTime } from "../../src/i18n";
import { Button, CsrfField, ErrorSummary, FileField } from "../components/form";
import { Layout } from "../layout";
import type { VerifyOutcome } from "../../src/domain/verification";
import type { FieldErrors, View } from "../view";


/** Anyone holding a PDF can check it; the answer reveals nothing the file does not already contain. */
export function VerifyPage({ view, errors = {}, outcome }: { view: View; errors?: FieldErrors; outcome?: VerifyOutcome }) {
  const { t, locale } = view;
  const hasErrors = Object.keys(errors).length > 0;
  const check = (ok: boolean, label: string) => (
    <li class={ok ? "check check--ok" : "check check--fail"}>
      <span class="visually-hidden">{ok ? t("verify.yes") : t("verify.no")}: </span>
      {label}
    </li>
  );
  return (
    <Layout view={view} title={t("verify.title")} hasErrors={hasErrors}>
      <ErrorSummary t={t} errors={errors} order={["file"]} />
      <h1>{t("verify.title")}</h1>
      <p class="lead">{t("verify.lead")}</p>
      {outcome ? (
        <section aria-labelledby="result-heading" class={outcome.genuine ? "panel" : "notice notice--warning"}>
          <h2 id="result-heading" tabindex={-1} autofocus>{outcome.genuine ? t("verify.genuine") : t("verify.notGenuine")}</h2>
          <ul class="checks">
            {check(outcome.sealed && outcome.sealValid, t("verify.check.seal"))}
            {check(outcome.trusted, t("verify.check.trusted"))}
            {check(outcome.unchanged, t("verify.check.unchanged"))}
            {check(outcome.originalIntact, t("verify.check.original"))}
            {check(outcome.evidenceIntact, t("verify.check.evidence"))}
          </ul>
          {outcome.completedAt ? <p>{t("verify.completedAt", { date: formatDateTime(locale, outcome.completedAt) })}</p> : null}
        </section>
      ) : null}
      <form method="post" action="/verify" enctype="multipart/form-data" novalidate>
        <CsrfField view={view} />
        <FileField t={t} id="file" label={t("verify.file")} hint={t("verify.fileHint")} error={errors.file} accept="application/pdf,.pdf" />
        <Button>{t("verify.submit")}</Button>
      </form>
      <p>{t("verify.offline")}</p>
    </Layout>
  );
}
