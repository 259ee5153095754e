import { Layout } from "../layout";
import { Button, CsrfField, ErrorSummary, Radios, TextField } from "../components/form";
import type { FieldErrors, Values, View } from "../view";
import { CodeField, CodeKindSwitch, type CodeKind } from "./account";

export function HomePage({ view }: { view: View }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("home.heading")}>
      <h1>{t("home.heading")}</h1>
      <p class="lead">{t("home.lead")}</p>
      <p class="actions">
        <a class="button button--primary" href="/signup">{t("home.start")}</a>
        <a class="button button--secondary" href="/login">{t("home.login")}</a>
      </p>
    </Layout>
  );
}

export function SignUpPage({ view, values = {}, errors = {} }: { view: View; values?: Values; errors?: FieldErrors }) {
  const { t } = view;
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout view={view} title={t("signup.title")} hasErrors={hasErrors}>
      <ErrorSummary t={t} errors={errors} order={["name", "email", "password", "locale"]} />
      <h1>{t("signup.title")}</h1>
      <form method="post" action="/signup" novalidate>
        <CsrfField view={view} />
        <TextField t={t} id="name" label={t("signup.name")} value={values.name} error={errors.name} autocomplete="name" spellcheck={false} />
        <TextField t={t} id="email" type="email" label={t("signup.email")} value={values.email} error={errors.email} autocomplete="email" spellcheck={false} />
        <TextField t={t} id="password" type="password" label={t("signup.password")} hint={t("signup.passwordHint")} error={errors.password} autocomplete="new-password" />
        <Radios
          t={t}
          id="locale"
          label={t("signup.locale")}
          value={values.locale ?? view.locale}
          error={errors.locale}
          options={[{ value: "en", label: t("lang.en") }, { value: "nb", label: t("lang.nb") }]}
        />
        <Button>{t("signup.submit")}</Button>
      </form>
      <p>{t("signup.haveAccount")} <a href="/login">{t("nav.login")}</a></p>
    </Layout>
  );
}

export function LogInPage({ view, values = {}, errors = {}, notice }: { view: View; values?: Values; errors?: FieldErrors; notice?: string }) {
  const { t } = view;
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout view={view} title={t("login.title")} hasErrors={hasErrors}>
      <ErrorSummary t={t} errors={errors} order={["email", "password"]} />
      {notice ? <div class="notice" role="status"><p>{notice}</p></div> : null}
      <h1>{t("login.title")}</h1>
      <form method="post" action="/login" novalidate>
        <CsrfField view={view} />
        <TextField t={t} id="email" type="email" label={t("login.email")} value={values.email} error={errors.email} autocomplete="username" spellcheck={false} />
        <TextField t={t} id="password" type="password" label={t("login.password")} error={errors.password} autocomplete="current-password" />
        <Button>{t("login.submit")}</Button>
      </form>
      <p><a href="/password/forgot">{t("account.login.forgot")}</a></p>
      <p>{t("login.noAccount")} <a href="/signup">{t("nav.signup")}</a></p>
    </Layout>
  );
}

/** The second step of a login for users with 2FA: a code from the app, or a recovery code. */
export function LoginCodePage({ view, kind, errors = {} }: { view: View; kind: CodeKind; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("twoFactor.login.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["code"]} />
      <h1>{t("twoFactor.login.title")}</h1>
      <p>{t(kind === "totp" ? "twoFactor.login.lead" : "twoFactor.login.recoveryLead")}</p>
      <form method="post" action="/login/two-factor" novalidate>
        <CsrfField view={view} />
        <CodeField t={t} error={errors.code} kind={kind} />
        <Button>{t("twoFactor.login.submit")}</Button>
      </form>
      <CodeKindSwitch t={t} path="/login/two-factor" kind={kind} />
    </Layout>
  );
}
