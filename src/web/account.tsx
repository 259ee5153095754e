/**
 * The account page: the address and its verification, change of password and of
 * email (each after re-authentication with the current password), and the list of
 * sessions with revoke one / revoke all others.
 */
import { Hono, type Context } from "hono";
import type { FieldErrors } from "../../templates/view";
import { DomainError } from "../domain/errors";
import { pendingEmailAddress, requestEmailChange, resendEmailVerification } from "../services/account-security";
import { changeEmailSchema, changePassword, changePasswordSchema, listSessions, revokeOtherOwnSessions, revokeOwnSession, type SessionUser } from "../services/accounts";
import { database } from "../storage/db";
import { audit } from "../services/audit";
import {
  AccountPage,
  ChangeEmailPage,
  ChangePasswordPage,
  RecoveryCodesPage,
  TwoFactorReauthPage,
  TwoFactorSetupPage,
  type AccountNotice,
} from "../../templates/pages/account";
import { groupSecret } from "../domain/totp";
import { qrCode } from "../domain/qr";
import {
  confirmEnrolment,
  pendingEnrolment,
  reauthSchema,
  regenerateRecoveryCodes,
  disableTwoFactor,
  startEnrolment,
  totpCodeSchema,
  twoFactorDeps,
  twoFactorStatus,
} from "../services/two-factor";
import type { AppEnv } from "./context";
import { clientInfo, codeKind, fieldErrors, rateLimit, signedIn, stringFields, view } from "./helpers";
import { clearSessionCookie, requireUser, setSessionCookie } from "./middleware/session";
import { yourDataRoutes } from "./your-data";

export const accountRoutes = new Hono<AppEnv>();

accountRoutes.use("*", requireUser());


const notices: readonly AccountNotice[] = ["password", "email-sent", "email-changed", "verified", "verification-sent", "revoked", "revoked-others", "2fa-on", "2fa-off"];

accountRoutes.get("/", async (c) => {
  const user = signedIn(c.get("user"));
  const db = database(c.env.DB);
  const done = c.req.query("done");
  const notice = notices.find((n) => n === done);
  const [sessions, pendingEmail, twoFactor] = await Promise.all([listSessions(db, user), pendingEmailAddress(db, user.id), twoFactorStatus(db, user.id)]);
  return c.html(
    <AccountPage
      view={view(c)}
      email={user.email}
      emailVerified={user.emailVerified}
      pendingEmail={pendingEmail}
      sessions={sessions}
      twoFactor={twoFactor.state === "pending" ? { state: "off" } : twoFactor}
      notice={notice}
    />,
  );
});

accountRoutes.post("/verification", async (c) => {
  const user = signedIn(c.get("user"));
  await rateLimit(c, "verify-resend-ip", clientInfo(c).ip ?? "unknown");
  const outcome = await resendEmailVerification({ db: database(c.env.DB), queue: c.env.NOTIFICATIONS }, user.id);
  if (!outcome.sent && outcome.reason === "too_soon") throw new DomainError("rate_limited", "Wait before asking for another link", { retryAfter: outcome.retryAfter });
  return c.redirect(outcome.sent ? "/account?done=verification-sent" : "/account?done=verified", 303);
});

accountRoutes.get("/password", (c) => c.html(<ChangePasswordPage view={view(c)} />));

accountRoutes.post("/password", async (c) => {
  const user = signedIn(c.get("user"));
  const parsed = changePasswordSchema.safeParse(stringFields(await c.req.parseBody()));
  if (!parsed.success) return c.html(<ChangePasswordPage view={view(c)} errors={fieldErrors(parsed.error)} />, 422);
  // Rate limit before hashing the current password: per account and per address.
  await rateLimit(c, "reauth-user", user.id);
  await rateLimit(c, "reauth-ip", clientInfo(c).ip ?? "unknown");
  const outcome = await changePassword({ db: database(c.env.DB), queue: c.env.NOTIFICATIONS }, user, parsed.data, clientInfo(c));
  if (!outcome.ok) return c.html(<ChangePasswordPage view={view(c)} errors={{ [outcome.field]: outcome.message }} />, 422);
  setSessionCookie(c, outcome.token);
  return c.redirect("/account?done=password", 303);
});

accountRoutes.get("/email", (c) => c.html(<ChangeEmailPage view={view(c)} />));

accountRoutes.post("/email", async (c) => {
  const user = signedIn(c.get("user"));
  const values = stringFields(await c.req.parseBody());
  const parsed = changeEmailSchema.safeParse(values);
  if (!parsed.success) return c.html(<ChangeEmailPage view={view(c)} values={values} errors={fieldErrors(parsed.error)} />, 422);
  await rateLimit(c, "reauth-user", user.id);
  await rateLimit(c, "reauth-ip", clientInfo(c).ip ?? "unknown");
  const outcome = await requestEmailChange({ db: database(c.env.DB), queue: c.env.NOTIFICATIONS }, user.id, parsed.data);
  if (!outcome.ok) {
    if (outcome.reason === "too_soon") throw new DomainError("rate_limited", "Wait before asking for another link", { retryAfter: outcome.retryAfter });
    const errors = outcome.reason === "wrong_password" ? { password: "account.error.currentPasswordWrong" as const } : { email: "account.error.emailSame" as const };
    return c.html(<ChangeEmailPage view={view(c)} values={values} errors={errors} />, 422);
  }
  await audit(c.env, { user, action: "account.email.change_requested", target: { type: "user", id: user.id }, client: clientInfo(c) });
  return c.redirect("/account?done=email-sent", 303);
});

