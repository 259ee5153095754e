/**
 * Writing an agreement from a template: read the sender's answers, build the
 * agreement in the chosen language, and describe what is kept once it is made
 * (the source object stored encrypted beside the PDF). Pure.
 */
import { z } from "zod";
import { type AgreementDocument, blanksOf } from "./document";
import { type FieldIssue, type Mode, type Validation, validateFields, type Values } from "./fields";
import { locales, type Locale } from "../i18n/locales";
import { type AgreementTemplate, BuildContext, fieldsOf, type TemplateId, templateIds } from "./template";
import { carSaleTemplate } from "./templates/car-sale";
import { freelanceTemplate } from "./templates/freelance";
import { loanTemplate } from "./templates/loan";
import { ndaTemplate } from "./templates/nda";
import { rentalTemplate } from "./templates/rental";

export const templates: Readonly<Record<TemplateId, AgreementTemplate>> = {
  loan: loanTemplate,
  "car-sale": carSaleTemplate,
  rental: rentalTemplate,
  freelance: freelanceTemplate,
  nda: ndaTemplate,
};

/** The templates in the order the library lists them. */
export const templateList: readonly AgreementTemplate[] = templateIds.map((id) => templates[id]);

/** Reads the answers (see validateFields) and then the checks between them. */
export function readAnswers(
  template: AgreementTemplate,
  raw: Readonly<Record<string, string | undefined>>,
  options: { mode: Mode; today: string },
): Validation {
  const fields = fieldsOf(template);
  const result = validateFields(fields, raw, options);
  template.crossCheck?.(result, fields);
  return result;
}

/** The agreement in `locale`, built from valid answers; missing required answers show as blanks. */
export function buildAgreement(template: AgreementTemplate, locale: Locale, values: Readonly<Values>): AgreementDocument {
  const ctx = new BuildContext(locale, values, fieldsOf(template));
  const body = template.build(ctx);
  return {
    locale,
    templateId: template.id,
    title: ctx.plain(body.title),
    intro: body.intro,
    partiesHeading: ctx.plain("common.parties"),
    parties: body.parties,
    sections: body.sections,
    signatures: { heading: ctx.plain("common.signatures"), text: ctx.plain("common.signaturesText"), signedLabel: ctx.plain("common.signed") },
    note: ctx.plain("common.note"),
  };
}

export type Draft =
  | { ok: true; document: AgreementDocument; values: Values }
  | { ok: false; issues: FieldIssue[]; document: AgreementDocument; values: Values };

/**
 * Everything the pages need from one submission: the agreement as far as it can
 * be written, and (when creating) whether it is complete.
 */
export function draftAgreement(
  template: AgreementTemplate,
  locale: Locale,
  raw: Readonly<Record<string, string | undefined>>,
  options: { mode: Mode; today: string },
): Draft {
  const { values, issues } = readAnswers(template, raw, options);
  const document = buildAgreement(template, locale, values);
  if (issues.length > 0) return { ok: false, issues, document, values };
  // A blank left without an issue would be a template bug: never create such a document.
  if (options.mode === "create" && blanksOf(document).length > 0) {
    throw new Error(`template ${template.id} left blanks: ${blanksOf(document).join(", ")}`);
  }
  return { ok: true, document, values };
}

/** "Låneavtale mellom privatpersoner – Kari Nordmann og Ola Nordmann", at most 200 characters. */
export function envelopeTitleFor(template: AgreementTemplate, document: AgreementDocument, values: Readonly<Values>): string {
  const names = template.signingRoles.map((role) => values[`${role}Name`]).filter((n): n is string => Boolean(n));
  const and = document.locale === "nb" ? " og " : " and ";
  const title = names.length > 0 ? `${document.title} – ${names.join(and)}` : document.title;
  return title.length <= 200 ? title : `${title.slice(0, 199)}…`;
}

// ---------------------------------------------------------------------------
// The source: what Pactly keeps of an agreement besides its PDF.

export const SOURCE_FORMAT = "pactly-agreement-source";
export const SOURCE_VERSION = 1;

/**
 * Stored encrypted next to the PDF, under the same document's data key. `html` is
 * the exact fragment signers read and `htmlSha256` the SHA-256 (hex) of its UTF-8
 * bytes, as recorded on the envelope; `document` is the same agreement as
 * structure and `answers` what the sender typed, so it can be read, rendered
 * again or checked by machines.
 */
export type AgreementSource = {
  format: typeof SOURCE_FORMAT;
  version: typeof SOURCE_VERSION;
  templateId: TemplateId;
  templateVersion: number;
  locale: Locale;
  /** Short answers (canonical: "25000.00", "2026-12-31", "AB 12345"). */
  fields: Values;
  /** The sender's own paragraphs, by field. */
  freeText: Values;
  document: AgreementDocument;
  html: string;
  htmlSha256: string;
  createdAt: string;
};

export function agreementSource(input: {
  template: AgreementTemplate;
  document: AgreementDocument;
  values: Values;
  html: string;
  htmlSha256: string;
  createdAt: string;
}): AgreementSource {
  const long = new Set(fieldsOf(input.template).filter((f) => f.kind === "longText").map((f) => f.name));
  const fields: Values = {};
  const freeText: Values = {};
  for (const [name, value] of Object.entries(input.values)) (long.has(name) ? freeText : fields)[name] = value;
  return {
    format: SOURCE_FORMAT,
    version: SOURCE_VERSION,
    templateId: input.template.id,
    templateVersion: input.template.version,
    locale: input.document.locale,
    fields,
    freeText,
    document: input.document,
    html: input.html,
    htmlSha256: input.htmlSha256,
    createdAt: input.createdAt,
  };
}

const values = z.record(z.string(), z.string());

/** Reads a stored source back; anything else is refused whole. */
export const agreementSourceSchema = z.object({
  format: z.literal(SOURCE_FORMAT),
  version: z.literal(SOURCE_VERSION),
  templateId: z.enum(templateIds),
  templateVersion: z.number().int().positive(),
  locale: z.enum(locales),
  fields: values,
  freeText: values,
  document: z.custom<AgreementDocument>((v) => typeof v === "object" && v !== null && "title" in v && "sections" in v),
  html: z.string().min(1),
  htmlSha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
});
