import type { View } from "../view";
import { Button, CsrfField } from "./form";

/** Shown on every page to a signed-in sender who has not confirmed their address yet. */
export function UnverifiedBanner({ view }: { view: View }) {
  const { t } = view;
  return (
    <div class="notice notice--warning account-banner" role="region" aria-labelledby="unverified-title">
      <h2 id="unverified-title">{t("account.unverified.title")}</h2>
      <p>{t("account.unverified.body")}</p>
      <form method="post" action="/account/verification" class="inline">
        <CsrfField view={view} />
        <Button variant="secondary">{t("account.unverified.resend")}</Button>
      </form>
    </div>
  );
}
