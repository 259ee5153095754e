import { Layout } from "../layout";
import { Button, CsrfField, ErrorSummary, TextField } from "../components/form";
import { formatDateTime, type MessageKey, type Translate } from "../../src/i18n";
import type { FieldErrors, Values, View } from "../view";

/** What a session row shows; the id is the stored hash of the cookie, never the cookie. */
export type SessionView = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  device: { browser: string | null; os: string | null };
  current: boolean;
};

export type AccountNotice = "password" | "email-sent" | "email-changed" | "verified" | "verification-sent" | "revoked" | "revoked-others";

const noticeText: Record<AccountNotice, MessageKey> = {
  password: "account.notice.password",
  "email-sent": "account.notice.emailSent",
  "email-changed": "account.notice.emailChanged",
  verified: "account.notice.verified",
  "verification-sent": "account.notice.verificationSent",
  revoked: "account.notice.revoked",
  "revoked-others": "account.notice.revokedOthers",
};

function deviceName(t: Translate, device: SessionView["device"]): string {
  if (device.browser && device.os) return t("account.sessions.device", { browser: device.browser, os: device.os });
  return device.browser ?? device.os ?? t("account.sessions.unknownDevice");
}

/**
 * Shown to a signed-in sender whose address is not yet confirmed: what they cannot
 * do yet, and a button that sends the link again.
 */

