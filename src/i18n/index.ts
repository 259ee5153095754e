/**
 * Every user-visible string, in English and Norwegian Bokmål. The Norwegian table is
 * typed against the English one, so a missing translation fails the typecheck.
 * Placeholders are written {name}; a number put in one is written the locale's way
 * (2,000 in English, 2 000 in Norwegian).
 */
import { en } from "./en";
import { type Locale, isLocale, locales } from "./locales";
import { nb } from "./nb";

export { type Locale, isLocale, locales };
export type MessageKey = keyof typeof en;
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const tables: Record<Locale, Record<MessageKey, string>> = { en, nb };

export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(en, value);
}

const numberFormats = new Map<Locale, Intl.NumberFormat>();

/** Built on first use, not at startup: a cold isolate pays only for the locale it serves. */
function numberFormat(locale: Locale): Intl.NumberFormat {
  let format = numberFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale === "nb" ? "nb-NO" : "en-GB", { maximumFractionDigits: 2 });
    numberFormats.set(locale, format);
  }
  return format;
}

export function translator(locale: Locale): Translate {
  const table = tables[locale];
  const written = (value: string | number) => (typeof value === "number" ? numberFormat(locale).format(value) : value);
  return (key, params) => {
    const template = table[key];
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? written(params[name]!) : whole));
  };
}

/** Picks nb or en from an Accept-Language header; English when nothing matches. */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return "en";
  const ranked = acceptLanguage
    .split(",")
    .map((part) => {
      const [tag = "", ...rest] = part.trim().split(";");
      const q = rest.find((p) => p.trim().startsWith("q="));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith("nb") || tag.startsWith("no") || tag.startsWith("nn")) return "nb";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

const dateFormats: Record<Locale, string> = { en: "en-GB", nb: "nb-NO" };

type Countable = "pages";

/** "1 page", "2 pages": the plural form chosen by the language's own rules. */
export function formatCount(t: Translate, locale: Locale, noun: Countable, count: number): string {
  const form = new Intl.PluralRules(dateFormats[locale]).select(count) === "one" ? "one" : "other";
  return t(`count.${noun}.${form}`, { count: new Intl.NumberFormat(dateFormats[locale]).format(count) });
}

/** A date and time for people, in the given time zone. */
export function formatDateTime(locale: Locale, iso: string, timeZone = "Europe/Oslo"): string {
  return new Intl.DateTimeFormat(dateFormats[locale], { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}

export function formatBytes(locale: Locale, bytes: number): string {
  const units = ["B", "KB", "MB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${new Intl.NumberFormat(dateFormats[locale], { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}
