/**
 * The languages Pactly speaks. Every translation table (i18n, agreement texts, emails) is a
 * `Record<Locale, …>`, so adding one here makes the typecheck list each table that lacks it.
 * A module of its own, without the tables, so schemas (D1, zod, queue messages) can import it cheaply.
 */
export const locales = ["en", "nb"] as const;
export type Locale = (typeof locales)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (locales as readonly string[]).includes(value);
}
