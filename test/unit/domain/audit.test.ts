import { describe, expect, it } from "vitest";
import {
  auditFilterSchema,
  chainAuditEntry,
  csvCell,
  csvColumns,
  csvRow,
  firstBrokenLink,
  GENESIS_HASH,
  safeDetails,
  type AuditEntry,
} from "../../../src/domain/audit";

function chainOf(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 0; i < n; i++) {
    const head = out.at(-1) ?? null;
    out.push(
      chainAuditEntry(
        {
          id: `aud_${i}`,
          orgId: "org_a",
          at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          actor: { type: "user", id: "usr_1", label: "kari@example.com" },
          action: "auth.login.succeeded",
          target: { type: "user", id: "usr_1" },
          ip: "203.0.113.1",
          userAgent: "Firefox",
          details: { n: i },
        },
        head ? { seq: head.seq, hash: head.hash } : null,
      ),
    );
  }
  return out;
}

describe("the audit hash chain", () => {
  it("numbers entries from 1 and links each to the hash of the one before", () => {
    const entries = chainOf(3);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(entries[2]!.prevHash).toBe(entries[1]!.hash);
    expect(firstBrokenLink(entries)).toBeNull();
  });

  it("reports an edited entry by its seq", () => {
    const entries = chainOf(5);
    entries[2] = { ...entries[2]!, details: { n: 99 } };
    expect(firstBrokenLink(entries)).toEqual({ seq: 3, reason: "hash_mismatch" });
  });

  it("reports an edited IP or actor just the same", () => {
    const entries = chainOf(4);
    entries[1] = { ...entries[1]!, ip: "198.51.100.7" };
    expect(firstBrokenLink(entries)).toEqual({ seq: 2, reason: "hash_mismatch" });
    const again = chainOf(4);
    again[3] = { ...again[3]!, actor: { type: "user", id: "usr_2", label: "ola@example.com" } };
    expect(firstBrokenLink(again)).toEqual({ seq: 4, reason: "hash_mismatch" });
  });

  it("reports a removed entry as a gap at the missing seq", () => {
    const entries = chainOf(5);
    entries.splice(1, 1);
    expect(firstBrokenLink(entries)).toEqual({ seq: 2, reason: "seq_gap" });
  });

  it("reports an entry re-hashed after an edit as not following its parent", () => {
    const entries = chainOf(4);
    // An attacker who recomputes the edited entry's own hash still breaks the next link.
    const { hash: _old, ...rest } = { ...entries[1]!, details: { n: 42 } };
    entries[1] = chainAuditEntry({ ...rest }, { seq: 1, hash: entries[0]!.hash });
    expect(firstBrokenLink(entries)).toEqual({ seq: 3, reason: "prev_hash_mismatch" });
  });

  it("continues from a head, so a long chain can be checked a page at a time", () => {
    const entries = chainOf(6);
    const head = { seq: entries[2]!.seq, hash: entries[2]!.hash };
    expect(firstBrokenLink(entries.slice(3), head)).toBeNull();
    expect(firstBrokenLink(entries.slice(4), head)).toEqual({ seq: 4, reason: "seq_gap" });
  });
});

describe("CSV export cells", () => {
  it("quotes commas, quotes and line breaks as RFC 4180 says", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\r\nlines")).toBe('"two\r\nlines"');
  });

  it("defuses cells a spreadsheet would run as formulas", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe("\"'=HYPERLINK(\"\"http://evil\"\")\"");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
  });

  it("writes one cell per column", () => {
    const [entry] = chainOf(1);
    const row = csvRow({ ...entry!, userAgent: "Mozilla/5.0 (X11, Linux)" });
    expect(row.startsWith('1,2026-01-01T00:00:00.000Z,user,usr_1,kari@example.com,auth.login.succeeded,user,usr_1,203.0.113.1,"Mozilla/5.0 (X11, Linux)",')).toBe(true);
    expect(csvColumns.length).toBe(12);
  });
});

describe("audit filters", () => {
  it("takes a UTC day range with the to day included", () => {
    const parsed = auditFilterSchema.parse({ from: "2026-03-01", to: "2026-03-31", action: "auth", actor: " Kari@Example.com " });
    expect(parsed).toEqual({ from: "2026-03-01T00:00:00.000Z", to: "2026-04-01T00:00:00.000Z", action: "auth", actor: "Kari@Example.com" });
  });

  it("treats empty fields as no filter", () => {
    expect(auditFilterSchema.parse({ from: "", to: " ", action: "", actor: "" })).toEqual({ from: undefined, to: undefined, action: undefined, actor: undefined });
  });

  it("refuses impossible dates, malformed actions and a backwards range with specific messages", () => {
    const result = auditFilterSchema.safeParse({ from: "2026-02-30", action: "Auth Login" });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path[0], i.message])).toEqual([
      ["action", "audit.error.action"],
      ["from", "audit.error.from"],
    ]);
    const backwards = auditFilterSchema.safeParse({ from: "2026-03-02", to: "2026-03-01" });
    expect(backwards.error!.issues.map((i) => [i.path[0], i.message])).toEqual([["to", "audit.error.range"]]);
  });
});

describe("audit details", () => {
  it("drops anything named like a secret and shortens long values", () => {
    const details = safeDetails({ password: "hunter2", recoveryCode: "abcd", token: "x", apiKey: "pk", format: "csv", note: "x".repeat(500) });
    expect(details).toEqual({ format: "csv", note: "x".repeat(200) });
  });
});
