import type { Locale } from "../../src/i18n";
import type { View } from "../view";

const intlLocales: Record<Locale, string> = { en: "en-GB", nb: "nb-NO" };

/**
 * "one" or "other" by the language's plural rules. (src/i18n's formatCount does the same
 * for the nouns it knows; its Countable type is not ours to widen.)
 */
export function pluralForm(locale: Locale, count: number): "one" | "other" {
  return new Intl.PluralRules(intlLocales[locale]).select(count) === "one" ? "one" : "other";
}

/** The calendar date of an instant in a time zone, as days since the epoch. */
function dayNumber(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / 86_400_000;
}

/**
 * Whole calendar days from today until the deletion date, both in the envelope's time
 * zone: on the last day it is 0, and the date shown is the day people read as "until".
 */
export function daysLeft(until: string, now: Date, timeZone: string): number {
  return dayNumber(new Date(until), timeZone) - dayNumber(now, timeZone);
}

type RetentionProps = {
  view: View;
  /** When the signed PDF is deleted (ISO). */
  until: string;
  timeZone?: string;
  now?: Date;
  /** A table cell: the date and the days left, without the sentence. */
  compact?: boolean;
  /** `signed`: a completed envelope's signed PDF; `ended`: an envelope that ended unsigned, deleted sooner. */
  kind?: "signed" | "ended";
};

/** How long a completed envelope's signed PDF can still be downloaded, or when an unsigned one is deleted. */
export function Retention({ view, until, timeZone = "Europe/Oslo", now = new Date(), compact = false, kind = "signed" }: RetentionProps) {
  const { t, locale } = view;
  const left = daysLeft(until, now, timeZone);
  const dueText = kind === "signed" ? t("dashboard.retention.due") : t("retention.ended.due");
  if (left < 0) return compact ? <span class="retention retention--due">{dueText}</span> : <p class="retention retention--due">{dueText}</p>;
  const date = new Intl.DateTimeFormat(intlLocales[locale], { dateStyle: compact ? "medium" : "long", timeZone }).format(new Date(until));
  const leftText =
    left === 0
      ? t("dashboard.retention.lastDay")
      : t(`dashboard.retention.days.${pluralForm(locale, left)}`, { count: new Intl.NumberFormat(intlLocales[locale]).format(left) });
  const soon = left <= 7 ? " retention--soon" : "";
  if (compact) {
    return (
      <span class={`retention${soon}`}>
        <time datetime={until}>{date}</time>
        <span class="retention__left">{leftText}</span>
      </span>
    );
  }
  // The translated sentence, with its date as a <time> element wherever the language puts it.
  const sentence = kind === "signed" ? t("dashboard.retention.until", { date, left: leftText }) : t("retention.ended.until", { date, left: leftText });
  return <p class={`retention${soon}`}>{sentence.split(date).flatMap((part, i) => (i === 0 ? [part] : [<time datetime={until}>{date}</time>, part]))}</p>;
}
