import { describe, expect, it } from "vitest";
import { blanksOf, inlineText } from "../../../src/agreements/document";
import { buildAgreement, draftAgreement, envelopeTitleFor, readAnswers, templateList, templates } from "../../../src/agreements/draft";
import type { FieldIssue } from "../../../src/agreements/fields";
import { fieldsOf, templateIds } from "../../../src/agreements/template";
import { agreementEn } from "../../../src/agreements/text/en";
import { agreementNb } from "../../../src/agreements/text/nb";
import { samples, TODAY } from "./samples";

const create = { mode: "create" as const, today: TODAY };
const preview = { mode: "preview" as const, today: TODAY };
const issuesOf = (id: keyof typeof templates, raw: Record<string, string>, mode: { mode: "create" | "preview"; today: string } = create): FieldIssue[] => readAnswers(templates[id], raw, mode).issues;
const issueFor = (issues: FieldIssue[], field: string) => issues.find((i) => i.field === field);

/** All the text of a document, blanks as [field]. */
function fullText(doc: ReturnType<typeof buildAgreement>): string {
  const parts = [doc.title, inlineText(doc.intro)];
  for (const p of doc.parties) parts.push(p.role, inlineText(p.name), ...p.rows.map((r) => `${r.label}: ${inlineText(r.value)}`));
  for (const s of doc.sections) {
    parts.push(s.heading);
    for (const b of s.blocks) {
      if (b.kind === "paragraph") parts.push(inlineText(b.text));
      if (b.kind === "list") parts.push(...b.items.map((i) => inlineText(i)));
      if (b.kind === "table") parts.push(b.caption, ...b.rows.map((r) => `${r.label}: ${inlineText(r.value)}`));
      if (b.kind === "freeText") parts.push(...b.paragraphs.flat());
    }
  }
  return parts.join("\n");
}

describe("the agreement library", () => {
  it("offers loan, used-car sale, rental, freelance assignment and NDA", () => {
    expect(templateList.map((t) => t.id)).toEqual(["loan", "car-sale", "rental", "freelance", "nda"]);
  });

  it("has every agreement text in Norwegian with the same placeholders as in English", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(agreementEn) as (keyof typeof agreementEn)[]) {
      expect(agreementNb[key], key).toBeTruthy();
      expect(placeholders(agreementNb[key]), key).toEqual(placeholders(agreementEn[key]));
    }
  });

  it("gives every field a unique name within its template", () => {
    for (const template of templateList) {
      const names = fieldsOf(template).map((f) => f.name);
      expect(new Set(names).size, template.id).toBe(names.length);
    }
  });
});

describe.each(templateIds)("the %s template", (id) => {
  const template = templates[id];

  it.each(["nb", "en"] as const)("writes a complete agreement in %s from complete answers", (locale) => {
    const draft = draftAgreement(template, locale, samples[id], create);
    expect(draft.ok, JSON.stringify(!draft.ok && draft.issues)).toBe(true);
    expect(blanksOf(draft.document)).toEqual([]);
    expect(draft.document.locale).toBe(locale);
    expect(draft.document.parties).toHaveLength(2);
    expect(draft.document.sections.length).toBeGreaterThanOrEqual(3);
    // No placeholder left unfilled in any text.
    expect(fullText(draft.document)).not.toMatch(/\{\w+\}/);
  });

  it("reports every required answer that is missing, in form order", () => {
    const issues = issuesOf(id, {});
    const required = fieldsOf(template).filter((f) => f.required).map((f) => f.name);
    expect(issues.filter((i) => i.code === "required").map((i) => i.field)).toEqual(required);
  });

  it.each(fieldsOf(template).filter((f) => f.required).map((f) => f.name))("requires %s", (field) => {
    const raw = { ...samples[id], [field]: "  " };
    expect(issueFor(issuesOf(id, raw), field)).toEqual({ field, code: "required" });
  });

  it("shows a preview without complaining about unanswered questions", () => {
    expect(issuesOf(id, {}, preview)).toEqual([]);
    const draft = draftAgreement(template, "nb", {}, preview);
    expect(draft.ok).toBe(true);
    expect(blanksOf(draft.document).length).toBeGreaterThan(0);
  });

  it("refuses text longer than its limit", () => {
    const name = fieldsOf(template).find((f) => f.kind === "text")!.name;
    expect(issueFor(issuesOf(id, { ...samples[id], [name]: "x".repeat(301) }), name)?.code).toBe("tooLong");
  });
});

