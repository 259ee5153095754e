/**
 * "Your data": download everything Pactly holds about you as one archive, and delete
 * your account, with a plain statement of what deletion does before you confirm.
 */
import { Layout } from "../layout";
import { Button, Checkbox, CsrfField, ErrorSummary, TextField } from "../components/form";
import { CodeField, CodeKindSwitch, type CodeKind } from "./account";
import type { DeletionPlan } from "../../src/domain/account-deletion";
import { formatDateTime } from "../../src/i18n";
import type { FieldErrors, View } from "../view";

export function YourDataPage({ view, errors = {} }: { view: View; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("yourData.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["password"]} />
      <h1>{t("yourData.title")}</h1>

      <h2 id="export-heading">{t("yourData.export.heading")}</h2>
      <p>{t("yourData.export.lead")}</p>
      <ul>
        <li>{t("yourData.export.account")}</li>
        <li>{t("yourData.export.envelopes")}</li>
        <li>{t("yourData.export.audit")}</li>
      </ul>
      <p>{t("yourData.export.notStored")}</p>
      <form method="post" action="/account/data/export" novalidate aria-labelledby="export-heading">
        <CsrfField view={view} />
        <TextField t={t} id="password" type="password" label={t("account.password.current")} hint={t("yourData.export.passwordHint")} error={errors.password} autocomplete="current-password" />
        <Button>{t("yourData.export.submit")}</Button>
      </form>

      <h2>{t("yourData.delete.heading")}</h2>
      <p>{t("yourData.delete.lead")}</p>
      <p><a href="/account/delete">{t("yourData.delete.link")}</a></p>
      <p><a href="/account">{t("account.back")}</a></p>
    </Layout>
  );
}

/** The statement of what deleting does, then (when nothing blocks it) the form that does it. */
export function DeleteAccountPage(props: { view: View; email: string; plan: DeletionPlan; twoFactor: boolean; kind: CodeKind; errors?: FieldErrors }) {
  const { view, email, plan, twoFactor, kind, errors = {} } = props;
  const { t, locale } = view;
  const blocked = plan.blockers.length > 0;
  return (
    <Layout view={view} title={t("yourData.delete.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["password", "code", "confirm"]} />
      <h1>{t("yourData.delete.title")}</h1>

      {blocked ? (
        <div class="notice notice--warning" role="region" aria-labelledby="blockers-heading">
          <h2 id="blockers-heading">{t("yourData.blockers.heading")}</h2>
          <ul>
            {plan.blockers.map((b) =>
              b.kind === "shared_organisation" ? (
                <li>{t("yourData.blockers.organisation", { name: b.name, count: b.otherMembers })} <a href="/settings/organisation">{t("yourData.blockers.organisationLink")}</a></li>
              ) : (
                <li>{t("yourData.blockers.outForSigning", { count: b.count })} <a href="/envelopes?status=sent">{t("yourData.blockers.outForSigningLink")}</a></li>
              ),
            )}
          </ul>
        </div>
      ) : null}

      <h2>{t("yourData.statement.heading")}</h2>
      <ul class="statement">
        <li>{t("yourData.statement.account")}</li>
        {plan.drafts.length > 0 ? <li>{t("yourData.statement.drafts", { count: plan.drafts.length })}</li> : null}
        {plan.organisationsDeleted.map((o) => <li>{t("yourData.statement.organisationDeleted", { name: o.name })}</li>)}
        {plan.organisationsLeft.map((o) => <li>{t("yourData.statement.organisationLeft", { name: o.name })}</li>)}
        {plan.keptUntil ? (
          <li>{t("yourData.statement.agreementsKept", { count: plan.agreementsKept, date: formatDateTime(locale, plan.keptUntil) })}</li>
        ) : null}
        <li>{t("yourData.statement.signedForOthers")}</li>
        <li>{t("yourData.statement.auditLog")}</li>
        <li>{t("yourData.statement.lastEmail", { email })}</li>
      </ul>
      <p><a href="/account/data">{t("yourData.statement.exportFirst")}</a></p>

      {blocked ? null : (
        <form method="post" action="/account/delete" novalidate>
          <CsrfField view={view} />
          <TextField t={t} id="password" type="password" label={t("account.password.current")} error={errors.password} autocomplete="current-password" />
          {twoFactor ? <CodeField t={t} error={errors.code} kind={kind} /> : null}
          <Checkbox t={t} id="confirm" label={t("yourData.delete.confirm")} error={errors.confirm} />
          <Button variant="warning">{t("yourData.delete.submit")}</Button>
        </form>
      )}
      {twoFactor && !blocked ? <CodeKindSwitch t={t} path="/account/delete" kind={kind} /> : null}
      <p><a href="/account">{t("account.back")}</a></p>
    </Layout>
  );
}

/** Shown once the account is gone, to a browser that is no longer signed in. */
export function AccountDeletedPage({ view }: { view: View }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("yourData.deleted.title")}>
      <div class="notice" role="status"><p>{t("yourData.deleted.title")}</p></div>
      <h1>{t("yourData.deleted.title")}</h1>
      <p>{t("yourData.deleted.body")}</p>
      <p><a href="/">{t("yourData.deleted.home")}</a></p>
    </Layout>
  );
}
