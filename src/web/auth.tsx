/**
 * Sign-up, log-in and log-out, and the links sent by email: confirming an address and
 * resetting a forgotten password. A link's GET changes nothing (mail scanners open
 * links): it moves the token into a short-lived cookie and redirects to a clean URL,
 * whose page asks the person to confirm with a POST.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { DomainError } from "../domain/errors";
import { confirmEmail, inspectLink, requestPasswordReset, resetLinkAccount, resetPassword } from "../services/account-security";
import { forgotPasswordSchema, logIn, logInSchema, logOut, passwordProblem, signUp, signUpSchema } from "../services/accounts";
import { database } from "../storage/db";
import { audit } from "../services/audit";
import { HomePage, LogInPage, LoginCodePage, SignUpPage } from "../../templates/pages/auth";
import { ConfirmEmailPage, ForgotPasswordPage, ForgotPasswordSentPage, LinkSpentPage, ResetPasswordPage } from "../../templates/pages/account";
import type { AppEnv } from "./context";
import { clientInfo, codeKind, fieldErrors, rateLimit, stringFields, view } from "./helpers";
import { clearLoginChallengeCookie, clearSessionCookie, loginChallengeToken, setLoginChallengeCookie, setSessionCookie } from "./middleware/session";
import { codeProblem, completeLogin, pendingLogin, requiresTwoFactor, secondFactorSchema, twoFactorDeps } from "../services/two-factor";

export const authRoutes = new Hono<AppEnv>();

authRoutes.get("/", (c) => (c.get("user") ? c.redirect("/envelopes", 303) : c.html(<HomePage view={view(c)} />)));

authRoutes.get("/signup", (c) => c.html(<SignUpPage view={view(c)} />));

authRoutes.post("/signup", async (c) => {
  const body = await c.req.parseBody();
  const values = stringFields(body);
  const parsed = signUpSchema.safeParse(values);
  if (!parsed.success) return c.html(<SignUpPage view={view(c)} values={values} errors={fieldErrors(parsed.error)} />, 422);
  const client = clientInfo(c);
  await rateLimit(c, "signup", client.ip ?? "unknown");
  const result = await signUp({ db: database(c.env.DB), queue: c.env.NOTIFICATIONS }, parsed.data, client);
  if (!result.ok) return c.html(<SignUpPage view={view(c)} values={values} errors={{ email: "signup.error.taken" }} />, 409);
  setSessionCookie(c, result.token);
  return c.redirect("/envelopes", 303);
});

/** Notices the login page shows after a redirect; anything else in `done` is ignored. */
const loginNotices = {
  reset: "account.notice.passwordReset",
  verified: "account.notice.emailVerifiedLogIn",
  changed: "account.notice.emailChangedLogIn",
  expired: "twoFactor.login.expired",
} as const;

authRoutes.get("/login", (c) => {
  const done = c.req.query("done");
  const notice = done && Object.hasOwn(loginNotices, done) ? c.get("t")(loginNotices[done as keyof typeof loginNotices]) : undefined;
  return c.html(<LogInPage view={view(c)} notice={notice} />);
});

authRoutes.post("/login", async (c) => {
  const body = await c.req.parseBody();
  const values = stringFields(body);
  const parsed = logInSchema.safeParse(values);
  if (!parsed.success) return c.html(<LogInPage view={view(c)} values={values} errors={fieldErrors(parsed.error)} />, 422);
  const client = clientInfo(c);
  // Rate limit before hashing: per address and per account.
  await rateLimit(c, "login-ip", client.ip ?? "unknown");
  await rateLimit(c, "login-email", parsed.data.email);
  const outcome = await logIn(database(c.env.DB), parsed.data.email, parsed.data.password, client);
  if (!outcome) return c.html(<LogInPage view={view(c)} values={values} errors={{ email: "login.error.invalid" }} />, 401);
  if (outcome.kind === "second_step") {
    // Not signed in yet: only the code form accepts this cookie.
    setLoginChallengeCookie(c, outcome.challenge);
    return c.redirect("/login/two-factor", 303);
  }
  clearLoginChallengeCookie(c);
  setSessionCookie(c, outcome.token);
  const mustEnrol = await requiresTwoFactor(database(c.env.DB), { id: outcome.userId, orgId: outcome.orgId });
  return c.redirect(mustEnrol ? "/account#two-factor-heading" : "/envelopes", 303);
});