describe("number, date and national formats in the forms", () => {
  const loan = (patch: Record<string, string>) => readAnswers(templates.loan, { ...samples.loan, ...patch }, create);

  it("reads Norwegian and English amounts to the same value", () => {
    expect(loan({ amount: "25 000,50" }).values.amount).toBe("25000.50");
    expect(loan({ amount: "25,000.50" }).values.amount).toBe("25000.50");
    expect(loan({ amount: "25.000,50" }).values.amount).toBe("25000.50");
  });

  it("refuses amounts that are not amounts, zero or too large", () => {
    expect(issueFor(loan({ amount: "mange penger" }).issues, "amount")?.code).toBe("format");
    expect(issueFor(loan({ amount: "0" }).issues, "amount")?.code).toBe("range");
    expect(issueFor(loan({ amount: "200 000 000" }).issues, "amount")?.code).toBe("range");
  });

  it("refuses dates that do not exist and dates of birth in the future", () => {
    expect(issueFor(loan({ payoutDate: "30.02.2027" }).issues, "payoutDate")?.code).toBe("format");
    expect(issueFor(loan({ lenderBirthDate: "01.01.2030" }).issues, "lenderBirthDate")?.code).toBe("past");
    expect(loan({ lenderBirthDate: "1980-05-01" }).values.lenderBirthDate).toBe("1980-05-01");
  });

  it("checks postcodes, account numbers and interest", () => {
    expect(issueFor(loan({ lenderPostalCode: "150" }).issues, "lenderPostalCode")?.code).toBe("format");
    expect(issueFor(loan({ payoutAccount: "1503 12 34563" }).issues, "payoutAccount")?.code).toBe("checksum");
    expect(issueFor(loan({ interestRate: "45" }).issues, "interestRate")).toEqual({ field: "interestRate", code: "range", params: { min: 0, max: 30 } });
  });

  it("asks for the instalment details only when repaying in instalments", () => {
    const lump = loan({ repayment: "lump", instalmentAmount: "", firstInstalmentDate: "" });
    expect(issueFor(lump.issues, "repaymentDate")?.code).toBe("required");
    expect(issueFor(lump.issues, "instalmentAmount")).toBeUndefined();
    const instalments = loan({ instalmentAmount: "", firstInstalmentDate: "" });
    expect(issueFor(instalments.issues, "instalmentAmount")?.code).toBe("required");
    expect(issueFor(instalments.issues, "firstInstalmentDate")?.code).toBe("required");
    expect(issueFor(instalments.issues, "repaymentDate")).toBeUndefined();
  });

  it("checks answers against each other", () => {
    expect(issueFor(loan({ firstInstalmentDate: "01.11.2026" }).issues, "firstInstalmentDate")).toEqual({
      field: "firstInstalmentDate",
      code: "after",
      params: { other: "payoutDate" },
    });
    expect(issueFor(loan({ instalmentAmount: "30 000" }).issues, "instalmentAmount")?.code).toBe("exceeds");
    const rental = readAnswers(templates.rental, { ...samples.rental, deposit: "87 001" }, create);
    expect(issueFor(rental.issues, "deposit")).toEqual({ field: "deposit", code: "depositLimit", params: { months: 6 } });
    expect(readAnswers(templates.rental, { ...samples.rental, deposit: "87 000" }, create).issues).toEqual([]);
    const fixed = readAnswers(templates.rental, { ...samples.rental, term: "fixed", endDate: "31.12.2026" }, create);
    expect(issueFor(fixed.issues, "endDate")?.code).toBe("after");
  });

  it("reads a car's registration number, chassis number, model year and mileage", () => {
    const car = (patch: Record<string, string>) => readAnswers(templates["car-sale"], { ...samples["car-sale"], ...patch }, create);
    const ok = car({});
    expect(ok.values).toMatchObject({ registrationNumber: "AB 12345", vin: "WVWZZZ1KZ6W000001", mileage: "123456", price: "89500.00", modelYear: "2016" });
    expect(issueFor(car({ registrationNumber: "A1 2345" }).issues, "registrationNumber")?.code).toBe("format");
    expect(issueFor(car({ vin: "123" }).issues, "vin")?.code).toBe("format");
    expect(issueFor(car({ modelYear: "2029" }).issues, "modelYear")?.code).toBe("range");
    expect(car({ modelYear: "2027" }).issues).toEqual([]); // next year's model
    expect(issueFor(car({ mileage: "12,5" }).issues, "mileage")?.code).toBe("format");
  });

  it("checks organisation numbers with their check digit", () => {
    const freelance = (patch: Record<string, string>) => readAnswers(templates.freelance, { ...samples.freelance, ...patch }, create);
    expect(freelance({}).values.clientOrgNumber).toBe("923609016");
    expect(issueFor(freelance({ clientOrgNumber: "923609017" }).issues, "clientOrgNumber")?.code).toBe("checksum");
    expect(issueFor(freelance({ clientOrgNumber: "12345" }).issues, "clientOrgNumber")?.code).toBe("format");
    expect(freelance({ clientOrgNumber: "" }).issues).toEqual([]); // optional: a private person has none
  });

  it("refuses a choice that is not one of the options", () => {
    expect(issueFor(issuesOf("nda", { ...samples.nda, ndaType: "sometimes" }), "ndaType")?.code).toBe("required");
  });
});

