import { describe, expect, it } from "vitest";
import {
  cleanLine,
  cleanText,
  formatAccountNumber,
  formatAmount,
  formatDate,
  formatInteger,
  formatOrgNumber,
  formatPercent,
  paragraphs,
  parseAccountNumber,
  parseAmount,
  parseDate,
  parseInteger,
  parseOrgNumber,
  parsePercent,
  parsePostalCode,
  parseRegistrationNumber,
  parseVin,
} from "../../../src/agreements/formats";

const value = (r: { ok: boolean; value?: string }) => (r.ok ? r.value : null);

describe("amounts in kroner", () => {
  it.each([
    ["25 000,50", "25000.50"],
    ["25.000,50", "25000.50"],
    ["25,000.50", "25000.50"],
    ["25000,5", "25000.50"],
    ["25000.50", "25000.50"],
    ["25 000", "25000.00"],
    ["25\u00A0000", "25000.00"],
    ["25,000", "25000.00"],
    ["25.000", "25000.00"],
    ["1 234 567,89", "1234567.89"],
    ["1,234,567.89", "1234567.89"],
    ["kr 25 000,-", "25000.00"],
    ["25 000 kr", "25000.00"],
    ["NOK 25,000.50", "25000.50"],
    ["0,50", "0.50"],
    ["007", "7.00"],
  ])("reads %j as %s", (input, expected) => {
    expect(value(parseAmount(input))).toBe(expected);
  });

  it.each(["", "abc", "25 00", "2 5000", "25,000,5", "25.000.50", "25,5,5", "1,2345", "12.345,678", "-100", "25 000,505", "1e5", "25.000,00,00"])(
    "refuses %j",
    (input) => {
      expect(parseAmount(input).ok).toBe(false);
    },
  );

  it("reads three digits after a single separator as thousands, never as a third decimal", () => {
    expect(value(parseAmount("25,123"))).toBe("25123.00");
    expect(value(parseAmount("25.123"))).toBe("25123.00");
  });

  it("writes amounts the way each language does", () => {
    expect(formatAmount("nb", "25000.50")).toBe("25\u00A0000,50\u00A0kr");
    expect(formatAmount("nb", "25000.00")).toBe("25\u00A0000\u00A0kr");
    expect(formatAmount("en", "25000.50")).toBe("NOK\u00A025,000.50");
    expect(formatAmount("en", "1234567.00")).toBe("NOK\u00A01,234,567");
    expect(formatAmount("en", "999.00")).toBe("NOK\u00A0999");
  });
});

describe("numbers and percentages", () => {
  it("reads whole numbers with grouping and an optional unit", () => {
    expect(value(parseInteger("123 456"))).toBe("123456");
    expect(value(parseInteger("123.456"))).toBe("123456");
    expect(value(parseInteger("123,456"))).toBe("123456");
    expect(value(parseInteger("123 456 km", /\s*km$/i))).toBe("123456");
    expect(parseInteger("12,5").ok).toBe(false);
    expect(parseInteger("12.5").ok).toBe(false);
    expect(formatInteger("nb", "123456")).toBe("123\u00A0456");
    expect(formatInteger("en", "123456")).toBe("123,456");
  });

  it("reads percentages with a decimal comma or point", () => {
    expect(value(parsePercent("3,5"))).toBe("3.5");
    expect(value(parsePercent("3.5 %"))).toBe("3.5");
    expect(value(parsePercent("3,50%"))).toBe("3.5");
    expect(value(parsePercent("0"))).toBe("0");
    expect(parsePercent("3,5,5").ok).toBe(false);
    // Three digits after one separator group thousands: 3555, which the field's range then refuses.
    expect(value(parsePercent("3,555"))).toBe("3555");
    expect(formatPercent("nb", "3.5")).toBe("3,5\u00A0%");
    expect(formatPercent("en", "3.5")).toBe("3.5%");
  });
});

