import { formatDateTime } from "../../src/i18n";
import type { EnvelopeListItem } from "../../src/services/envelope-list";
import { StatusTag } from "../components/status-tag";
import { Layout } from "../layout";
import type { View } from "../view";

export function EnvelopeListPage({ view, items }: { view: View; items: EnvelopeListItem[] }) {
  const { t, locale } = view;
  return (
    <Layout view={view} title={t("envelopes.title")}>
      <h1>{t("envelopes.title")}</h1>
      <p>
        <a class="button button--primary" href="/envelopes/new">{t("envelopes.new")}</a>
        <a class="button button--secondary" href="/agreements">{t("envelopes.fromTemplate")}</a>
      </p>
      {items.length === 0 ? (
        <p>{t("envelopes.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("envelopes.col.title")}</th>
                <th scope="col">{t("envelopes.col.status")}</th>
                <th scope="col">{t("envelopes.col.signers")}</th>
                <th scope="col">{t("envelopes.col.created")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr>
                  <td><a href={`/envelopes/${e.id}`}>{e.title}</a></td>
                  <td><StatusTag view={view} status={e.status} finalising={e.finalising} /></td>
                  <td>{t("envelopes.signedOf", { signed: e.signed, total: e.signers })}</td>
                  <td>{formatDateTime(locale, e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
