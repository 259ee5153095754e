import { formatDateTime } from "../../src/i18n";
import type { ApiKeySummary } from "../../src/domain/api-keys";
import { Button, CsrfField, ErrorSummary, TextField } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, Values, View } from "../view";

type ApiKeysProps = {
  view: View;
  keys: ApiKeySummary[];
  values?: Values;
  /** Checked scopes when the form is shown again. */
  scopes?: string[];
  errors?: FieldErrors;
  /** The key just created: shown in full this once, never again. */
  created?: { name: string; key: string } | null;
  notice?: string;
};

/**
 * Settings → API keys: the one-time display of a new key, the create form (GOV.UK
 * patterns: error summary, hints, a checkbox group in a fieldset) and the list.
 */
export function ApiKeysPage({ view, keys, values = {}, scopes = ["read"], errors = {}, created = null, notice }: ApiKeysProps) {
  const { t, locale } = view;
  const hasErrors = Object.keys(errors).length > 0;
  const scopeError = errors.scopes;
  return (
    <Layout view={view} title={t("apiKeys.title")} hasErrors={hasErrors}>
      <ErrorSummary t={t} errors={errors} order={["name", "scopes"]} />
      {notice ? (
        <div class="notice" role="status"><p>{notice}</p></div>
      ) : null}
      <h1>{t("apiKeys.title")}</h1>
      {created ? (
        <section class="panel api-key-created" aria-labelledby="created-heading" tabindex={-1} autofocus>
          <h2 id="created-heading">{t("apiKeys.created.heading")}</h2>
          <p>{t("apiKeys.created.body")}</p>
          <label for="new-key">{t("apiKeys.created.label", { name: created.name })}</label>
          <input class="input input--full api-key-value" id="new-key" type="text" readonly value={created.key} spellcheck={false} autocomplete="off" />
        </section>
      ) : null}
      <p>{t("apiKeys.intro")}</p>
      <p><a href="/docs/api">{t("apiKeys.reference")}</a></p>

      <h2 id="list-heading">{t("apiKeys.list.heading")}</h2>
      {keys.length === 0 ? (
        <p>{t("apiKeys.list.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{t("apiKeys.list.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("apiKeys.col.name")}</th>
                <th scope="col">{t("apiKeys.col.key")}</th>
                <th scope="col">{t("apiKeys.col.scopes")}</th>
                <th scope="col">{t("apiKeys.col.created")}</th>
                <th scope="col">{t("apiKeys.col.lastUsed")}</th>
                <th scope="col">{t("apiKeys.col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr>
                  <th scope="row">{k.name}</th>
                  <td><code>{k.prefix}…</code></td>
                  <td>{k.scopes.map((s) => t(`apiKeys.scopeName.${s}`)).join(", ")}</td>
                  <td>{formatDateTime(locale, k.createdAt)}</td>
                  <td>{k.lastUsedAt ? formatDateTime(locale, k.lastUsedAt) : t("apiKeys.never")}</td>
                  <td>
                    {k.revokedAt ? (
                      t("apiKeys.revokedAt", { date: formatDateTime(locale, k.revokedAt) })
                    ) : (
                      <>
                        {t("apiKeys.active")}{" "}
                        <a href={`/settings/api-keys/${k.id}/revoke`} aria-label={t("apiKeys.revokeName", { name: k.name })}>{t("apiKeys.revoke")}</a>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="create-heading">{t("apiKeys.create.heading")}</h2>
      <form method="post" action="/settings/api-keys" novalidate aria-labelledby="create-heading">
        <CsrfField view={view} />
        <TextField t={t} id="name" label={t("apiKeys.create.name")} hint={t("apiKeys.create.nameHint")} error={errors.name} value={values.name} autocomplete="off" />
        <div class={`field${scopeError ? " field--error" : ""}`}>
          <fieldset aria-describedby={`scopes-hint${scopeError ? " scopes-error" : ""}`}>
            <legend>{t("apiKeys.create.scopes")}</legend>
            <div id="scopes-hint" class="hint">{t("apiKeys.create.scopesHint")}</div>
            {scopeError ? (
              <p id="scopes-error" class="field-error">
                <span class="visually-hidden">{t("error.prefix")} </span>
                {t(scopeError)}
              </p>
            ) : null}
            {(["read", "write"] as const).map((scope, i) => (
              <div class="checkbox">
                {/* The first box carries the group's id, so the error summary can link to it. */}
                <input id={i === 0 ? "scopes" : `scopes-${scope}`} name="scopes" type="checkbox" value={scope} checked={scopes.includes(scope)} aria-invalid={scopeError ? "true" : undefined} />
                <label for={i === 0 ? "scopes" : `scopes-${scope}`}>{t(`apiKeys.scope.${scope}`)}</label>
              </div>
            ))}
          </fieldset>
        </div>
        <Button>{t("apiKeys.create.submit")}</Button>
      </form>
    </Layout>
  );
}

/** "Are you sure?" before revoking: a plain page with a POST button, so it works without JavaScript. */
export function RevokeApiKeyPage({ view, apiKey }: { view: View; apiKey: ApiKeySummary }) {
  const { t } = view;
  const title = t("apiKeys.revoke.title", { name: apiKey.name });
  return (
    <Layout view={view} title={title}>
      <h1>{title}</h1>
      <p>{t("apiKeys.revoke.body", { prefix: apiKey.prefix })}</p>
      <form method="post" action={`/settings/api-keys/${apiKey.id}/revoke`}>
        <CsrfField view={view} />
        <Button variant="warning">{t("apiKeys.revoke.confirm")}</Button>
      </form>
      <p><a href="/settings/api-keys">{t("apiKeys.revoke.cancel")}</a></p>
    </Layout>
  );
}