export function AccountPage(props: {
  view: View;
  email: string;
  emailVerified: boolean;
  pendingEmail: string | null;
  sessions: SessionView[];
  notice?: AccountNotice | undefined;
}) {
  const { view, email, emailVerified, pendingEmail, sessions, notice } = props;
  const { t, locale } = view;
  const others = sessions.filter((s) => !s.current).length;
  return (
    <Layout view={view} title={t("account.title")}>
      {notice ? <div class="notice" role="status"><p>{t(noticeText[notice])}</p></div> : null}
      <h1>{t("account.title")}</h1>

      <h2>{t("account.details.heading")}</h2>
      <dl class="summary-list">
        <div>
          <dt>{t("account.details.email")}</dt>
          <dd>
            {email}{" "}
            <strong class={`tag ${emailVerified ? "tag--completed" : "tag--pending"}`}>
              {t(emailVerified ? "account.details.verified" : "account.details.unverified")}
            </strong>
            {pendingEmail ? <p class="hint">{t("account.details.pending", { email: pendingEmail })}</p> : null}
          </dd>
        </div>
      </dl>
      <ul class="account-actions">
        <li><a href="/account/password">{t("account.password.title")}</a></li>
        <li><a href="/account/email">{t("account.email.title")}</a></li>
      </ul>

      <h2 id="sessions-heading">{t("account.sessions.heading")}</h2>
      <p>{t("account.sessions.lead")}</p>
      <div class="table-wrap" role="region" aria-labelledby="sessions-heading" tabindex={0}>
        <table class="sessions">
          <thead>
            <tr>
              <th scope="col">{t("account.sessions.col.device")}</th>
              <th scope="col">{t("account.sessions.col.ip")}</th>
              <th scope="col">{t("account.sessions.col.created")}</th>
              <th scope="col">{t("account.sessions.col.lastSeen")}</th>
              <th scope="col"><span class="visually-hidden">{t("account.sessions.col.action")}</span></th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr>
                <td>
                  {deviceName(t, s.device)}
                  {s.current ? <> <strong class="tag">{t("account.sessions.current")}</strong></> : null}
                </td>
                <td>{s.ip ?? t("account.sessions.unknownIp")}</td>
                <td>{formatDateTime(locale, s.createdAt)}</td>
                <td>{formatDateTime(locale, s.lastSeenAt)}</td>
                <td>
                  {s.current ? null : (
                    <form method="post" action={`/account/sessions/${s.id}/revoke`} class="inline">
                      <CsrfField view={view} />
                      <button type="submit" class="link-button">
                        {t("account.sessions.revoke")}
                        <span class="visually-hidden"> {t("account.sessions.revokeWhich", { device: deviceName(t, s.device), date: formatDateTime(locale, s.lastSeenAt) })}</span>
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {others > 0 ? (
        <form method="post" action="/account/sessions/revoke-others">
          <CsrfField view={view} />
          <Button variant="warning">{t("account.sessions.revokeOthers")}</Button>
        </form>
      ) : null}
      <p class="hint">{t("account.sessions.timeouts")}</p>
    </Layout>
  );
}

export function ChangePasswordPage({ view, errors = {} }: { view: View; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("account.password.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["currentPassword", "newPassword"]} />
      <h1>{t("account.password.title")}</h1>
      <p>{t("account.password.lead")}</p>
      <form method="post" action="/account/password" novalidate>
        <CsrfField view={view} />
        <TextField t={t} id="currentPassword" type="password" label={t("account.password.current")} error={errors.currentPassword} autocomplete="current-password" />
        <TextField t={t} id="newPassword" type="password" label={t("account.password.new")} hint={t("signup.passwordHint")} error={errors.newPassword} autocomplete="new-password" />
        <Button>{t("account.password.submit")}</Button>
      </form>
      <p><a href="/account">{t("account.back")}</a></p>
    </Layout>
  );
}

export function ChangeEmailPage({ view, values = {}, errors = {} }: { view: View; values?: Values; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("account.email.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["email", "password"]} />
      <h1>{t("account.email.title")}</h1>
      <p>{t("account.email.lead")}</p>
      <form method="post" action="/account/email" novalidate>
        <CsrfField view={view} />
        <TextField t={t} id="email" type="email" label={t("account.email.new")} value={values.email} error={errors.email} autocomplete="email" spellcheck={false} />
        <TextField t={t} id="password" type="password" label={t("account.password.current")} error={errors.password} autocomplete="current-password" />
        <Button>{t("account.email.submit")}</Button>
      </form>
      <p><a href="/account">{t("account.back")}</a></p>
    </Layout>
  );
}

export function ConfirmEmailPage({ view, email, change }: { view: View; email: string; change: boolean }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("account.confirm.title")}>
      <h1>{t("account.confirm.title")}</h1>
      <p>{t(change ? "account.confirm.leadChange" : "account.confirm.lead", { email })}</p>
      <form method="post" action="/email/verify">
        <CsrfField view={view} />
        <Button>{t("account.confirm.submit")}</Button>
      </form>
    </Layout>
  );
}

export function ForgotPasswordPage({ view, values = {}, errors = {} }: { view: View; values?: Values; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("account.forgot.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["email"]} />
      <h1>{t("account.forgot.title")}</h1>
      <p>{t("account.forgot.lead")}</p>
      <form method="post" action="/password/forgot" novalidate>
        <CsrfField view={view} />
        <TextField t={t} id="email" type="email" label={t("login.email")} value={values.email} error={errors.email} autocomplete="username" spellcheck={false} />
        <Button>{t("account.forgot.submit")}</Button>
      </form>
    </Layout>
  );
}

/** The same page whether or not an account has this address. */
export function ForgotPasswordSentPage({ view, email }: { view: View; email: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("account.forgot.sentTitle")}>
      <h1>{t("account.forgot.sentTitle")}</h1>
      <p>{t("account.forgot.sent", { email })}</p>
      <p>{t("account.forgot.sentHint")}</p>
      <p><a href="/login">{t("nav.login")}</a></p>
    </Layout>
  );
}

export function ResetPasswordPage({ view, email, errors = {} }: { view: View; email: string; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("account.reset.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["newPassword"]} />
      <h1>{t("account.reset.title")}</h1>
      <p>{t("account.reset.lead", { email })}</p>
      <form method="post" action="/password/reset" novalidate>
        <CsrfField view={view} />
        {/* Lets password managers store the new password under the right account. */}
        <input type="hidden" name="username" value={email} autocomplete="username" />
        <TextField t={t} id="newPassword" type="password" label={t("account.password.new")} hint={t("signup.passwordHint")} error={errors.newPassword} autocomplete="new-password" />
        <Button>{t("account.reset.submit")}</Button>
      </form>
    </Layout>
  );
}

export function LinkSpentPage({ view, which, reason, signedIn }: { view: View; which: "email" | "reset"; reason: "spent" | "taken"; signedIn: boolean }) {
  const { t } = view;
  const title = t(reason === "taken" ? "account.link.takenTitle" : "account.link.spentTitle");
  return (
    <Layout view={view} title={title}>
      <h1>{title}</h1>
      <p>{t(reason === "taken" ? "account.link.taken" : which === "reset" ? "account.link.spentReset" : "account.link.spentEmail")}</p>
      <p>
        {which === "reset" ? (
          <a href="/password/forgot">{t("account.forgot.title")}</a>
        ) : (
          <a href={signedIn ? "/account" : "/login"}>{t(signedIn ? "account.title" : "nav.login")}</a>
        )}
      </p>
    </Layout>
  );
}
