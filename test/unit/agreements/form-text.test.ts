import { describe, expect, it } from "vitest";
import { templateList } from "../../../src/agreements/draft";
import type { FieldIssue, IssueCode } from "../../../src/agreements/fields";
import { fieldsOf } from "../../../src/agreements/template";
import { isMessageKey, locales, translator } from "../../../src/i18n";
import { fieldText, issueMessage } from "../../../templates/agreements/form";
import { TODAY } from "./samples";

const codes: IssueCode[] = ["required", "format", "checksum", "tooLong", "range", "after", "exceeds", "past", "depositLimit"];

describe.each(locales)("the form's words in %s", (locale) => {
  const t = translator(locale);

  it("names every template, every group of questions and every party", () => {
    for (const template of templateList) {
      expect(isMessageKey(`agreements.template.${template.id}`), template.id).toBe(true);
      expect(isMessageKey(`agreements.template.${template.id}.description`), template.id).toBe(true);
      for (const group of template.groups) {
        if (group.fields.length === 1) continue;
        const legend = group.party ? `agreement.role.${group.id}` : `agreement.${template.id}.group.${group.id}`;
        expect(isMessageKey(legend), legend).toBe(true);
        if (group.party) expect(isMessageKey(`agreement.role.${group.id}.of`), group.id).toBe(true);
      }
    }
  });

  it("gives every question a label, every option a label and every required question its own message", () => {
    for (const template of templateList) {
      for (const def of fieldsOf(template)) {
        const text = fieldText(t, locale, template, def);
        expect(text.label, `${template.id}.${def.name}`).toBeTruthy();
        if (def.required || def.requiredWhen) {
          // A specific message ("Enter the amount lent"), not the generic fallback.
          expect(text.missing.key, `${template.id}.${def.name}`).not.toMatch(/^agreement\.error\./);
        }
        for (const option of def.options ?? []) {
          expect(isMessageKey(`agreement.${template.id}.${def.name}.${option}`), `${template.id}.${def.name}.${option}`).toBe(true);
        }
      }
    }
  });

  it("words every kind of problem with every placeholder filled", () => {
    for (const template of templateList) {
      for (const def of fieldsOf(template)) {
        for (const code of codes) {
          const issue: FieldIssue = { field: def.name, code, params: { other: fieldsOf(template)[0]!.name, months: 6, max: 100, min: 1 } };
          const message = issueMessage(t, locale, template, issue, TODAY);
          const words = t(message.key, message.params);
          expect(words, `${template.id}.${def.name} ${code}`).not.toMatch(/\{\w+\}/);
          expect(words.length).toBeGreaterThan(5);
        }
      }
    }
  });

  it("names a party's field with the party, so two postcodes can be told apart", () => {
    const loan = templateList[0]!;
    const postcode = fieldsOf(loan).find((f) => f.name === "borrowerPostalCode")!;
    const message = issueMessage(t, locale, loan, { field: "borrowerPostalCode", code: "format" }, TODAY);
    expect(t(message.key, message.params)).toBe(locale === "en" ? "Postcode (borrower) must be 4 digits, like 0150" : "Postnummer (låntaker) må være 4 sifre, for eksempel 0150");
    expect(fieldText(t, locale, loan, postcode).missing).toEqual({ key: "agreement.party.postalCode.missing", params: { role: locale === "en" ? "the borrower’s" : "låntaker" } });
  });
});
