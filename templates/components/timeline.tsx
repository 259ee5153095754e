import { formatDateTime, isMessageKey } from "../../src/i18n";
import type { EnvelopeState } from "../../src/domain/envelope";
import type { ChainedEvent } from "../../src/domain/event-chain";
import type { View } from "../view";

/** Marker shapes by what an event means for the sender; the words always say it too. */
const tones: Partial<Record<string, "done" | "stopped" | "sent">> = {
  recipient_signed: "done",
  envelope_completion_decided: "done",
  envelope_completed: "done",
  recipient_declined: "stopped",
  envelope_declined: "stopped",
  envelope_cancelled: "stopped",
  envelope_expired: "stopped",
  envelope_sent: "sent",
  invitation_queued: "sent",
  invitation_resent: "sent",
  reminder_requested: "sent",
  reminder_sent: "sent",
};

type TimelineProps = {
  view: View;
  events: ChainedEvent[];
  state: Pick<EnvelopeState, "ownerId" | "timeZone" | "recipients">;
};

/**
 * The envelope's events, oldest first: an ordered list (so screen readers announce
 * "list, 7 items" and positions) drawn as a vertical line with markers. Each entry says
 * what happened and to whom, when (in the envelope's time zone, with a machine-readable
 * <time>), and who did it when that was not the recipient themselves.
 */
export function Timeline({ view, events, state }: TimelineProps) {
  const { t, locale } = view;
  return (
    <ol class="timeline">
      {events.map((e) => {
        const key = `event.${e.type}`;
        // Event types are added over time; an unknown one is shown, not a crash.
        const what = isMessageKey(key) ? t(key) : t("dashboard.timeline.other", { type: e.type });
        const subject = e.recipientId ? state.recipients.find((r) => r.id === e.recipientId)?.name : null;
        // Only the envelope's owner is shown this page, so the owner's actions are "you".
        const by =
          e.actor.kind === "sender" && e.actor.userId === state.ownerId
            ? t("dashboard.timeline.byYou")
            : e.actor.kind === "system"
              ? t("dashboard.timeline.bySystem")
              : null;
        return (
          <li class={`timeline__item timeline__item--${tones[e.type] ?? "note"}`}>
            <span>{what}{subject ? ` — ${subject}` : ""}</span>
            <small class="timeline__meta">
              <time datetime={e.at}>{formatDateTime(locale, e.at, state.timeZone)}</time>
              {by ? <span class="timeline__by">{by}</span> : null}
            </small>
          </li>
        );
      })}
    </ol>
  );
}
