import { describe, expect, it } from "vitest";
import { en } from "../../src/i18n/en";
import { nb } from "../../src/i18n/nb";
import { formatCount, negotiateLocale, translator } from "../../src/i18n";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  it("has a non-empty Norwegian text with the same placeholders for every English key", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(nb[key], key).toBeTruthy();
      expect(placeholders(nb[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("fills placeholders", () => {
    expect(translator("nb")("envelopes.signedOf", { signed: 1, total: 2 })).toBe("1 av 2 har signert");
  });

  it("writes a number in a message the language's way", () => {
    expect(translator("en")("pdf.tooManyPages", { maxPages: 2000 })).toBe("The selected PDF must have 2,000 pages or fewer");
    expect(translator("nb")("pdf.tooManyPages", { maxPages: 2000 })).toBe("Den valgte PDF-en kan ha høyst 2\u00a0000 sider");
    expect(translator("nb")("pdf.tooLarge", { maxMb: 20 })).toBe("Den valgte filen må være mindre enn 20 MB");
  });

  it("picks Norwegian for nb, no and nn, English otherwise", () => {
    expect(negotiateLocale("nb-NO,nb;q=0.9,en;q=0.8")).toBe("nb");
    expect(negotiateLocale("nn")).toBe("nb");
    expect(negotiateLocale("de-DE,en;q=0.5")).toBe("en");
    expect(negotiateLocale(undefined)).toBe("en");
  });

  it("counts pages in the language's own plural forms", () => {
    expect(formatCount(translator("nb"), "nb", "pages", 1)).toBe("1 side");
    expect(formatCount(translator("nb"), "nb", "pages", 500)).toBe("500 sider");
    expect(formatCount(translator("en"), "en", "pages", 1)).toBe("1 page");
    expect(formatCount(translator("en"), "en", "pages", 1500)).toBe("1,500 pages");
  });
});
