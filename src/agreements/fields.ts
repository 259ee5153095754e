/**
 * The answers an agreement template asks for, and how each is checked. Every
 * field is a string in the form; its kind decides how it is read (zod schemas
 * built from the kinds below) and how it is written into the agreement. Messages
 * are codes here; the pages turn them into words in the sender's language.
 */
import { z } from "zod";
import {
  cleanLine,
  cleanText,
  parseAccountNumber,
  parseAmount,
  parseDate,
  parseInteger,
  parseOrgNumber,
  parsePercent,
  parsePostalCode,
  parseRegistrationNumber,
  parseVin,
  type CheckedResult,
} from "./formats";

export type FieldKind =
  | "text"
  | "longText"
  | "amount"
  | "date"
  | "birthDate"
  | "integer"
  | "year"
  | "percent"
  | "postalCode"
  | "orgNumber"
  | "accountNumber"
  | "registrationNumber"
  | "vin"
  | "choice";

export type PartyPart = "name" | "address" | "postalCode" | "city" | "birthDate" | "orgNumber";

export type FieldDef = {
  name: string;
  kind: FieldKind;
  required?: boolean;
  /** Required only when another answer has this value ("instalments" needs an instalment amount). */
  requiredWhen?: { field: string; equals: string };
  /** Longest text in characters; for numbers, the largest value. */
  max?: number;
  /** For numbers, the smallest value. */
  min?: number;
  options?: readonly string[];
  /** The answer the form starts with. */
  initial?: string;
  /** Set for a party's fields: labels and messages are shared by every party. */
  party?: { role: string; part: PartyPart };
};

/** A fieldset on the form: one party, or a group of the template's own questions. */
export type FieldGroup = { id: string; party?: boolean; fields: FieldDef[] };

export type IssueCode = "required" | "format" | "checksum" | "tooLong" | "range" | "after" | "exceeds" | "past" | "depositLimit";

/** What is wrong with one answer; `params` fill the message ({max}, {min}, {other}). */
export type FieldIssue = { field: string; code: IssueCode; params?: Record<string, string | number> };

/** Answers as canonical strings ("25000.50", "2026-12-31", "AB 12345"); missing ones are absent. */
export type Values = Record<string, string>;

const TEXT_MAX = 200;
const LONG_TEXT_MAX = 5000;

const CURRENT_YEAR_SLACK = 1; // next year's models are sold this autumn
const issue = (code: IssueCode, params?: Record<string, string | number>) => ({ code: "custom" as const, message: code, params: params ?? {} });

function checked(result: CheckedResult, ctx: z.RefinementCtx): string | null {
  if (result.ok) return result.value;
  ctx.addIssue(issue("reason" in result ? "checksum" : "format"));
  return null;
}

function inRange(value: number, bounds: { min?: number | undefined; max?: number | undefined }, ctx: z.RefinementCtx): boolean {
  if ((bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max)) {
    ctx.addIssue(issue("range", { min: bounds.min ?? 0, max: bounds.max ?? Number.MAX_SAFE_INTEGER }));
    return false;
  }
  return true;
}

function within(max: number, ctx: z.RefinementCtx, value: string): string {
  if (value.length <= max) return value;
  ctx.addIssue(issue("tooLong", { max }));
  return z.NEVER;
}

/** Reads with `parse`, then checks the result; every failure becomes an issue on the context. */
function reading(parse: (input: string) => CheckedResult, check?: (value: string, ctx: z.RefinementCtx) => boolean) {
  return z.string().transform((input, ctx) => {
    const value = checked(parse(input), ctx);
    if (value === null || (check && !check(value, ctx))) return z.NEVER;
    return value;
  });
}

/**
 * The zod schema for one non-empty answer. `today` ("2026-11-22") bounds dates of
 * birth and model years; it is passed in so the rules stay pure and testable.
 */
export function fieldSchema(def: FieldDef, today: string): z.ZodType<string, string> {
  switch (def.kind) {
    case "text":
      return z.string().transform((v, ctx) => within(def.max ?? TEXT_MAX, ctx, cleanLine(v)));
    case "longText":
      return z.string().transform((v, ctx) => within(def.max ?? LONG_TEXT_MAX, ctx, cleanText(v)));
    case "amount":
      return reading(parseAmount, (v, ctx) => inRange(Number(v), { min: def.min ?? 0.01, max: def.max ?? 1_000_000_000 }, ctx));
    case "integer":
      return reading((v) => parseInteger(v, /\s*(km|kilomet(er|re)s?)$/i), (v, ctx) => inRange(Number(v), def, ctx));
    case "year":
      return reading((v) => parseInteger(v), (v, ctx) => inRange(Number(v), { min: def.min ?? 1900, max: Number(today.slice(0, 4)) + CURRENT_YEAR_SLACK }, ctx));
    case "percent":
      return reading(parsePercent, (v, ctx) => inRange(Number(v), def, ctx));
    case "date":
    case "birthDate":
      return reading(parseDate, (v, ctx) => {
        if (v < "1900-01-01" || v > "2199-12-31") {
          ctx.addIssue(issue("format"));
          return false;
        }
        if (def.kind === "birthDate" && v >= today) {
          ctx.addIssue(issue("past"));
          return false;
        }
        return true;
      });
    case "postalCode":
      return reading(parsePostalCode);
    case "orgNumber":
      return reading(parseOrgNumber);
    case "accountNumber":
      return reading(parseAccountNumber);
    case "registrationNumber":
      return reading(parseRegistrationNumber);
    case "vin":
      return reading(parseVin);
    case "choice":
      return z.string().transform((v, ctx) => {
        if (def.options?.includes(v.trim())) return v.trim();
        ctx.addIssue(issue("required"));
        return z.NEVER;
      });
  }
}

