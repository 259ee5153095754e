/**
 * An agreement as structured text in its own language: title, numbered sections
 * of paragraphs, lists and tables, the sender's own words, and a signature block.
 * The HTML signers read and the PDF they sign are both drawn from this one value,
 * so they say the same thing.
 */
import type { Locale } from "../i18n/locales";

/**
 * A run of text. A blank stands for a required answer the sender has not given
 * yet: only previews have blanks; a document with blanks is never created.
 */
export type Inline = string | { blank: string };

export type Row = { label: string; value: Inline[] };

export type Block =
  | { kind: "paragraph"; text: Inline[] }
  | { kind: "list"; items: Inline[][] }
  /** Key facts as a two-column table (the car, the property): a label and a value per row. */
  | { kind: "table"; caption: string; rows: Row[] }
  /** The sender's own words: paragraphs of lines, shown as written. */
  | { kind: "freeText"; paragraphs: string[][] };

export type Party = { role: string; name: Inline[]; rows: Row[] };

export type Section = { heading: string; blocks: Block[] };

export type AgreementDocument = {
  locale: Locale;
  templateId: string;
  title: string;
  intro: Inline[];
  /** Rendered as the first numbered section. */
  partiesHeading: string;
  parties: Party[];
  sections: Section[];
  signatures: { heading: string; text: string; signedLabel: string };
  /** "This template is not legal advice…" */
  note: string;
};

/** Numbered headings: "1. Parties", "2. The loan", … (parties first, signatures last). */
export function numberedHeadings(doc: AgreementDocument): { parties: string; sections: string[]; signatures: string } {
  return {
    parties: `1. ${doc.partiesHeading}`,
    sections: doc.sections.map((s, i) => `${i + 2}. ${s.heading}`),
    signatures: `${doc.sections.length + 2}. ${doc.signatures.heading}`,
  };
}

/** The text of a run, with blanks shown by the caller's choice. */
export function inlineText(text: Inline[], blank: (field: string) => string = (f) => `[${f}]`): string {
  return text.map((part) => (typeof part === "string" ? part : blank(part.blank))).join("");
}

/** Every blank in a document: empty for a document that may be created. */
export function blanksOf(doc: AgreementDocument): string[] {
  const found: string[] = [];
  const scan = (text: Inline[]) => {
    for (const part of text) if (typeof part !== "string") found.push(part.blank);
  };
  scan(doc.intro);
  for (const p of doc.parties) {
    scan(p.name);
    for (const r of p.rows) scan(r.value);
  }
  for (const s of doc.sections) {
    for (const b of s.blocks) {
      if (b.kind === "paragraph") scan(b.text);
      else if (b.kind === "list") b.items.forEach(scan);
      else if (b.kind === "table") b.rows.forEach((r) => scan(r.value));
    }
  }
  return found;
}