describe("dates", () => {
  it.each([
    ["31.12.2026", "2026-12-31"],
    ["1.2.2027", "2027-02-01"],
    ["01/02/2027", "2027-02-01"],
    ["01-02-2027", "2027-02-01"],
    ["2027-02-01", "2027-02-01"],
    [" 29.02.2028 ", "2028-02-29"],
  ])("reads %j as %s", (input, expected) => {
    expect(value(parseDate(input))).toBe(expected);
  });

  it.each(["31.02.2026", "29.02.2027", "32.01.2026", "1.13.2026", "1.2.26", "2026/02/01", "tomorrow", "12.31.2026"])("refuses %j", (input) => {
    expect(parseDate(input).ok).toBe(false);
  });

  it("spells the month out in the agreement's language", () => {
    expect(formatDate("nb", "2026-12-31")).toBe("31.\u00A0desember 2026");
    expect(formatDate("en", "2026-12-31")).toBe("31\u00A0December 2026");
  });
});

describe("Norwegian national formats", () => {
  it("reads postcodes as four digits", () => {
    expect(value(parsePostalCode("0150"))).toBe("0150");
    expect(value(parsePostalCode(" 5003 "))).toBe("5003");
    expect(parsePostalCode("150").ok).toBe(false);
    expect(parsePostalCode("01500").ok).toBe(false);
    expect(parsePostalCode("O150").ok).toBe(false);
  });

  it("reads organisation numbers and checks their MOD11 check digit", () => {
    expect(value(parseOrgNumber("923 609 016"))).toBe("923609016");
    expect(value(parseOrgNumber("923609016"))).toBe("923609016");
    expect(value(parseOrgNumber("987.654.325"))).toBe("987654325");
    expect(parseOrgNumber("923 609 017")).toEqual({ ok: false, reason: "checksum" });
    expect(parseOrgNumber("92360901")).toEqual({ ok: false });
    expect(parseOrgNumber("NO 923609016 MVA")).toEqual({ ok: false });
    expect(formatOrgNumber("923609016")).toBe("923\u00A0609\u00A0016");
  });

  it("reads bank account numbers and checks their MOD11 check digit", () => {
    expect(value(parseAccountNumber("1503 12 34562"))).toBe("15031234562");
    expect(value(parseAccountNumber("1503.12.34562"))).toBe("15031234562");
    expect(value(parseAccountNumber("12345678903"))).toBe("12345678903");
    expect(parseAccountNumber("1503 12 34563")).toEqual({ ok: false, reason: "checksum" });
    expect(parseAccountNumber("1503 12 3456")).toEqual({ ok: false });
    expect(formatAccountNumber("15031234562")).toBe("1503\u00A012\u00A034562");
  });

  it("reads registration numbers as printed on the plate", () => {
    expect(value(parseRegistrationNumber("AB 12345"))).toBe("AB 12345");
    expect(value(parseRegistrationNumber("ab12345"))).toBe("AB 12345");
    expect(value(parseRegistrationNumber("EL-1234"))).toBe("EL 1234");
    expect(parseRegistrationNumber("A 12345").ok).toBe(false);
    expect(parseRegistrationNumber("AB 123").ok).toBe(false);
    expect(parseRegistrationNumber("ÆØ 12345").ok).toBe(false);
  });

  it("reads chassis numbers (VIN) of 17 characters without I, O or Q", () => {
    expect(value(parseVin("wvwzzz1kz6w000001"))).toBe("WVWZZZ1KZ6W000001");
    expect(parseVin("WVWZZZ1KZ6W00000").ok).toBe(false);
    expect(parseVin("WVWZZZ1KZ6W00000O").ok).toBe(false);
  });
});

describe("text", () => {
  it("keeps one line on one line, without control or direction characters", () => {
    expect(cleanLine("  Kari\u0007  Nordmann\n ")).toBe("Kari Nordmann");
    expect(cleanLine("Ola\u202E nnamdroN")).toBe("Ola nnamdroN");
    expect(cleanLine("A\u0301se")).toBe("\u00C1se"); // NFC
  });

  it("keeps paragraphs and line breaks in free text", () => {
    const text = cleanText("First line\r\nsecond line\n\n\n\nNew  paragraph\u0000 ");
    expect(text).toBe("First line\nsecond line\n\nNew paragraph");
    expect(paragraphs(text)).toEqual([["First line", "second line"], ["New paragraph"]]);
  });
});
