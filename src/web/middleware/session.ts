import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { LOGIN_CHALLENGE_MS, resumeSession, SESSION_ABSOLUTE_MS } from "../../services/accounts";
import { database } from "../../storage/db";
import type { AppEnv } from "../context";

export const SESSION_COOKIE = "__Host-pactly-session";

/** Loads the sender's session (if any) for every request. */
export function session() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const user = token ? await resumeSession(database(c.env.DB), token) : null;
    if (token && !user) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    c.set("user", user);
    await next();
  });
}

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "Lax",
    maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}

/**
 * The second step of a login (2FA code) waits in its own cookie, never in the
 * session cookie: session() does not read it, so a half-logged-in browser is as
 * anonymous as any other everywhere but the code form (/login/two-factor).
 */
export const LOGIN_CHALLENGE_COOKIE = "__Host-pactly-login-step";

export function setLoginChallengeCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, LOGIN_CHALLENGE_COOKIE, token, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: Math.floor(LOGIN_CHALLENGE_MS / 1000) });
}

export function loginChallengeToken(c: Context<AppEnv>): string | null {
  const token = getCookie(c, LOGIN_CHALLENGE_COOKIE);
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}

export function clearLoginChallengeCookie(c: Context<AppEnv>): void {
  deleteCookie(c, LOGIN_CHALLENGE_COOKIE, { path: "/", secure: true });
}

/** Guards sender pages: anonymous visitors go to the login page. */
export function requireUser() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!c.get("user")) return c.redirect("/login", 303);
    await next();
  });
}
