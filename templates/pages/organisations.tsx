import { formatDateTime } from "../../src/i18n";
import { assignableRoles, can, canManageMember, type Role } from "../../src/domain/permissions";
import type { OrganisationOverview } from "../../src/domain/organisations";
import { Button, Checkbox, CsrfField, ErrorSummary, Radios, Select, TextField } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, Values, View } from "../view";

type OrganisationProps = {
  view: View;
  overview: OrganisationOverview;
  userId: string;
  values?: Values;
  errors?: FieldErrors;
  notice?: string | undefined;
};

const errorOrder = ["orgId", "email", "role", "memberId", "deleteName", "name"];

/**
 * Settings → Organisation: the active organisation, its members and invitations, its
 * settings, and the owner's transfer and delete. Each form is shown only to a role the
 * permission matrix allows; the server checks again on every POST.
 */
export function OrganisationPage({ view, overview, userId, values = {}, errors = {}, notice }: OrganisationProps) {
  const { t, locale } = view;
  const { organisation, role, memberships, members, invitations } = overview;
  const roleLabel = (r: Role) => t(`organisations.role.${r}`);
  const roleOptions = assignableRoles(role).map((r) => ({ value: r, label: roleLabel(r) }));
  const others = members.filter((m) => m.userId !== userId);
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout view={view} title={t("organisations.title")} hasErrors={hasErrors}>
      <ErrorSummary t={t} errors={errors} order={errorOrder} />
      {notice ? <div class="notice" role="status"><p>{notice}</p></div> : null}
      <h1>{t("organisations.title")}</h1>
      <p>
        {t(organisation.personal ? "organisations.current.personal" : "organisations.current", { name: organisation.name, role: roleLabel(role) })}
      </p>

      {memberships.length > 1 ? (
        <section aria-labelledby="switch-heading">
          <h2 id="switch-heading">{t("organisations.switch.heading")}</h2>
          <form method="post" action="/settings/organisation/switch" novalidate>
            <CsrfField view={view} />
            <Select
              t={t}
              id="orgId"
              label={t("organisations.switch.label")}
              value={organisation.id}
              error={errors.orgId}
              options={memberships.map((m) => ({ value: m.id, label: m.personal ? t("organisations.personal") : `${m.name} (${roleLabel(m.role)})` }))}
            />
            <Button variant="secondary">{t("organisations.switch.submit")}</Button>
          </form>
        </section>
      ) : null}

      {members.length > 0 ? (
        <section aria-labelledby="members-heading">
          <h2 id="members-heading">{t("organisations.members.heading")}</h2>
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">{t("organisations.members.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("organisations.col.name")}</th>
                  <th scope="col">{t("organisations.col.email")}</th>
                  <th scope="col">{t("organisations.col.role")}</th>
                  <th scope="col">{t("organisations.col.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {members.map((m) => (
                  <tr>
                    <td>{m.name}</td>
                    <td>{m.email}</td>
                    <td>{roleLabel(m.role)}</td>
                    <td>
                      {m.userId !== userId && canManageMember(role, m.role) ? (
                        <div class="org-member-actions">
                          <form method="post" action={`/settings/organisation/members/${m.userId}/role`} novalidate>
                            <CsrfField view={view} />
                            <label for={`role-${m.userId}`}>{t("organisations.members.changeRole", { name: m.name })}</label>
                            <select class="input select" id={`role-${m.userId}`} name="role">
                              {roleOptions.map((o) => <option value={o.value} selected={o.value === m.role}>{o.label}</option>)}
                            </select>
                            <Button variant="secondary">{t("organisations.members.changeRole.submit")}</Button>
                          </form>
                          <form method="post" action={`/settings/organisation/members/${m.userId}/remove`} novalidate>
                            <CsrfField view={view} />
                            <button type="submit" class="button button--warning">
                              {t("organisations.members.remove")}<span class="visually-hidden"> {m.name}</span>
                            </button>
                          </form>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {can(role, "members.manage") && !organisation.personal ? (
        <section aria-labelledby="invite-heading">
          <h2 id="invite-heading">{t("organisations.invite.heading")}</h2>
          <form method="post" action="/settings/organisation/invite" novalidate>
            <CsrfField view={view} />
            <TextField t={t} id="email" type="email" label={t("organisations.invite.email")} hint={t("organisations.invite.emailHint")} value={values.email} error={errors.email} autocomplete="off" spellcheck={false} />
            <Radios t={t} id="role" label={t("organisations.invite.role")} value={values.role ?? "user"} error={errors.role} options={roleOptions.map((o) => ({ value: o.value, label: `${o.label}: ${t(`organisations.role.${o.value}.hint`)}` }))} />
            <Button>{t("organisations.invite.submit")}</Button>
          </form>
          {invitations.length > 0 ? (
            <>
              <h3>{t("organisations.invitations.heading")}</h3>
              <ul class="org-invitations">
                {invitations.map((i) => (
                  <li>
                    {t("organisations.invitations.item", { email: i.email, role: roleLabel(i.role), until: formatDateTime(locale, i.expiresAt) })}{" "}
                    <form method="post" action={`/settings/organisation/invitations/${i.id}/revoke`} class="inline">
                      <CsrfField view={view} />
                      <button type="submit" class="button button--secondary">
                        {t("organisations.invitations.revoke")}<span class="visually-hidden"> {i.email}</span>
                      </button>
                    </form>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : organisation.personal ? (
        <p>{t("organisations.personal.hint")}</p>
      ) : null}

      {can(role, "settings.manage") && !organisation.personal ? (
        <section aria-labelledby="security-heading">
          <h2 id="security-heading">{t("organisations.security.heading")}</h2>
          <form method="post" action="/settings/organisation/two-factor" novalidate>
            <CsrfField view={view} />
            <Checkbox t={t} id="requireTwoFactor" label={t("organisations.security.requireTwoFactor")} hint={t("organisations.security.requireTwoFactorHint")} checked={organisation.requireTwoFactor} />
            <Button variant="secondary">{t("organisations.security.submit")}</Button>
          </form>
        </section>
      ) : null}

      {can(role, "org.transfer") && !organisation.personal && others.length > 0 ? (
        <section aria-labelledby="transfer-heading">
          <h2 id="transfer-heading">{t("organisations.transfer.heading")}</h2>
          <form method="post" action="/settings/organisation/transfer" novalidate>
            <CsrfField view={view} />
            <Select t={t} id="memberId" label={t("organisations.transfer.label")} hint={t("organisations.transfer.hint")} error={errors.memberId} options={others.map((m) => ({ value: m.userId, label: `${m.name} (${m.email})` }))} />
            <Button variant="warning">{t("organisations.transfer.submit")}</Button>
          </form>
        </section>
      ) : null}

      {can(role, "org.delete") && !organisation.personal ? (
        <section aria-labelledby="delete-heading">
          <h2 id="delete-heading">{t("organisations.delete.heading")}</h2>
          <p>{t("organisations.delete.body")}</p>
          <form method="post" action="/settings/organisation/delete" novalidate>
            <CsrfField view={view} />
            <TextField t={t} id="deleteName" label={t("organisations.delete.label", { name: organisation.name })} value={values.deleteName} error={errors.deleteName} autocomplete="off" />
            <Button variant="warning">{t("organisations.delete.submit")}</Button>
          </form>
        </section>
      ) : null}

      <section aria-labelledby="create-heading">
        <h2 id="create-heading">{t("organisations.create.heading")}</h2>
        <form method="post" action="/settings/organisation/create" novalidate>
          <CsrfField view={view} />
          <TextField t={t} id="name" label={t("organisations.create.name")} value={values.name} error={errors.name} autocomplete="organization" />
          <Button>{t("organisations.create.submit")}</Button>
        </form>
      </section>
    </Layout>
  );
}

type InvitationProps = {
  view: View;
  state: "usable" | "spent" | "anonymous";
  orgName?: string;
  role?: Role;
  email?: string;
  error?: "other_address";
};

/** The invitation link's page: GET changes nothing; joining is the button's POST. */
export function InvitationPage({ view, state, orgName = "", role = "user", email = "", error }: InvitationProps) {
  const { t } = view;
  if (state === "spent") {
    return (
      <Layout view={view} title={t("organisations.invitation.spent.title")}>
        <h1>{t("organisations.invitation.spent.title")}</h1>
        <p>{t("organisations.invitation.spent.body")}</p>
      </Layout>
    );
  }
  const params = { org: orgName, role: t(`organisations.role.${role}`), email };
  return (
    <Layout view={view} title={t("organisations.invitation.title", { org: orgName })} hasErrors={Boolean(error)}>
      {error ? (
        <ErrorSummary t={t}>
          <p>{t("organisations.invitation.otherAddress", params)}</p>
        </ErrorSummary>
      ) : null}
      <h1>{t("organisations.invitation.title", { org: orgName })}</h1>
      <p>{t("organisations.invitation.body", params)}</p>
      {state === "anonymous" ? (
        <p>{t("organisations.invitation.logIn", params)} <a href="/login">{t("nav.login")}</a> · <a href="/signup">{t("nav.signup")}</a></p>
      ) : (
        <form method="post" novalidate>
          <CsrfField view={view} />
          <Button>{t("organisations.invitation.accept")}</Button>
        </form>
      )}
    </Layout>
  );
}
