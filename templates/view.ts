import type { Locale, MessageKey, Translate } from "../src/i18n";

/** What every page template is given: language, nonce, CSRF token and who is signed in. */
export type View = {
  t: Translate;
  locale: Locale;
  nonce: string;
  csrf: string;
  user: { name: string; emailVerified: boolean } | null;
  /** The current path, for the language links. */
  path: string;
};

/** The hidden field every form carries the CSRF token in; src/web/middleware/csrf.ts checks it. */
export const CSRF_FIELD = "_csrf";

/** Field errors by field name; the values are translation keys. */
export type FieldErrors = Partial<Record<string, MessageKey>>;
/** Answers kept when a form is shown again. */
export type Values = Record<string, string>;