describe("the agreements' words", () => {
  it("writes the Norwegian loan agreement with Norwegian numbers, dates and names", () => {
    const draft = draftAgreement(templates.loan, "nb", samples.loan, create);
    const text = fullText(draft.document);
    expect(draft.document.title).toBe("Låneavtale mellom privatpersoner");
    expect(text).toContain("Kari Nordmann (långiver) låner ut penger til Ola Ærlig Østby (låntaker)");
    expect(text).toContain("Långiver låner ut 25\u00A0000,50\u00A0kr til låntaker.");
    expect(text).toContain("Pengene utbetales 1.\u00A0desember 2026 til låntakers konto 1503\u00A012\u00A034562.");
    expect(text).toContain("Låntaker betaler 3,5\u00A0% rente per år");
    expect(text).toContain("månedlige avdrag på 2\u00A0500\u00A0kr. Første avdrag forfaller 15.\u00A0januar 2027");
    expect(text).toContain("Fødselsdato: 1.\u00A0mai 1980");
    expect(text).toContain("Lånet kan ikke overdras.");
  });

  it("writes the same loan in English", () => {
    const text = fullText(draftAgreement(templates.loan, "en", samples.loan, create).document);
    expect(text).toContain("The lender lends the borrower NOK\u00A025,000.50.");
    expect(text).toContain("monthly instalments of NOK\u00A02,500. The first instalment is due on 15\u00A0January 2027");
  });

  it("says a loan without interest is interest-free, and a lump-sum repayment by its date", () => {
    const raw = { ...samples.loan, interestRate: "", repayment: "lump", repaymentDate: "01.12.2027" };
    const text = fullText(draftAgreement(templates.loan, "nb", raw, create).document);
    expect(text).toContain("Lånet er rentefritt.");
    expect(text).toContain("Låntaker betaler tilbake hele lånet senest 1.\u00A0desember 2027.");
  });

  it("describes the car in a table and lists the known defects as written", () => {
    const doc = draftAgreement(templates["car-sale"], "nb", samples["car-sale"], create).document;
    const table = doc.sections[0]!.blocks[0]!;
    expect(table.kind).toBe("table");
    expect(table.kind === "table" && table.rows.map((r) => [r.label, inlineText(r.value)])).toEqual([
      ["Registreringsnummer", "AB 12345"],
      ["Merke og modell", "Volkswagen Golf"],
      ["Årsmodell", "2016"],
      ["Understellsnummer (VIN)", "WVWZZZ1KZ6W000001"],
      ["Kilometerstand", "123\u00A0456 km"],
      ["Frist for neste EU-kontroll", "30.\u00A0juni 2027"],
      ["Følger med i kjøpet", "Vinterdekk på felg"],
    ]);
    expect(fullText(doc)).toContain("Ripe i lakken på bakre støtfanger.\nLyspære i venstre baklys må byttes.");
  });

  it("uses the plural of the agreement's language for notice periods and durations", () => {
    const one = fullText(draftAgreement(templates.rental, "en", { ...samples.rental, noticeMonths: "1" }, create).document);
    expect(one).toContain("with 1 month’s notice");
    const three = fullText(draftAgreement(templates.rental, "nb", samples.rental, create).document);
    expect(three).toContain("med 3 måneders oppsigelsesfrist");
    const nda = fullText(draftAgreement(templates.nda, "en", { ...samples.nda, durationYears: "1" }, create).document);
    expect(nda).toContain("lasts for 1 year from that date");
  });

  it("names the parties of a one-way NDA by what they do", () => {
    const doc = draftAgreement(templates.nda, "nb", { ...samples.nda, ndaType: "oneWay" }, create).document;
    expect(doc.parties.map((p) => p.role)).toEqual(["Avgiver", "Mottaker"]);
    expect(inlineText(doc.intro)).toContain("Nordlys Design AS (avgiver)");
    // The sentence supplies the full stop the sender already typed.
    expect(fullText(doc)).toContain("for dette formålet: å vurdere et samarbeid om en ny app.");
    expect(fullText(doc)).not.toContain("app..");
  });

  it("marks missing answers in a preview as blanks named by their field", () => {
    const doc = buildAgreement(templates.loan, "nb", { lenderName: "Kari Nordmann" });
    expect(blanksOf(doc)).toContain("borrowerName");
    expect(blanksOf(doc)).toContain("amount");
    expect(blanksOf(doc)).not.toContain("lenderName");
    expect(blanksOf(doc)).not.toContain("payoutAccount"); // optional: left out, not blank
  });

  it("names the envelope after the agreement and its parties", () => {
    const draft = draftAgreement(templates.loan, "nb", samples.loan, create);
    expect(envelopeTitleFor(templates.loan, draft.document, draft.values)).toBe("Låneavtale mellom privatpersoner – Kari Nordmann og Ola Ærlig Østby");
  });
});
