/**
 * What an agreement template is: the questions it asks (grouped as on the form),
 * the checks between answers, and how the answers become an agreement in either
 * language. Templates describe; `draft.ts` runs them.
 */
import type { Block, Inline, Party, Section } from "./document";
import type { Locale } from "../i18n/locales";
import type { FieldDef, FieldGroup, Validation, Values } from "./fields";
import {
  formatAccountNumber,
  formatAmount,
  formatDate,
  formatInteger,
  formatOrgNumber,
  formatPercent,
  paragraphs,
} from "./formats";
import { agreementTable, type AgreementTextKey, fillText, type TextParam } from "./text";

export const templateIds = ["loan", "car-sale", "rental", "freelance", "nda"] as const;
export type TemplateId = (typeof templateIds)[number];

export function isTemplateId(value: unknown): value is TemplateId {
  return typeof value === "string" && (templateIds as readonly string[]).includes(value);
}

/** What a template's `build` returns; the common frame (numbering, signatures, note) is added around it. */
export type TemplateBody = {
  title: AgreementTextKey;
  intro: Inline[];
  parties: Party[];
  sections: Section[];
};

export type AgreementTemplate = {
  id: TemplateId;
  /** Raised when the wording changes, and stored with every agreement written from it. */
  version: number;
  groups: FieldGroup[];
  /** The party roles that sign, in order (their `…Name` answers name the envelope). */
  signingRoles: string[];
  /** Checks between answers: dates in order, a deposit within the legal limit. */
  crossCheck?: (result: Validation, fields: readonly FieldDef[]) => void;
  build: (ctx: BuildContext) => TemplateBody;
};

export function fieldsOf(template: AgreementTemplate): FieldDef[] {
  return template.groups.flatMap((g) => g.fields);
}

/**
 * The helpers a template builds its text with. Answers are written in the
 * agreement's language; a missing required answer becomes a blank (previews
 * only); a missing optional answer is simply absent (`has` is false).
 */
export class BuildContext {
  private readonly kinds: Map<string, FieldDef>;
  private readonly table: Readonly<Record<AgreementTextKey, string>>;

  constructor(
    readonly locale: Locale,
    readonly values: Readonly<Values>,
    fields: readonly FieldDef[],
  ) {
    this.kinds = new Map(fields.map((f) => [f.name, f]));
    this.table = agreementTable(locale);
  }

  has(field: string): boolean {
    return this.values[field] !== undefined;
  }

  choice(field: string): string | undefined {
    return this.values[field];
  }

  /** Text in the agreement's language, without answers in it. */
  plain(key: AgreementTextKey, params: Record<string, string | number> = {}): string {
    return this.table[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }

  /** Text with answers (or blanks) in its placeholders. */
  text(key: AgreementTextKey, params: Record<string, TextParam> = {}): Inline[] {
    return fillText(this.table[key], params);
  }

  paragraph(key: AgreementTextKey, params: Record<string, TextParam> = {}): Block {
    return { kind: "paragraph", text: this.text(key, params) };
  }

  /** Sentences in one paragraph; absent ones (false, null) are left out. */
  sentences(...parts: Array<Inline[] | null | false>): Block {
    const text: Inline[] = [];
    for (const part of parts) {
      if (!part) continue;
      if (text.length > 0) text.push(" ");
      text.push(...part);
    }
    return { kind: "paragraph", text: fillText("{all}", { all: text }) };
  }

  /** One answer as the agreement writes it: "25 000 kr", "31. desember 2026", "AB 12345". */
  value(field: string): Inline {
    const raw = this.values[field];
    if (raw === undefined) return { blank: field };
    switch (this.kinds.get(field)?.kind) {
      case "amount":
        return formatAmount(this.locale, raw);
      case "date":
      case "birthDate":
        return formatDate(this.locale, raw);
      case "integer":
        return formatInteger(this.locale, raw);
      case "percent":
        return formatPercent(this.locale, raw);
      case "orgNumber":
        return formatOrgNumber(raw);
      case "accountNumber":
        return formatAccountNumber(raw);
      default:
        return raw;
    }
  }

  /** "{count} month’s" / "{count} måneders": the plural form of the agreement's language. */
  count(one: AgreementTextKey, other: AgreementTextKey, field: string): Inline[] {
    const raw = this.values[field];
    if (raw === undefined) return [{ blank: field }];
    const form = new Intl.PluralRules(this.locale === "nb" ? "nb-NO" : "en-GB").select(Number(raw));
    return this.text(form === "one" ? one : other, { count: formatInteger(this.locale, raw) });
  }

  /** The sender's own words, when they wrote any. */
  freeText(field: string): Block | null {
    const raw = this.values[field];
    return raw === undefined ? null : { kind: "freeText", paragraphs: paragraphs(raw) };
  }

  /** A party's name and details, as listed under "Parties" and in the signature block. */
  party(role: string, label: AgreementTextKey = `role.${role}` as AgreementTextKey): Party {
    const rows: Party["rows"] = [
      {
        label: this.plain("party.address"),
        value: this.text("party.addressValue", {
          address: this.value(`${role}Address`),
          postalCode: this.value(`${role}PostalCode`),
          city: this.value(`${role}City`),
        }),
      },
    ];
    if (this.has(`${role}OrgNumber`)) rows.push({ label: this.plain("party.orgNumber"), value: [this.value(`${role}OrgNumber`)] });
    if (this.has(`${role}BirthDate`)) rows.push({ label: this.plain("party.birthDate"), value: [this.value(`${role}BirthDate`)] });
    return { role: this.plain(label), name: [this.value(`${role}Name`)], rows };
  }
}

/**
 * The last numbered section of every agreement: the sender's own terms, then
 * anything the template adds, then the rules on changes and the law.
 */
export function otherTermsSection(ctx: BuildContext, extra: Block[] = [], law: AgreementTextKey = "common.law"): Section {
  const own = ctx.freeText("otherTerms");
  return {
    heading: ctx.plain("common.otherTerms"),
    blocks: [...(own ? [own] : []), ...extra, ctx.paragraph("common.changes"), ctx.paragraph(law)],
  };
}

/** Blocks that are present: templates list optional sentences as `cond && block`. */
export function present(...blocks: Array<Block | null | false | undefined>): Block[] {
  return blocks.filter((b): b is Block => Boolean(b));
}
