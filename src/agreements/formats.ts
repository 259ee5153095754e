/**
 * Reading what people type into agreement forms, and writing values back in an
 * agreement's language. Pure: no clock (today is passed in), no platform.
 *
 * People in Norway write numbers both ways ("25 000,50", "25.000,50") and so do
 * people used to English ("25,000.50"); both are accepted. A separator followed
 * by exactly three digits in groups is a thousands separator; one followed by one
 * or two digits is the decimal comma or point. Anything ambiguous is refused
 * rather than guessed.
 */
import type { Locale } from "../i18n/locales";

/** @deprecated The older name of `Locale`, kept only because services/agreements.ts still imports it. */
export type AgreementLocale = Locale;

/** Parsed values are kept as canonical strings, the same in every language. */
export type ParseResult = { ok: true; value: string } | { ok: false };

const ok = (value: string): ParseResult => ({ ok: true, value });
const fail: ParseResult = { ok: false };

// Spaces people paste into numbers: ordinary, no-break, narrow no-break, thin.
const SPACES = /[\s\u00A0\u202F\u2009]+/g;

/** Removes grouping and currency, leaving digits and at most one decimal separator ("."). */
function plainNumber(input: string, { maxDecimals, unit }: { maxDecimals: number; unit?: RegExp }): string | null {
  let s = input.trim().replace(/\u2212/g, "-");
  if (unit) s = s.replace(unit, "");
  s = s.replace(/[,.]-$/, ""); // "25 000,-" means whole kroner
  s = s.replace(/['’]/g, " ").replace(SPACES, " ").trim();
  if (!/^\d[\d ,.]*$/.test(s)) return null;
  // Spaces only ever group thousands: "25 000" and "1 234 567" but not "2 50".
  if (s.includes(" ") && !/^\d{1,3}( \d{3})*([,.]\d+)?$/.test(s)) return null;
  s = s.replace(/ /g, "");
  const lastComma = s.lastIndexOf(",");
  const lastDot = s.lastIndexOf(".");
  let integer: string;
  let decimals = "";
  if (lastComma >= 0 && lastDot >= 0) {
    // Both: the last one is the decimal separator, the other groups thousands.
    const decimalSep = lastComma > lastDot ? "," : ".";
    const groupSep = decimalSep === "," ? "." : ",";
    const [whole = "", fraction = "", ...rest] = s.split(decimalSep);
    if (rest.length > 0) return null;
    if (!new RegExp(`^\\d{1,3}(\\${groupSep}\\d{3})*$`).test(whole)) return null;
    integer = whole.split(groupSep).join("");
    decimals = fraction;
  } else if (lastComma >= 0 || lastDot >= 0) {
    const sep = lastComma >= 0 ? "," : ".";
    const parts = s.split(sep);
    const grouped = parts.length >= 2 && /^\d{1,3}$/.test(parts[0]!) && parts.slice(1).every((p) => /^\d{3}$/.test(p));
    if (grouped && (parts.length > 2 || maxDecimals < 3)) {
      integer = parts.join(""); // "25,000" or "25.000": thousands
    } else if (parts.length === 2) {
      integer = parts[0]!;
      decimals = parts[1]!;
    } else {
      return null;
    }
  } else {
    integer = s;
  }
  if (!/^\d+$/.test(integer) || (decimals !== "" && !/^\d+$/.test(decimals))) return null;
  if (decimals.length > maxDecimals) return null;
  integer = integer.replace(/^0+(?=\d)/, "");
  return decimals ? `${integer}.${decimals}` : integer;
}

/** An amount in Norwegian kroner with at most two decimals (øre), as "25000.50". */
export function parseAmount(input: string): ParseResult {
  const plain = plainNumber(input, { maxDecimals: 2, unit: /^(nok|kr\.?)\s*|\s*(nok|kr\.?|kroner)$/gi });
  if (plain === null) return fail;
  const [whole = "0", fraction = ""] = plain.split(".");
  return ok(`${whole}.${fraction.padEnd(2, "0")}`);
}

/** A whole number, grouping allowed ("123 456", "123,456"); an optional unit such as "km". */
export function parseInteger(input: string, unit?: RegExp): ParseResult {
  const plain = plainNumber(input, { maxDecimals: 0, ...(unit ? { unit } : {}) });
  if (plain === null || plain.includes(".")) return fail;
  return ok(plain);
}

/** A percentage with up to two decimals: "5,5", "5.5 %", "5,5 prosent". */
export function parsePercent(input: string): ParseResult {
  const plain = plainNumber(input, { maxDecimals: 2, unit: /\s*(%|prosent|percent|per cent)$/i });
  if (plain === null) return fail;
  return ok(String(Number(plain)));
}

/**
 * A calendar date as "2026-12-31". Accepts day.month.year (also with / or -),
 * the way dates are written in Norway and Britain, and ISO 8601. Years have four
 * digits: "1.2.26" could be 1926 or 2026.
 */
export function parseDate(input: string): ParseResult {
  const s = input.trim().replace(SPACES, "");
  let y: number;
  let m: number;
  let d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(s);
    if (!match) return fail;
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return fail;
  return ok(`${String(y).padStart(4, "0")}-${pad(m)}-${pad(d)}`);
}

const pad = (n: number) => String(n).padStart(2, "0");
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** A Norwegian postcode: four digits ("0150"). */
export function parsePostalCode(input: string): ParseResult {
  const s = input.trim().replace(SPACES, "");
  return /^\d{4}$/.test(s) ? ok(s) : fail;
}

/** MOD11 with the given weights; null when no valid check digit exists. */
function mod11(digits: string, weights: number[]): number | null {
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** Digits only, when the input is digits with spaces or dots between them. */
function digitsOf(input: string): string | null {
  const s = input.trim().replace(SPACES, "").replace(/[.-]/g, "");
  return /^\d+$/.test(s) ? s : null;
}

export type CheckedResult = ParseResult | { ok: false; reason: "checksum" };

/** A Norwegian organisation number: nine digits, the last a MOD11 check digit ("923 609 016"). */
export function parseOrgNumber(input: string): CheckedResult {
  const s = digitsOf(input);
  if (!s || s.length !== 9) return fail;
  return mod11(s, [3, 2, 7, 6, 5, 4, 3, 2]) === Number(s[8]) ? ok(s) : { ok: false, reason: "checksum" };
}

/** A Norwegian bank account number: eleven digits, the last a MOD11 check digit ("1503 12 34567"). */
export function parseAccountNumber(input: string): CheckedResult {
  const s = digitsOf(input);
  if (!s || s.length !== 11) return fail;
  return mod11(s, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === Number(s[10]) ? ok(s) : { ok: false, reason: "checksum" };
}

/**
 * A Norwegian registration number as printed on the plate: two letters and four or
 * five digits ("AB 12345", also typed "ab12345" or "AB-12345").
 */
export function parseRegistrationNumber(input: string): ParseResult {
  const s = input.trim().toUpperCase().replace(SPACES, "").replace(/-/g, "");
  const match = /^([A-Z]{2})(\d{4,5})$/.exec(s);
  return match ? ok(`${match[1]} ${match[2]}`) : fail;
}

/** A vehicle identification (chassis) number: 17 characters, never I, O or Q. */
export function parseVin(input: string): ParseResult {
  const s = input.trim().toUpperCase().replace(SPACES, "");
  return /^[A-HJ-NPR-Z0-9]{17}$/.test(s) ? ok(s) : fail;
}

// Control characters (except line breaks in long text) and invisible direction
// marks: nothing a person means to type, and able to make text look like other text.
const CONTROL = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const INVISIBLE = /[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** One line of text: NFC, no control characters, single spaces. */
export function cleanLine(input: string): string {
  return input.normalize("NFC").replace(CONTROL, " ").replace(/[\r\n\u2028\u2029]+/g, " ").replace(INVISIBLE, "").replace(/[ \t\u00A0]+/g, " ").trim();
}

/** Several paragraphs: line breaks kept (as \n), at most one empty line between paragraphs. */
export function cleanText(input: string): string {
  return input
    .normalize("NFC")
    .replace(/\r\n?|\u2028|\u2029/g, "\n")
    .replace(CONTROL, " ")
    .replace(INVISIBLE, "")
    .split("\n")
    .map((line) => line.replace(/[ \t\u00A0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Paragraphs (split on empty lines), each a list of lines. */
export function paragraphs(text: string): string[][] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.split("\n").filter((line) => line !== ""))
    .filter((p) => p.length > 0);
}

// ---------------------------------------------------------------------------
// Writing values in the agreement's language.

function groupDigits(locale: Locale, digits: string): string {
  // Intl's grouping in nb-NO is a no-break space: numbers never break across lines.
  const sep = locale === "nb" ? "\u00A0" : ",";
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** "25 000 kr" / "25 000,50 kr" in Norwegian, "NOK 25,000" / "NOK 25,000.50" in English. */
export function formatAmount(locale: Locale, canonical: string): string {
  const [whole = "0", fraction = "00"] = canonical.split(".");
  const number = groupDigits(locale, whole) + (fraction === "00" ? "" : (locale === "nb" ? "," : ".") + fraction);
  return locale === "nb" ? `${number}\u00A0kr` : `NOK\u00A0${number}`;
}

export function formatInteger(locale: Locale, canonical: string): string {
  return groupDigits(locale, canonical);
}

/** "5,5 %" in Norwegian, "5.5%" in English. */
export function formatPercent(locale: Locale, canonical: string): string {
  return locale === "nb" ? `${canonical.replace(".", ",")}\u00A0%` : `${canonical}%`;
}

const monthNames: Record<Locale, string[]> = {
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
  nb: ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"],
};

/** "31. desember 2026" / "31 December 2026": spelled out, so no reader mistakes day for month. */
export function formatDate(locale: Locale, canonical: string): string {
  const [y, m, d] = canonical.split("-").map(Number);
  const month = monthNames[locale][(m ?? 1) - 1];
  return locale === "nb" ? `${d}.\u00A0${month} ${y}` : `${d}\u00A0${month} ${y}`;
}

/** "923 609 016" */
export function formatOrgNumber(canonical: string): string {
  return canonical.replace(/^(\d{3})(\d{3})(\d{3})$/, "$1\u00A0$2\u00A0$3");
}

/** "1503 12 34567", as Norwegian banks print account numbers. */
export function formatAccountNumber(canonical: string): string {
  return canonical.replace(/^(\d{4})(\d{2})(\d{5})$/, "$1\u00A0$2\u00A0$3");
}
