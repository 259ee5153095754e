import { formatDateTime } from "../../src/i18n";
import { listFilters, PAGE_SIZE, type EnvelopeList, type ListFilter, type ListQuery } from "../../src/domain/envelope-list";
import { pluralForm, Retention } from "../components/retention";
import { StatusTag } from "../components/status-tag";
import { Layout } from "../layout";
import type { View } from "../view";

/** A link to the list with these query values, leaving out the defaults. */
function listHref(query: Partial<ListQuery>): string {
  const params = new URLSearchParams();
  if (query.status && query.status !== "all") params.set("status", query.status);
  if (query.q) params.set("q", query.q);
  if (query.page && query.page > 1) params.set("page", String(query.page));
  const search = params.toString();
  return search ? `/envelopes?${search}` : "/envelopes";
}

function filterLabel(view: View, filter: ListFilter): string {
  return filter === "all" ? view.t("dashboard.filter.all") : view.t(`status.${filter}`);
}

/**
 * The sender's envelopes: a GET search form and filter links that work without
 * JavaScript; with htmx the results follow the search box as the sender types (the
 * address bar too), and the line saying how many are shown is a live region that
 * stays in place, so screen readers hear the new count.
 */
export function EnvelopeListPage({ view, list, now }: { view: View; list: EnvelopeList; now: Date }) {
  const { t } = view;
  const { query } = list;
  const nothingYet = list.counts.all === 0 && !query.q;
  return (
    <Layout view={view} title={t("envelopes.title")} htmx={!nothingYet}>
      <h1>{t("envelopes.title")}</h1>
      <p>
        <a class="button button--primary" href="/envelopes/new">{t("envelopes.new")}</a>
        <a class="button button--secondary" href="/agreements">{t("envelopes.fromTemplate")}</a>
      </p>
      {nothingYet ? (
        <p>{t("envelopes.empty")}</p>
      ) : (
        <>
          <form
            method="get"
            action="/envelopes"
            role="search"
            class="list-search"
            hx-get="/envelopes"
            hx-trigger="input changed delay:400ms from:#q, search from:#q, submit"
            hx-select="#envelope-results"
            hx-select-oob="#status-filters,#results-status:innerHTML"
            hx-target="#envelope-results"
            hx-swap="outerHTML"
            hx-push-url="true"
            hx-sync="this:replace"
          >
            {query.status !== "all" ? <input type="hidden" name="status" value={query.status} /> : null}
            <label for="q">{t("dashboard.search.label")}</label>
            <div class="list-search__row">
              <input class="input input--full" type="search" id="q" name="q" value={query.q} maxlength={100} autocomplete="off" spellcheck={false} />
              <button type="submit" class="button button--secondary">{t("dashboard.search.submit")}</button>
            </div>
          </form>
          <StatusFilters view={view} list={list} />
          <p id="results-status" class="results-status" role="status">
            <ResultsLine view={view} list={list} />
          </p>
          <Results view={view} list={list} now={now} />
        </>
      )}
    </Layout>
  );
}

function StatusFilters({ view, list }: { view: View; list: EnvelopeList }) {
  return (
    <nav id="status-filters" aria-label={view.t("dashboard.filter.label")}>
      <ul class="filters">
        {listFilters.map((filter) => (
          <li>
            <a
              class="filter"
              href={listHref({ status: filter, q: list.query.q })}
              aria-current={filter === list.query.status ? "page" : undefined}
            >
              {filterLabel(view, filter)} <span class="filter__count">{list.counts[filter]}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function ResultsLine({ view, list }: { view: View; list: EnvelopeList }) {
  const { t, locale } = view;
  if (list.total === 0) {
    if (list.query.q) return <>{t("dashboard.empty.search", { q: list.query.q })}</>;
    return <>{t("dashboard.empty.filter")}</>;
  }
  const from = (list.page - 1) * PAGE_SIZE + 1;
  const to = from + list.items.length - 1;
  return <>{t(`dashboard.showing.${pluralForm(locale, list.total)}`, { from, to, total: list.total })}</>;
}

function Results({ view, list, now }: { view: View; list: EnvelopeList; now: Date }) {
  const { t, locale } = view;
  const { query } = list;
  if (list.total === 0) {
    return (
      <div id="envelope-results">
        <p>
          {query.q ? (
            <a href={listHref({ status: query.status })}>{t("dashboard.search.clear")}</a>
          ) : (
            <a href={listHref({})}>{t("dashboard.showAll")}</a>
          )}
        </p>
      </div>
    );
  }
  return (
    <div id="envelope-results">
      <div class="table-wrap">
        <table class="envelope-table">
          <thead>
            <tr>
              <th scope="col">{t("envelopes.col.title")}</th>
              <th scope="col">{t("envelopes.col.status")}</th>
              <th scope="col">{t("envelopes.col.signers")}</th>
              <th scope="col">{t("envelopes.col.created")}</th>
              <th scope="col">{t("dashboard.col.retention")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((e) => (
              <tr>
                <td><a href={`/envelopes/${e.id}`}>{e.title}</a></td>
                <td><StatusTag view={view} status={e.status} finalising={e.finalising} finalisationFailed={e.finalisationFailed} /></td>
                <td>{e.signers === 0 ? t("dashboard.noSigners") : t("envelopes.signedOf", { signed: e.signed, total: e.signers })}</td>
                <td><time datetime={e.createdAt}>{formatDateTime(locale, e.createdAt)}</time></td>
                <td>{e.retentionUntil ? <Retention view={view} until={e.retentionUntil} now={now} compact /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.pageCount > 1 ? (
        <nav class="pagination" aria-label={t("dashboard.pages.label")}>
          <ul>
            {list.page > 1 ? (
              <li><a rel="prev" href={listHref({ ...query, page: list.page - 1 })}>{t("dashboard.pages.previous")}</a></li>
            ) : null}
            <li aria-current="page">{t("dashboard.pages.current", { page: list.page, count: list.pageCount })}</li>
            {list.page < list.pageCount ? (
              <li><a rel="next" href={listHref({ ...query, page: list.page + 1 })}>{t("dashboard.pages.next")}</a></li>
            ) : null}
          </ul>
        </nav>
      ) : null}
    </div>
  );
}
