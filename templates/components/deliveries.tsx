/**
 * "Messages sent" on the sender's envelope page: each message that went out to each recipient,
 * when, and what could not be delivered, with a link to the form that corrects the address.
 * One table (recipient, message, address, time, result) so screen readers announce the headers.
 */
import { formatDateTime, type MessageKey } from "../../src/i18n";
import type { DeliveryPanel } from "../../src/domain/deliveries";
import type { View } from "../view";

const kinds = new Set(["invite", "reminder", "code", "completed", "declined", "expiry_warning", "cancelled", "deletion_warning", "finalisation_failed"]);

function kindKey(kind: string, prefix: "notifications.kind" | "notifications.failed"): MessageKey {
  return `${prefix}.${kinds.has(kind) ? kind : "other"}` as MessageKey;
}

export function DeliveriesPanel({ view, panel, timeZone }: { view: View; panel: DeliveryPanel; timeZone: string }) {
  const { t, locale } = view;
  const nameOf = new Map(panel.recipients.map((r) => [r.id, r]));
  const order = new Map(panel.recipients.map((r, i) => [r.id, i]));
  // Grouped by recipient in signing order, then by time, so each person's messages read together.
  const rows = [...panel.rows].sort((a, b) => (order.get(a.recipientId ?? "") ?? 999) - (order.get(b.recipientId ?? "") ?? 999) || a.at.localeCompare(b.at));
  const open = panel.rows.filter((r) => panel.openFailures.includes(r.id));
  return (
    <section aria-labelledby="deliveries-heading" id="deliveries" class="deliveries">
      <h2 id="deliveries-heading">{t("notifications.panel.heading")}</h2>
      {open.length > 0 ? (
        <div class="delivery-failures" id="delivery-failures">
          <h3>{t("notifications.failed.heading")}</h3>
          <ul>
            {open.map((f) => {
              const recipient = f.recipientId ? nameOf.get(f.recipientId) : undefined;
              return (
                <li>
                  {t(kindKey(f.kind, "notifications.failed"), { to: f.to ?? "" })}{" "}
                  {recipient?.correctable ? <a href={`#correct-${recipient.id}`}>{t("notifications.panel.correct", { name: recipient.name })}</a> : null}
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}
      {rows.length === 0 ? (
        <p>{t("notifications.panel.empty")}</p>
      ) : (
        <>
          <p class="hint">{t("notifications.panel.lead")}</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("notifications.panel.col.recipient")}</th>
                  <th scope="col">{t("notifications.panel.col.message")}</th>
                  <th scope="col">{t("notifications.panel.col.to")}</th>
                  <th scope="col">{t("notifications.panel.col.time")}</th>
                  <th scope="col">{t("notifications.panel.col.result")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr>
                    <td>{row.recipientId ? (nameOf.get(row.recipientId)?.name ?? "—") : "—"}</td>
                    <td>
                      {t(kindKey(row.kind, "notifications.kind"))} ({t(row.channel === "sms" ? "notifications.channel.sms" : "notifications.channel.email")})
                    </td>
                    <td>{row.to ?? "—"}</td>
                    <td>{formatDateTime(locale, row.at, timeZone)}</td>
                    <td>
                      {row.failed ? <strong class="tag tag--failed">{t("notifications.panel.failed")}</strong> : <strong class="tag tag--sent">{t("notifications.panel.sent")}</strong>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