// ---------------------------------------------------------------------------
// the second step of a login (2FA)

authRoutes.get("/login/two-factor", async (c) => {
  const token = loginChallengeToken(c);
  if (!token || !(await pendingLogin(database(c.env.DB), token))) return loginExpired(c);
  return c.html(<LoginCodePage view={view(c)} kind={codeKind(c.req.query("kind"))} />);
});

authRoutes.post("/login/two-factor", async (c) => {
  // Per address before any work; the exact per-account count is the AttemptCounter's.
  await rateLimit(c, "2fa-ip", clientInfo(c).ip ?? "unknown");
  const token = loginChallengeToken(c);
  if (!token) return loginExpired(c);
  const values = stringFields(await c.req.parseBody());
  const kind = codeKind(values.kind);
  const parsed = secondFactorSchema.safeParse(values);
  if (!parsed.success) return c.html(<LoginCodePage view={view(c)} kind={kind} errors={fieldErrors(parsed.error)} />, 422);
  const outcome = await completeLogin(twoFactorDeps(c.env), token, parsed.data.code, clientInfo(c));
  if (outcome.ok) {
    clearLoginChallengeCookie(c);
    setSessionCookie(c, outcome.token);
    return c.redirect("/envelopes", 303);
  }
  if (outcome.reason === "expired") return loginExpired(c);
  const page = <LoginCodePage view={view(c)} kind={kind} errors={{ code: codeProblem(outcome).message }} />;
  // 429 only when the lock refused the code unread; a code that was checked and wrong is 401.
  if (outcome.reason === "locked") return c.html(page, 429, { "Retry-After": String(outcome.retryAfterSeconds) });
  return c.html(page, 401);
});

function loginExpired(c: Context<AppEnv>): Response {
  clearLoginChallengeCookie(c);
  return c.redirect("/login?done=expired", 303);
}

authRoutes.post("/logout", async (c) => {
  const user = c.get("user");
  if (!user) throw new DomainError("unauthenticated");
  await audit(c.env, { user, action: "auth.logout", target: { type: "session", id: user.sessionId.slice(0, 16) }, client: clientInfo(c) });
  await logOut(database(c.env.DB), user.sessionId);
  clearSessionCookie(c);
  c.set("user", null);
  return c.html(<LogInPage view={view(c)} notice={c.get("t")("logout.done")} />);
});

// ---------------------------------------------------------------------------
// links sent by email

/** Account-link tokens wait in these cookies between the link's GET and the confirming POST. */
const EMAIL_LINK_COOKIE = "__Host-pactly-email-link";
const RESET_LINK_COOKIE = "__Host-pactly-reset-link";
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** GET /…/:token: the token leaves the URL at the first hop (logs record URLs). */
async function stashToken(c: Context<AppEnv>, cookie: string, cleanPath: string): Promise<Response> {
  await rateLimit(c, "account-link", clientInfo(c).ip ?? "unknown", "LINK_LIMITER");
  const token = c.req.param("token") ?? "";
  if (!TOKEN_SHAPE.test(token)) throw new DomainError("link_invalid");
  setCookie(c, cookie, token, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: 3600 });
  return c.redirect(cleanPath, 303);
}

function stashedToken(c: Context<AppEnv>, cookie: string): string | null {
  const token = getCookie(c, cookie);
  return token && TOKEN_SHAPE.test(token) ? token : null;
}

function linkSpent(c: Context<AppEnv>, which: "email" | "reset", status: 404 | 410 | 409 = 410, reason: "spent" | "taken" = "spent") {
  return c.html(<LinkSpentPage view={view(c)} which={which} reason={reason} signedIn={Boolean(c.get("user"))} />, status);
}

authRoutes.get("/email/verify/:token", (c) => stashToken(c, EMAIL_LINK_COOKIE, "/email/verify"));

