import type { AuditEntry } from "../../src/domain/audit";
import type { ChainVerification } from "../../src/domain/audit";
import { Button, ErrorSummary, TextField } from "../components/form";
import { Layout } from "../layout";
import type { FieldErrors, Values, View } from "../view";

type AuditLogProps = {
  view: View;
  entries: AuditEntry[];
  values: Values;
  errors?: FieldErrors;
  verification: ChainVerification;
  /** The query string of the current filters (without a cursor), for paging and export links. */
  filterQuery: string;
  nextCursor: number | null;
  /** True when this is not the newest page. */
  paged: boolean;
};

const withQuery = (path: string, query: string, extra?: string) => {
  const parts = [query, extra].filter(Boolean).join("&");
  return parts ? `${path}?${parts}` : path;
};

/** Times as written: UTC to the second, machine-readable in `datetime`. */
const utc = (iso: string) => <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)}`}</time>;

/**
 * Settings → Audit log: the chain's state, a GET filter form (works without JavaScript,
 * bookmarkable), the entries as a table with row headers, paging and export links.
 */
export function AuditLogPage({ view, entries, values, errors = {}, verification, filterQuery, nextCursor, paged }: AuditLogProps) {
  const { t } = view;
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout view={view} title={t("audit.title")} hasErrors={hasErrors}>
      <ErrorSummary t={t} errors={errors} order={["actor", "action", "from", "to"]} />
      <h1>{t("audit.title")}</h1>
      <p>{t("audit.intro")}</p>
      <ChainStatus view={view} verification={verification} />

      <h2 id="filter-heading">{t("audit.filter.heading")}</h2>
      <form method="get" action="/settings/audit-log" novalidate aria-labelledby="filter-heading" class="audit-filters">
        <TextField t={t} id="actor" label={t("audit.filter.actor")} hint={t("audit.filter.actorHint")} error={errors.actor} value={values.actor} autocomplete="off" spellcheck={false} />
        <TextField t={t} id="action" label={t("audit.filter.action")} hint={t("audit.filter.actionHint")} error={errors.action} value={values.action} autocomplete="off" spellcheck={false} />
        <TextField t={t} id="from" label={t("audit.filter.from")} hint={t("audit.filter.dateHint")} error={errors.from} value={values.from} autocomplete="off" width="short" />
        <TextField t={t} id="to" label={t("audit.filter.to")} hint={t("audit.filter.dateHint")} error={errors.to} value={values.to} autocomplete="off" width="short" />
        <Button>{t("audit.filter.submit")}</Button>{" "}
        <a href="/settings/audit-log">{t("audit.filter.clear")}</a>
      </form>

      {entries.length === 0 ? (
        <p>{verification.ok && verification.head === 0 ? t("audit.chain.empty") : t("audit.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table audit-table">
            <caption class="visually-hidden">{t("audit.table.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("audit.col.seq")}</th>
                <th scope="col">{t("audit.col.at")}</th>
                <th scope="col">{t("audit.col.actor")}</th>
                <th scope="col">{t("audit.col.action")}</th>
                <th scope="col">{t("audit.col.target")}</th>
                <th scope="col">{t("audit.col.ip")}</th>
                <th scope="col">{t("audit.col.userAgent")}</th>
                <th scope="col">{t("audit.col.details")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr>
                  <th scope="row">{e.seq}</th>
                  <td>{utc(e.at)}</td>
                  <td>{actorText(view, e)}</td>
                  <td><code>{e.action}</code></td>
                  <td>{e.target ? <code>{`${e.target.type} ${e.target.id}`}</code> : ""}</td>
                  <td>{e.ip ?? ""}</td>
                  <td class="audit-ua">{e.userAgent ?? ""}</td>
                  <td>{Object.entries(e.details).map(([k, v]) => `${k}: ${String(v)}`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {paged || nextCursor !== null ? (
        <nav aria-label={t("audit.page.nav")} class="audit-pages">
          <ul>
            {paged ? <li><a href={withQuery("/settings/audit-log", filterQuery)}>{t("audit.page.newest")}</a></li> : null}
            {nextCursor !== null ? <li><a href={withQuery("/settings/audit-log", filterQuery, `before=${nextCursor}`)}>{t("audit.page.older")}</a></li> : null}
          </ul>
        </nav>
      ) : null}

      <h2 id="export-heading">{t("audit.export.heading")}</h2>
      <p>{t("audit.export.body")}</p>
      <ul>
        <li><a href={withQuery("/settings/audit-log/export.csv", filterQuery)} download>{t("audit.export.csv")}</a></li>
        <li><a href={withQuery("/settings/audit-log/export.json", filterQuery)} download>{t("audit.export.json")}</a></li>
      </ul>
    </Layout>
  );
}

function actorText(view: View, e: AuditEntry): string {
  const { t } = view;
  switch (e.actor.type) {
    case "user":
      return e.actor.label;
    case "apikey":
      return t("audit.actor.apikey", { label: e.actor.label });
    case "system":
      return t("audit.actor.system");
    default:
      return t("audit.actor.anonymous");
  }
}

function ChainStatus({ view, verification }: { view: View; verification: ChainVerification }) {
  const { t } = view;
  if (verification.ok) {
    if (verification.head === 0) return null;
    return <div class="notice" role="status"><p>{t("audit.chain.ok", { seq: verification.head })}</p></div>;
  }
  const reason = t(`audit.chain.reason.${verification.broken.reason}`);
  return (
    <div class="notice notice--warning audit-broken" role="alert">
      <p>{t("audit.chain.broken", { seq: verification.broken.seq, reason, verified: verification.verifiedUpTo })}</p>
    </div>
  );
}
