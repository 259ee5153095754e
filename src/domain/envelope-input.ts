/**
 * What a sender may say about an envelope: its settings and its recipients. One set of
 * zod schemas serves the web forms and the JSON API (and the OpenAPI document). Pure:
 * the clock comes in as an argument. Messages are translation keys, so forms show them
 * in the sender's language and the API in English.
 */
import { z } from "zod";
import { locales } from "../i18n/locales";
import { limits } from "./envelope";
import { DAY_MS, expiryDays } from "./limits";
import { localTimeToUtc } from "./zoned-time";

export const identificationMethods = ["email_link", "email_otp", "sms_otp", "eid"] as const;
export const recipientRoles = ["signer", "cc"] as const;
export const signingOrders = ["parallel", "sequential"] as const;
export const DEFAULT_TIME_ZONE = "Europe/Oslo";
export const reminderEveryDays = { default: 3, min: 0, max: 30 } as const;

/** An empty form field means "not given". */
const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** E.164: a plus, a country code and at most 15 digits in all. Spaces, dashes and brackets are ignored. */
export const phoneSchema = z
  .string()
  .transform((s) => s.replace(/[\s().-]/g, ""))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, "builder.error.phone"));

export const emailSchema = z
  .string({ error: "envelope.add.error.email" })
  .trim()
  .toLowerCase()
  .pipe(z.email("envelope.add.error.email"))
  .pipe(z.string().max(254, "envelope.add.error.email"));

const knownTimeZones = new Map<string, boolean>();

/** Whether the runtime knows this IANA zone; each answer is remembered, as building a formatter is slow. */
export function isTimeZone(value: string): boolean {
  const known = knownTimeZones.get(value);
  if (known !== undefined) return known;
  let answer: boolean;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    answer = true;
  } catch {
    answer = false;
  }
  // Bounded: a form can post any string, and the cache must not grow with them.
  if (knownTimeZones.size < 1000) knownTimeZones.set(value, answer);
  return answer;
}

export const timeZoneSchema = z.string().trim().refine(isTimeZone, "builder.error.timeZone");

/** The zones offered in the builder's list: every Nordic one, UTC and common ones elsewhere. */
const COMMON_TIME_ZONES: readonly string[] = [
  "Europe/Oslo",
  "Europe/Stockholm",
  "Europe/Copenhagen",
  "Europe/Helsinki",
  "Atlantic/Reykjavik",
  "Atlantic/Faroe",
  "Europe/Mariehamn",
  "Arctic/Longyearbyen",
  "America/Nuuk",
  "UTC",
  "Europe/London",
  "Europe/Dublin",
  "Europe/Lisbon",
  "Europe/Amsterdam",
  "Europe/Berlin",
  "Europe/Paris",
  "Europe/Madrid",
  "Europe/Rome",
  "Europe/Warsaw",
  "Europe/Tallinn",
  "Europe/Riga",
  "Europe/Vilnius",
  "Europe/Kyiv",
  "Europe/Istanbul",
  "America/New_York",
  "America/Chicago",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Australia/Sydney",
];

let offered: readonly string[] | null = null;

/**
 * The common zones this runtime knows. Checked on first use, not at module load: a formatter
 * per zone costs startup CPU in every isolate, also those that never show the builder.
 */
export function commonTimeZones(): readonly string[] {
  offered ??= COMMON_TIME_ZONES.filter(isTimeZone);
  return offered;
}

/** The list to offer, with the zone already chosen first if it is not a common one. */
export function timeZoneChoices(current?: string): string[] {
  const common = commonTimeZones();
  return current && !common.includes(current) && isTimeZone(current) ? [current, ...common] : [...common];
}

export const recipientInputSchema = z
  .object({
    name: z.string({ error: "envelope.add.error.name" }).trim().min(1, "envelope.add.error.name").max(200, "envelope.add.error.name"),
    email: emailSchema,
    phone: z.preprocess(blankToUndefined, phoneSchema.optional()),
    role: z.preprocess(blankToUndefined, z.enum(recipientRoles, "builder.error.role").default("signer")),
    method: z.preprocess(blankToUndefined, z.enum(identificationMethods, "builder.error.method").default("email_link")),
    locale: z.preprocess(blankToUndefined, z.enum(locales, "builder.error.locale").default("en")),
  })
  .superRefine((r, ctx) => {
    if (r.method === "sms_otp" && !r.phone) ctx.addIssue({ code: "custom", path: ["phone"], message: "builder.error.phoneRequired" });
  })
  // Someone who only receives a copy does not identify.
  .transform((r) => (r.role === "cc" ? { ...r, method: "email_link" as const } : r));