authRoutes.get("/email/verify", async (c) => {
  const token = stashedToken(c, EMAIL_LINK_COOKIE);
  if (!token) return linkSpent(c, "email", 404);
  const found = await inspectLink(database(c.env.DB), token, ["verify_email", "change_email"]);
  if (found.state !== "usable") return linkSpent(c, "email", found.state === "unknown" ? 404 : 410);
  return c.html(<ConfirmEmailPage view={view(c)} email={found.link.email} change={found.link.purpose === "change_email"} />);
});

authRoutes.post("/email/verify", async (c) => {
  const token = stashedToken(c, EMAIL_LINK_COOKIE);
  if (!token) return linkSpent(c, "email", 404);
  const outcome = await confirmEmail(database(c.env.DB), token, clientInfo(c));
  deleteCookie(c, EMAIL_LINK_COOKIE, { path: "/", secure: true });
  if (!outcome.ok) return outcome.reason === "taken" ? linkSpent(c, "email", 409, "taken") : linkSpent(c, "email");
  const user = c.get("user");
  if (user?.id === outcome.userId) return c.redirect(`/account?done=${outcome.kind === "changed" ? "email-changed" : "verified"}`, 303);
  return c.redirect(`/login?done=${outcome.kind === "changed" ? "changed" : "verified"}`, 303);
});

authRoutes.get("/password/forgot", (c) => c.html(<ForgotPasswordPage view={view(c)} />));

authRoutes.post("/password/forgot", async (c) => {
  const values = stringFields(await c.req.parseBody());
  const parsed = forgotPasswordSchema.safeParse(values);
  if (!parsed.success) return c.html(<ForgotPasswordPage view={view(c)} values={values} errors={fieldErrors(parsed.error)} />, 422);
  await rateLimit(c, "reset-ip", clientInfo(c).ip ?? "unknown");
  await rateLimit(c, "reset-email", parsed.data.email);
  // The same answer, at the same speed, whether or not an account has this address:
  // the lookup and the email happen after the response.
  const work = requestPasswordReset({ db: database(c.env.DB), queue: c.env.NOTIFICATIONS }, parsed.data.email).catch((error) =>
    console.error(JSON.stringify({ msg: "password reset request failed", error: String(error) })),
  );
  c.executionCtx.waitUntil(work);
  return c.html(<ForgotPasswordSentPage view={view(c)} email={parsed.data.email} />);
});

authRoutes.get("/password/reset/:token", (c) => stashToken(c, RESET_LINK_COOKIE, "/password/reset"));

authRoutes.get("/password/reset", async (c) => {
  const token = stashedToken(c, RESET_LINK_COOKIE);
  if (!token) return linkSpent(c, "reset", 404);
  const found = await resetLinkAccount(database(c.env.DB), token);
  if (found.state !== "usable") return linkSpent(c, "reset", found.state === "unknown" ? 404 : 410);
  return c.html(<ResetPasswordPage view={view(c)} email={found.user.email} />);
});

authRoutes.post("/password/reset", async (c) => {
  const token = stashedToken(c, RESET_LINK_COOKIE);
  if (!token) return linkSpent(c, "reset", 404);
  const db = database(c.env.DB);
  const found = await resetLinkAccount(db, token);
  if (found.state !== "usable") return linkSpent(c, "reset", found.state === "unknown" ? 404 : 410);
  const password = stringFields(await c.req.parseBody()).newPassword ?? "";
  const problem = password ? passwordProblem(password, found.user) : "account.error.newPassword";
  if (problem) return c.html(<ResetPasswordPage view={view(c)} email={found.user.email} errors={{ newPassword: problem }} />, 422);
  // Hashing is the expensive part: limited per address first.
  await rateLimit(c, "reset-ip", clientInfo(c).ip ?? "unknown");
  if (!(await resetPassword({ db, queue: c.env.NOTIFICATIONS }, token, password))) return linkSpent(c, "reset");
  await audit(db, { orgId: found.user.personalOrgId, actor: { type: "user", id: found.user.id, label: found.user.email }, action: "account.password.reset", target: { type: "user", id: found.user.id }, client: clientInfo(c) });
  deleteCookie(c, RESET_LINK_COOKIE, { path: "/", secure: true });
  // Every session ended, this browser's too if it had one.
  clearSessionCookie(c);
  c.set("user", null);
  return c.redirect("/login?done=reset", 303);
});
