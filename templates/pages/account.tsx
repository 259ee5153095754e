import { Layout } from "../layout";
import { Button, CsrfField, ErrorSummary, TextField } from "../components/form";
import { qrSvgGeometry, type QrSymbol } from "../../src/domain/qr";
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

export type AccountNotice = "password" | "email-sent" | "email-changed" | "verified" | "verification-sent" | "revoked" | "revoked-others" | "2fa-on" | "2fa-off";

const noticeText: Record<AccountNotice, MessageKey> = {
  password: "account.notice.password",
  "email-sent": "account.notice.emailSent",
  "email-changed": "account.notice.emailChanged",
  verified: "account.notice.verified",
  "verification-sent": "account.notice.verificationSent",
  revoked: "account.notice.revoked",
  "revoked-others": "account.notice.revokedOthers",
  "2fa-on": "twoFactor.notice.enabled",
  "2fa-off": "twoFactor.notice.disabled",
};

/** What the account page shows about 2FA. */
export type TwoFactorView = { state: "off" } | { state: "pending" } | { state: "on"; recoveryCodesLeft: number };

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
  twoFactor: TwoFactorView;
  notice?: AccountNotice | undefined;
}) {
  const { view, email, emailVerified, pendingEmail, sessions, twoFactor, notice } = props;
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
        <li><a href="/account/data">{t("yourData.title")}</a></li>
      </ul>

      <TwoFactorSection view={view} status={twoFactor} />

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

// ---------------------------------------------------------------------------
// two-factor authentication

function TwoFactorSection({ view, status }: { view: View; status: TwoFactorView }) {
  const { t } = view;
  const on = status.state === "on";
  return (
    <section aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">
        {t("twoFactor.heading")} <strong class={`tag ${on ? "tag--completed" : "tag--pending"}`}>{t(on ? "twoFactor.on" : "twoFactor.off")}</strong>
      </h2>
      <p>{t(on ? "twoFactor.leadOn" : "twoFactor.leadOff")}</p>
      {status.state === "on" ? (
        <>
          <p>{t("twoFactor.recoveryLeft", { count: status.recoveryCodesLeft })}</p>
          <ul class="account-actions">
            <li><a href="/account/two-factor/recovery-codes">{t("twoFactor.regenerate")}</a></li>
            <li><a href="/account/two-factor/disable">{t("twoFactor.turnOff")}</a></li>
          </ul>
        </>
      ) : (
        <form method="post" action="/account/two-factor/setup">
          <CsrfField view={view} />
          <Button variant="secondary">{t("twoFactor.turnOn")}</Button>
        </form>
      )}
    </section>
  );
}

/**
 * The QR code as inline SVG: role="img" with a label, because a screen reader
 * cannot read the symbol; the same secret is printed as text beside it.
 */
function QrImage({ symbol, label }: { symbol: QrSymbol; label: string }) {
  const { viewBox, path } = qrSvgGeometry(symbol);
  return (
    <svg class="qr" role="img" aria-label={label} viewBox={viewBox} width="200" height="200" shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
      <rect width="100%" height="100%" fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

export type CodeKind = "totp" | "recovery";

/**
 * The code field. An app code gets the numeric keypad on phones and
 * autocomplete="one-time-code"; a recovery code (letters too) gets a text field.
 */
export function CodeField({ t, error, kind = "totp" }: { t: Translate; error?: MessageKey | undefined; kind?: CodeKind }) {
  const totp = kind === "totp";
  return (
    <>
      <TextField
        t={t}
        id="code"
        label={t(totp ? "twoFactor.code.label" : "twoFactor.recoveryCode.label")}
        hint={t(totp ? "twoFactor.code.hint" : "twoFactor.recoveryCode.hint")}
        error={error}
        autocomplete={totp ? "one-time-code" : "off"}
        inputmode={totp ? "numeric" : "text"}
        spellcheck={false}
        width="short"
      />
      <input type="hidden" name="kind" value={kind} />
    </>
  );
}

/** Switches the form between an app code and a recovery code (a plain link: works without JavaScript). */
export function CodeKindSwitch({ t, path, kind }: { t: Translate; path: string; kind: CodeKind }) {
  return kind === "totp" ? <p><a href={`${path}?kind=recovery`}>{t("twoFactor.useRecovery")}</a></p> : <p><a href={path}>{t("twoFactor.useApp")}</a></p>;
}

export function TwoFactorSetupPage({ view, symbol, secretGroups, errors = {} }: { view: View; symbol: QrSymbol | null; secretGroups: string; errors?: FieldErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("twoFactor.setup.title")} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["code"]} />
      <h1>{t("twoFactor.setup.title")}</h1>
      <ol class="steps">
        <li>
          <p>{t("twoFactor.setup.step1")}</p>
          {symbol ? <QrImage symbol={symbol} label={t("twoFactor.setup.qrLabel")} /> : null}
          <p>{t("twoFactor.setup.manual")}</p>
          <dl class="summary-list">
            <div>
              <dt>{t("twoFactor.setup.keyLabel")}</dt>
              <dd><code class="secret">{secretGroups}</code></dd>
            </div>
          </dl>
        </li>
        <li>
          <p>{t("twoFactor.setup.step2")}</p>
          <form method="post" action="/account/two-factor/confirm" novalidate>
            <CsrfField view={view} />
            <CodeField t={t} error={errors.code} />
            <Button>{t("twoFactor.setup.submit")}</Button>
          </form>
        </li>
      </ol>
      <p><a href="/account">{t("twoFactor.setup.cancel")}</a></p>
    </Layout>
  );
}

/** Shown once, in the answer to the POST that made them; the page is not cached. */
export function RecoveryCodesPage({ view, codes, justEnabled }: { view: View; codes: string[]; justEnabled: boolean }) {
  const { t } = view;
  return (
    <Layout view={view} title={t("twoFactor.recovery.title")}>
      {justEnabled ? <div class="notice" role="status"><p>{t("twoFactor.notice.enabled")}</p></div> : null}
      <h1>{t("twoFactor.recovery.title")}</h1>
      <p>{t("twoFactor.recovery.lead")}</p>
      <h2 id="recovery-codes-heading" class="visually-hidden">{t("twoFactor.recovery.listLabel")}</h2>
      <ol class="recovery-codes" aria-labelledby="recovery-codes-heading">
        {codes.map((code) => <li><code>{code}</code></li>)}
      </ol>
      <p class="hint">{t("twoFactor.recovery.print")}</p>
      <p><a class="button button--primary" href="/account">{t("twoFactor.recovery.done")}</a></p>
    </Layout>
  );
}

/** Re-authentication before turning 2FA off or replacing the recovery codes: password and a code. */
export function TwoFactorReauthPage({ view, purpose, kind, errors = {} }: { view: View; purpose: "disable" | "regenerate"; kind: CodeKind; errors?: FieldErrors }) {
  const { t } = view;
  const path = purpose === "disable" ? "/account/two-factor/disable" : "/account/two-factor/recovery-codes";
  const title = t(purpose === "disable" ? "twoFactor.disable.title" : "twoFactor.regenerate.title");
  return (
    <Layout view={view} title={title} hasErrors={Object.keys(errors).length > 0}>
      <ErrorSummary t={t} errors={errors} order={["password", "code"]} />
      <h1>{title}</h1>
      <p>{t(purpose === "disable" ? "twoFactor.disable.lead" : "twoFactor.regenerate.lead")}</p>
      <form method="post" action={path} novalidate>
        <CsrfField view={view} />
        <TextField t={t} id="password" type="password" label={t("account.password.current")} error={errors.password} autocomplete="current-password" />
        <CodeField t={t} error={errors.code} kind={kind} />
        <Button variant={purpose === "disable" ? "warning" : "primary"}>{t(purpose === "disable" ? "twoFactor.disable.submit" : "twoFactor.regenerate.submit")}</Button>
      </form>
      <CodeKindSwitch t={t} path={path} kind={kind} />
      <p><a href="/account">{t("account.back")}</a></p>
    </Layout>
  );
}
