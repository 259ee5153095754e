import { PDFDict, PDFDocument, PDFName } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { buildAgreement, draftAgreement, templates } from "../../../src/agreements/draft";
import { templateIds } from "../../../src/agreements/template";
import type { Locale } from "../../../src/i18n";
import { renderAgreementPdf } from "../../../src/pdf/agreement-pdf";
import { inspectPdf } from "../../../src/pdf/inspect";
import { extractText } from "../../fixtures/pdf/pdfs";
import { samples, TODAY } from "./samples";

const create = { mode: "create" as const, today: TODAY };

function documentFor(id: keyof typeof templates, patch: Record<string, string> = {}, locale: Locale = "nb") {
  const draft = draftAgreement(templates[id], locale, { ...samples[id], ...patch }, create);
  if (!draft.ok) throw new Error(JSON.stringify(draft.issues));
  return draft.document;
}

async function render(id: keyof typeof templates, patch: Record<string, string> = {}, locale: Locale = "nb") {
  const result = await renderAgreementPdf(documentFor(id, patch, locale), { createdAt: "2026-11-22T10:00:00.000Z" });
  const doc = await PDFDocument.load(result.bytes, { updateMetadata: false, throwOnInvalidObject: true });
  const text = Array.from({ length: doc.getPageCount() }, (_, i) => extractText(doc, i)).flat();
  return { result, doc, text, joined: text.join("\n") };
}

/** The base font names embedded on every page. */
function fontNames(doc: PDFDocument): string[] {
  const names = new Set<string>();
  for (const page of doc.getPages()) {
    const fonts = page.node.Resources()?.lookup(PDFName.of("Font"), PDFDict);
    for (const [, ref] of fonts?.entries() ?? []) {
      const font = doc.context.lookup(ref, PDFDict);
      names.add(font.lookup(PDFName.of("BaseFont"), PDFName).decodeText());
    }
  }
  return [...names].sort();
}

describe("the agreement as PDF", () => {
  it("prints a Norwegian agreement with æ, ø and å as extractable text, in the embedded DejaVu font", async () => {
    const { result, doc, text, joined } = await render("loan");
    expect(result.pages).toBeGreaterThan(0);
    expect(doc.getPageCount()).toBe(result.pages);
    expect(fontNames(doc).map((n) => n.replace(/^[A-Z]{6}\+/, "").replace(/-\d+$/, ""))).toEqual(["DejaVuSans", "DejaVuSans-Bold"]);
    expect(text[0]).toBe("Låneavtale mellom privatpersoner");
    expect(joined).toContain("Ola Ærlig Østby");
    expect(joined).toContain("1. Parter");
    expect(joined).toContain("2. Lånet");
    expect(joined).toContain("Lånet kan ikke overdras.");
    expect(joined).toMatch(/Långiver låner ut 25\u00A0000,50\u00A0kr til/);
    expect(joined).toContain("Underskrifter");
    expect(joined).toContain("Signert elektronisk");
    expect(joined).toContain(`Side 1 av ${result.pages}`);
  });

  it("is a valid PDF by the same checks as an upload, dated and titled", async () => {
    const { result, doc } = await render("rental");
    await expect(inspectPdf(result.bytes, { maxBytes: 20 * 1024 * 1024, maxPages: 500 })).resolves.toMatchObject({ pages: result.pages });
    expect(doc.getTitle()).toBe("Leieavtale for bolig");
    expect(doc.getCreationDate()?.toISOString()).toBe("2026-11-22T10:00:00.000Z");
    expect(doc.catalog.lookup(PDFName.of("Lang"))?.toString()).toContain("nb-NO");
  });

  it.each(templateIds)("prints the %s template in both languages", async (id) => {
    for (const locale of ["nb", "en"] as const) {
      const { result, text } = await render(id, {}, locale);
      expect(result.pages).toBeGreaterThan(0);
      expect(text.join(" ")).not.toContain("\uFFFD");
    }
  });

  it("prints any name: Polish, Greek and Cyrillic as themselves, scripts the font lacks as code points", async () => {
    const { joined } = await render("loan", { lenderName: "Łukasz Ørjansen", borrowerName: "Αλέξανδρος Дмитрий" }, "en");
    expect(joined).toContain("Łukasz Ørjansen");
    expect(joined).toContain("Αλέξανδρος Дмитрий");
    const cjk = await render("loan", { borrowerName: "王小明" }, "en");
    expect(cjk.joined).toContain("[U+738B U+5C0F U+660E]");
  });

  it("flows long agreements over several pages, numbering each", async () => {
    const long = Array.from({ length: 20 }, (_, i) => `Avsnitt ${i + 1}: ${"Partene er enige om dette vilkåret. ".repeat(5)}`).join("\n\n");
    const { result, joined } = await render("loan", { otherTerms: long });
    expect(result.pages).toBeGreaterThan(2);
    expect(joined).toContain(`Side ${result.pages} av ${result.pages}`);
    expect(joined).toContain("Avsnitt 20:");
  });

  it("refuses to print an agreement with blanks", async () => {
    await expect(renderAgreementPdf(buildAgreement(templates.loan, "nb", {}))).rejects.toThrow(/blanks/);
  });
});
