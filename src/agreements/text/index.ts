import type { Inline } from "../document";
import type { Locale } from "../../i18n/locales";
import { agreementEn, type AgreementTextKey } from "./en";
import { agreementNb } from "./nb";

export type { AgreementTextKey };

const tables: Record<Locale, Record<AgreementTextKey, string>> = { en: agreementEn, nb: agreementNb };

export function agreementTable(locale: Locale): Readonly<Record<AgreementTextKey, string>> {
  return tables[locale];
}

export type TextParam = string | Inline | Inline[];

/**
 * A text with its {placeholders} filled by runs: the answers stay separate parts
 * (a blank stays a blank), so the HTML and the PDF can treat them as values.
 */
export function fillText(template: string, params: Readonly<Record<string, TextParam>> = {}): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const name = match[1]!;
    if (!(name in params)) continue;
    if (match.index > last) out.push(template.slice(last, match.index));
    const value = params[name]!;
    if (Array.isArray(value)) out.push(...value);
    else out.push(value);
    last = match.index + match[0].length;
  }
  if (last < template.length) out.push(template.slice(last));
  return merge(out);
}

/** Joins neighbouring strings, so equal documents have equal shapes. */
function merge(parts: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (typeof part === "string" && typeof prev === "string") out[out.length - 1] = prev + part;
    else if (part !== "") out.push(part);
  }
  return out;
}