export type Mode = "preview" | "create";

export type Validation = { values: Values; issues: FieldIssue[] };

/**
 * Reads every answer. A preview reports only answers that are filled in wrongly,
 * so the sender is not told off for questions they have not reached; creating
 * the agreement also reports missing required answers. Valid answers are kept
 * either way, so the preview shows all that can be shown.
 */
export function validateFields(
  fields: readonly FieldDef[],
  raw: Readonly<Record<string, string | undefined>>,
  options: { mode: Mode; today: string },
): Validation {
  const values: Values = {};
  const issues: FieldIssue[] = [];
  for (const def of fields) {
    const input = raw[def.name] ?? "";
    if (input.trim() === "") continue;
    const parsed = fieldSchema(def, options.today).safeParse(input);
    if (parsed.success) {
      if (parsed.data !== "") values[def.name] = parsed.data;
    } else {
      const first = parsed.error.issues[0];
      const code = (first?.message ?? "format") as IssueCode;
      const params = first && "params" in first ? (first.params as Record<string, string | number>) : undefined;
      issues.push({ field: def.name, code, ...(params && Object.keys(params).length > 0 ? { params } : {}) });
    }
  }
  if (options.mode === "create") {
    for (const def of fields) {
      if (def.name in values || issues.some((i) => i.field === def.name)) continue;
      const when = def.requiredWhen;
      if (def.required || (when && values[when.field] === when.equals)) issues.push({ field: def.name, code: "required" });
    }
  }
  // Keep the form's order, so the error summary lists problems top to bottom.
  const order = new Map(fields.map((f, i) => [f.name, i]));
  issues.sort((a, b) => (order.get(a.field) ?? 0) - (order.get(b.field) ?? 0));
  return { values, issues };
}

/** Adds a cross-field issue unless the field already has one (one message per field). */
export function addIssue(result: Validation, issue: FieldIssue, fields: readonly FieldDef[]): void {
  if (result.issues.some((i) => i.field === issue.field)) return;
  delete result.values[issue.field];
  result.issues.push(issue);
  const order = new Map(fields.map((f, i) => [f.name, i]));
  result.issues.sort((a, b) => (order.get(a.field) ?? 0) - (order.get(b.field) ?? 0));
}

// ---------------------------------------------------------------------------
// Parties: the same questions for every person or organisation in an agreement.

/** A private person: name, address and (optionally) date of birth. */
export function personParty(role: string): FieldGroup {
  return {
    id: role,
    party: true,
    fields: [
      { name: `${role}Name`, kind: "text", required: true, party: { role, part: "name" } },
      { name: `${role}Address`, kind: "text", required: true, party: { role, part: "address" } },
      { name: `${role}PostalCode`, kind: "postalCode", required: true, party: { role, part: "postalCode" } },
      { name: `${role}City`, kind: "text", required: true, max: 100, party: { role, part: "city" } },
      { name: `${role}BirthDate`, kind: "birthDate", party: { role, part: "birthDate" } },
    ],
  };
}

/** A person or a company: name, organisation number if it has one, address. */
export function organisationParty(role: string): FieldGroup {
  return {
    id: role,
    party: true,
    fields: [
      { name: `${role}Name`, kind: "text", required: true, party: { role, part: "name" } },
      { name: `${role}OrgNumber`, kind: "orgNumber", party: { role, part: "orgNumber" } },
      { name: `${role}Address`, kind: "text", required: true, party: { role, part: "address" } },
      { name: `${role}PostalCode`, kind: "postalCode", required: true, party: { role, part: "postalCode" } },
      { name: `${role}City`, kind: "text", required: true, max: 100, party: { role, part: "city" } },
    ],
  };
}

/** `field` must be a later date than `other` (both canonical "yyyy-mm-dd"); checked only when both are valid. */
export function requireAfter(result: Validation, fields: readonly FieldDef[], field: string, other: string): void {
  const a = result.values[field];
  const b = result.values[other];
  if (a !== undefined && b !== undefined && a <= b) addIssue(result, { field, code: "after", params: { other } }, fields);
}

/** `field` must not be a larger amount than `other`. */
export function requireAtMost(result: Validation, fields: readonly FieldDef[], field: string, other: string): void {
  const a = result.values[field];
  const b = result.values[other];
  if (a !== undefined && b !== undefined && Number(a) > Number(b)) addIssue(result, { field, code: "exceeds", params: { other } }, fields);
}