export type RecipientInput = z.infer<typeof recipientInputSchema>;

export const envelopeSettingsSchema = z.object({
  title: z.string({ error: "new.error.title" }).trim().min(1, "new.error.title").max(200, "new.error.titleLong"),
  message: z.preprocess(blankToUndefined, z.string().trim().max(2000, "new.error.message").default("")),
  signingOrder: z.preprocess(blankToUndefined, z.enum(signingOrders, "builder.error.order").default("parallel")),
  timeZone: z.preprocess(blankToUndefined, timeZoneSchema.default(DEFAULT_TIME_ZONE)),
  /** 0 turns automatic reminders off. */
  reminderEveryDays: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: "builder.error.reminders" })
      .int("builder.error.reminders")
      .min(reminderEveryDays.min, "builder.error.reminders")
      .max(reminderEveryDays.max, "builder.error.reminders")
      .default(reminderEveryDays.default),
  ),
});
export type EnvelopeSettings = z.infer<typeof envelopeSettingsSchema>;

/** A calendar date, YYYY-MM-DD, as a date input sends it. */
const dateSchema = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, "builder.error.expiryFormat");

/**
 * When the envelope stops accepting signatures: the end of `expiresOn` in the envelope's
 * time zone. Given `now`, a date in the past or too far ahead is refused.
 */
export function sendInputSchema(now: Date) {
  return z
    .object({
      expiresOn: z.preprocess(blankToUndefined, dateSchema.optional()),
      timeZone: z.preprocess(blankToUndefined, timeZoneSchema.default(DEFAULT_TIME_ZONE)),
    })
    .transform((input, ctx) => {
      const expiresOn = input.expiresOn ?? dateIn(new Date(now.getTime() + expiryDays.default * DAY_MS), input.timeZone);
      const expiresAt = endOfDay(expiresOn, input.timeZone);
      if (!expiresAt) {
        ctx.addIssue({ code: "custom", path: ["expiresOn"], message: "builder.error.expiryFormat" });
        return z.NEVER;
      }
      if (Date.parse(expiresAt) <= now.getTime()) {
        ctx.addIssue({ code: "custom", path: ["expiresOn"], message: "builder.error.expiryPast" });
        return z.NEVER;
      }
      if (Date.parse(expiresAt) > now.getTime() + (expiryDays.max + 1) * DAY_MS) {
        ctx.addIssue({ code: "custom", path: ["expiresOn"], message: "builder.error.expiryFar" });
        return z.NEVER;
      }
      return { expiresOn, expiresAt, timeZone: input.timeZone };
    });
}

/** Duplicate addresses, no signers and too many recipients, checked over the whole list. */
export function checkRecipientList(list: readonly RecipientInput[], ctx: z.RefinementCtx, path: PropertyKey[] = ["recipients"]): void {
  if (list.length > limits.maxRecipients) ctx.addIssue({ code: "custom", path, message: "envelope.add.error.tooMany" });
  if (!list.some((r) => r.role === "signer")) ctx.addIssue({ code: "custom", path, message: "builder.error.noSigners" });
  const seen = new Set<string>();
  list.forEach((r, i) => {
    if (seen.has(r.email)) ctx.addIssue({ code: "custom", path: [...path, i, "email"], message: "envelope.add.error.duplicate" });
    seen.add(r.email);
  });
}

/** The API's one-step envelope: settings, an uploaded document's id and the recipients, in signing order. */
export const envelopeCreateSchema = envelopeSettingsSchema
  .extend({
    documentId: z.string().regex(/^doc_[A-Za-z0-9_-]{10,40}$/, "builder.error.documentId"),
    recipients: z.array(recipientInputSchema).max(limits.maxRecipients, "envelope.add.error.tooMany"),
  })
  .superRefine((input, ctx) => checkRecipientList(input.recipients, ctx));
export type EnvelopeCreateInput = z.infer<typeof envelopeCreateSchema>;

// ---- calendar dates in a time zone ----

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function dateIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The last millisecond of a calendar date in a time zone, as an ISO instant; null for a date that does not exist. */
export function endOfDay(date: string, timeZone: string): string | null {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const startUtc = Date.UTC(y, m - 1, d);
  if (Number.isNaN(startUtc) || new Date(startUtc).getUTCDate() !== d || new Date(startUtc).getUTCMonth() !== m - 1) return null;
  // Midnight of the next day in that zone, minus one millisecond.
  return new Date(localTimeToUtc(y, m, d + 1, 0, timeZone) - 1).toISOString();
}
