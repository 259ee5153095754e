import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { UnverifiedBanner } from "./components/unverified-banner";
import { CSRF_FIELD, type View } from "./view";

export const HTMX_SRC = "/htmx-2.0.11.min.js";

type LayoutProps = {
  view: View;
  title: string;
  /** Prefixes the title with "Error: " so screen reader users hear it first. */
  hasErrors?: boolean;
  /** Sender pages load htmx to enhance; signing pages need no JavaScript at all. */
  htmx?: boolean;
  /** Small self-hosted enhancement scripts, loaded with the response's nonce. */
  scripts?: string[];
  children: Child;
};

/** The one base layout: lang, skip link, landmarks, no web fonts, one stylesheet. */
export function Layout({ view, title, hasErrors, htmx, scripts = [], children }: LayoutProps) {
  const { t, locale } = view;
  const other = locale === "en" ? "nb" : "en";
  const fullTitle = `${hasErrors ? t("error.title", { title }) : title} — ${t("app.name")}`;
  return (
    <>
    {raw("<!DOCTYPE html>")}
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <link rel="stylesheet" href="/app.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        {htmx ? <script src={HTMX_SRC} nonce={view.nonce} defer></script> : null}
        {scripts.map((src) => <script src={src} nonce={view.nonce} defer></script>)}
        {htmx ? <meta name="htmx-config" content='{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"selfRequestsOnly":true}' /> : null}
      </head>
      <body>
        <a class="skip-link" href="#main">{t("layout.skip")}</a>
        <header class="site-header">
          <div class="width">
            <a class="brand" href="/">{t("app.name")}</a>
            <nav aria-label={t("layout.nav")}>
              <ul class="nav">
                {view.user ? (
                  <>
                    <li><a href="/envelopes">{t("nav.envelopes")}</a></li>
                    <li><a href="/envelopes/new">{t("nav.new")}</a></li>
                    <li><a href="/settings/api-keys">{t("nav.apiKeys")}</a></li>
                    <li><a href="/settings/audit-log">{t("nav.auditLog")}</a></li>
                    <li><a href="/settings/webhooks">{t("nav.webhooks")}</a></li>
                    <li><a href="/settings/organisation">{t("nav.organisation")}</a></li>
                    <li><a href="/account">{t("account.nav")}</a></li>
                    <li>
                      <form method="post" action="/logout" class="inline">
                        <input type="hidden" name={CSRF_FIELD} value={view.csrf} />
                        <button type="submit" class="link-button">{t("nav.logout")}</button>
                      </form>
                    </li>
                  </>
                ) : (
                  <>
                    <li><a href="/login">{t("nav.login")}</a></li>
                    <li><a href="/signup">{t("nav.signup")}</a></li>
                  </>
                )}
                <li><a href="/verify">{t("nav.verify")}</a></li>
                <li>
                  <a href={`${view.path}?lang=${other}`} lang={other} hreflang={other}>
                    {t(`lang.${other}`)}
                  </a>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="width" tabindex={-1}>
          {view.user && !view.user.emailVerified ? <UnverifiedBanner view={view} /> : null}
          {children}
        </main>
        <footer class="site-footer">
          <div class="width"><p>{t("layout.footer")}</p><p><a href="/docs/api">{t("footer.apiReference")}</a></p></div>
        </footer>
      </body>
    </html>
    </>
  );
}
