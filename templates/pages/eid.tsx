import type { EidScheme } from "../../src/domain/identification";
import type { MessageKey } from "../../src/i18n";
import { Button, CsrfField, ErrorSummary, Radios } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, View } from "../view";

/** With several eIDs enabled, the signer picks one: a plain radio form that needs no JavaScript. */
export function EidChoosePage({ view, recipientId, schemes, value, errors = {} }: { view: View; recipientId: string; schemes: EidScheme[]; value?: string | undefined; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("eid.choose.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["scheme"]} />
      <h1>{t("eid.choose.title")}</h1>
      <form method="post" action={`/sign/${recipientId}/eid/start`} novalidate>
        <CsrfField view={view} />
        <Radios
          t={t}
          id="scheme"
          label={t("eid.choose.legend")}
          hint={t("eid.choose.hint")}
          value={value}
          error={errors.scheme}
          options={schemes.map((s) => ({ value: s, label: t(`eid.scheme.${s}`) }))}
        />
        <Button>{t("eid.choose.submit")}</Button>
      </form>
      <p><a href={`/sign/${recipientId}`}>{t("eid.back")}</a></p>
    </Layout>
  );
}

/**
 * An eID attempt that did not identify the signer: what happened, that nothing was
 * signed, and a way on. "Try again" starts a fresh attempt (a new state and nonce).
 */
export function EidProblemPage({ view, titleKey, bodyKey, recipientId, scheme }: { view: View; titleKey: MessageKey; bodyKey: MessageKey; recipientId?: string | undefined; scheme?: EidScheme | undefined }) {
  const { t } = view;
  return (
    <Layout view={view} title={t(titleKey)}>
      <div class="panel panel--problem">
        <h1>{t(titleKey)}</h1>
      </div>
      <p>{t(bodyKey)}</p>
      {recipientId ? (
        <>
          <form method="post" action={`/sign/${recipientId}/eid/start`}>
            <CsrfField view={view} />
            {scheme ? <input type="hidden" name="scheme" value={scheme} /> : null}
            <Button>{t("eid.tryAgain")}</Button>
          </form>
          <p><a href={`/sign/${recipientId}`}>{t("eid.back")}</a></p>
        </>
      ) : null}
    </Layout>
  );
}