/** Session ids on the page are the stored SHA-256 of the cookie token: useless as a cookie. */
const SESSION_ID = /^[0-9a-f]{64}$/;

accountRoutes.post("/sessions/:id/revoke", async (c) => {
  const user = signedIn(c.get("user"));
  const id = c.req.param("id");
  if (!SESSION_ID.test(id)) throw new DomainError("not_found");
  await revokeOwnSession(database(c.env.DB), user, id);
  await audit(c.env, { user, action: "session.revoked", target: { type: "session", id: id.slice(0, 16) }, client: clientInfo(c) });
  if (id === user.sessionId) {
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  }
  return c.redirect("/account?done=revoked", 303);
});

accountRoutes.post("/sessions/revoke-others", async (c) => {
  const user = signedIn(c.get("user"));
  const ended = await revokeOtherOwnSessions(database(c.env.DB), user);
  await audit(c.env, { user, action: "session.revoked", target: { type: "user", id: user.id }, client: clientInfo(c), details: { others: ended } });
  return c.redirect("/account?done=revoked-others", 303);
});

// ---------------------------------------------------------------------------
// two-factor authentication

/** Pages that show a secret or recovery codes are never stored by the browser or a proxy. */
const NO_STORE = { "Cache-Control": "no-store" };


accountRoutes.post("/two-factor/setup", async (c) => {
  const user = signedIn(c.get("user"));
  await rateLimit(c, "2fa-setup", user.id);
  await startEnrolment(twoFactorDeps(c.env), user);
  return c.redirect("/account/two-factor/setup", 303);
});

async function setupPage(c: Context<AppEnv>, user: SessionUser, errors?: FieldErrors): Promise<Response> {
  const pending = await pendingEnrolment(twoFactorDeps(c.env), user);
  if (!pending) return c.redirect("/account", 303);
  const page = <TwoFactorSetupPage view={view(c)} symbol={qrCode(pending.uri)} secretGroups={groupSecret(pending.secret)} errors={errors} />;
  return c.html(page, errors ? 422 : 200, NO_STORE);
}

accountRoutes.get("/two-factor/setup", (c) => setupPage(c, signedIn(c.get("user"))));

accountRoutes.post("/two-factor/confirm", async (c) => {
  const user = signedIn(c.get("user"));
  const parsed = totpCodeSchema.safeParse(stringFields(await c.req.parseBody()));
  if (!parsed.success) return setupPage(c, user, fieldErrors(parsed.error));
  await rateLimit(c, "2fa-user", user.id);
  const outcome = await confirmEnrolment(twoFactorDeps(c.env), user, parsed.data.code, clientInfo(c));
  if (!outcome.ok) return setupPage(c, user, { code: outcome.message });
  await audit(c.env, { user, action: "auth.2fa.enabled", target: { type: "user", id: user.id }, client: clientInfo(c) });
  // A privilege change: this browser continues under a new session id.
  setSessionCookie(c, outcome.token);
  return c.html(<RecoveryCodesPage view={view(c)} codes={outcome.recoveryCodes} justEnabled />, 200, NO_STORE);
});

for (const purpose of ["disable", "regenerate"] as const) {
  const path = purpose === "disable" ? "/two-factor/disable" : "/two-factor/recovery-codes";

  accountRoutes.get(path, (c) => c.html(<TwoFactorReauthPage view={view(c)} purpose={purpose} kind={codeKind(c.req.query("kind"))} />));

  accountRoutes.post(path, async (c) => {
    const user = signedIn(c.get("user"));
    const values = stringFields(await c.req.parseBody());
    const kind = codeKind(values.kind);
    const parsed = reauthSchema.safeParse(values);
    if (!parsed.success) return c.html(<TwoFactorReauthPage view={view(c)} purpose={purpose} kind={kind} errors={fieldErrors(parsed.error)} />, 422);
    // Before hashing the password: per account and per address.
    await rateLimit(c, "reauth-user", user.id);
    await rateLimit(c, "reauth-ip", clientInfo(c).ip ?? "unknown");
    const deps = twoFactorDeps(c.env);
    const outcome = purpose === "disable" ? await disableTwoFactor(deps, user, parsed.data, clientInfo(c)) : await regenerateRecoveryCodes(deps, user, parsed.data);
    if (!outcome.ok) {
      const page = <TwoFactorReauthPage view={view(c)} purpose={purpose} kind={kind} errors={{ [outcome.field]: outcome.message }} />;
      return outcome.retryAfterSeconds ? c.html(page, 429, { "Retry-After": String(outcome.retryAfterSeconds) }) : c.html(page, 422);
    }
    await audit(c.env, { user, action: purpose === "disable" ? "auth.2fa.disabled" : "auth.2fa.recovery_codes_regenerated", target: { type: "user", id: user.id }, client: clientInfo(c) });
    if (typeof outcome.value === "string") {
      setSessionCookie(c, outcome.value);
      return c.redirect("/account?done=2fa-off", 303);
    }
    return c.html(<RecoveryCodesPage view={view(c)} codes={outcome.value} justEnabled={false} />, 200, NO_STORE);
  });
}

// "Your data": the archive and deleting the account (src/web/your-data.tsx), behind the same requireUser.
accountRoutes.route("/", yourDataRoutes);
