import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { isLocale, negotiateLocale, translator } from "../../i18n";
import type { AppEnv } from "../context";

export const LOCALE_COOKIE = "pactly-lang";

/** Language: ?lang= (remembered in a cookie), then the cookie, then Accept-Language. */
export function locale() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const asked = c.req.query("lang");
    let chosen = isLocale(asked) ? asked : undefined;
    if (chosen) {
      setCookie(c, LOCALE_COOKIE, chosen, { path: "/", secure: true, sameSite: "Lax", maxAge: 60 * 60 * 24 * 365 });
    } else {
      const cookie = getCookie(c, LOCALE_COOKIE);
      chosen = isLocale(cookie) ? cookie : negotiateLocale(c.req.header("Accept-Language"));
    }
    c.set("locale", chosen);
    c.set("t", translator(chosen));
    await next();
  });
}
