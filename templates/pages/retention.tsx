/** Retention on the sender's pages: when an ended envelope is deleted, "Delete now", and what a deleted one still says. */
import type { EnvelopeState } from "../../src/domain/envelope";
import { isEnded, unreadableFromBackupsAt } from "../../src/domain/retention";
import { formatDateTime, type MessageKey } from "../../src/i18n";
import { Retention } from "../components/retention";
import { Button, CsrfField } from "../components/form";
import { Layout } from "../layout";
import type { View } from "../view";

/**
 * On an ended envelope's page: when an unsigned one is deleted (a completed one says so
 * beside its download), the promise about backups, and the way to delete it at once.
 */
export function EndedRetention({ view, state, until }: { view: View; state: EnvelopeState; until: string | null }) {
  const { t } = view;
  if (!isEnded(state.status)) return null;
  return (
    <>
      {until && state.status !== "completed" ? <Retention view={view} until={until} timeZone={state.timeZone} kind="ended" /> : null}
      <p class="hint">{t("retention.backups")}</p>
      <p><a href={`/envelopes/${state.id}/purge`} class="danger-link">{t("retention.deleteNow.link")}</a></p>
    </>
  );
}

/** "Are you sure?" before "Delete now": a page with one button, so it works without JavaScript. */
export function PurgeEnvelopePage({ view, state }: { view: View; state: EnvelopeState }) {
  const { t } = view;
  const title = t("retention.deleteNow.title", { title: state.title });
  return (
    <Layout view={view} title={title}>
      <h1>{title}</h1>
      <p>{t("retention.deleteNow.body")}</p>
      <p>{t("retention.deleteNow.kept")}</p>
      <p>{t("retention.backups")}</p>
      <form method="post" action={`/envelopes/${state.id}/purge`}>
        <CsrfField view={view} />
        <Button variant="warning">{t("retention.deleteNow.submit")}</Button>
      </form>
      <p><a href={`/envelopes/${state.id}`}>{t("retention.deleteNow.back")}</a></p>
    </Layout>
  );
}

export type DeletedEnvelope = { reason: "retention" | "sender"; outcome: string; startedAt: string; completedDays: number; endedDays: number };

/** What a deleted envelope's address answers (410): when and why, and what is kept. */
export function EnvelopeDeletedPage({ view, deleted }: { view: View; deleted: DeletedEnvelope }) {
  const { t, locale } = view;
  const date = formatDateTime(locale, deleted.startedAt, "Europe/Oslo");
  const backups = formatDateTime(locale, unreadableFromBackupsAt(deleted.startedAt), "Europe/Oslo");
  return (
    <Layout view={view} title={t("retention.deleted.title")}>
      <h1>{t("retention.deleted.title")}</h1>
      <p>
        {deleted.reason === "sender"
          ? t("retention.deleted.bySender", { date })
          : t("retention.deleted.byRetention", { date, completedDays: String(deleted.completedDays), endedDays: String(deleted.endedDays) })}
      </p>
      <p>{t("retention.deleted.kept", { outcome: t(`status.${deleted.outcome}` as MessageKey) })}</p>
      <p>{t("retention.deleted.backups", { date: backups })}</p>
      <p><a href="/envelopes">{t("retention.deleted.back")}</a></p>
    </Layout>
  );
}
