import { PDFContext, PDFName, PDFRawStream } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { ContentLexer, ContentSyntaxError } from "../../../src/pdf/content-lexer";
import { decodeWithin, InflateBudget, InflateLimitError, inflateNatively } from "../../../src/pdf/inflate";

const MiB = 1024 * 1024;
const context = PDFContext.create();
const deflated = (data: Uint8Array) => context.flateStream(data);
/** Filtered twice: the deflated zeros, deflated again (how an 84 KB file holds 256 MiB). */
function deflatedTwice(data: Uint8Array): PDFRawStream {
  const once = deflated(data);
  const twice = context.flateStream(once.contents);
  twice.dict.set(PDFName.of("Filter"), context.obj([PDFName.of("FlateDecode"), PDFName.of("FlateDecode")]));
  return twice;
}

describe("inflating within a byte budget", () => {
  it("inflates natively what fits, and stops past the budget, chunk by chunk", async () => {
    const data = new Uint8Array(2 * MiB).fill(7);
    expect(await inflateNatively(deflated(data), new InflateBudget(4 * MiB))).toEqual(data);
    const budget = new InflateBudget(MiB);
    await expect(inflateNatively(deflated(new Uint8Array(16 * MiB)), budget)).rejects.toBeInstanceOf(InflateLimitError);
    expect(budget.exceeded).toBe(true);
  });

  it("counts every stream of a file against one budget", async () => {
    const budget = new InflateBudget(3 * MiB);
    await inflateNatively(deflated(new Uint8Array(2 * MiB)), budget);
    await expect(inflateNatively(deflated(new Uint8Array(2 * MiB)), budget)).rejects.toBeInstanceOf(InflateLimitError);
  });

  it("decodes synchronously within the budget, also through two filters, and stops a bomb", () => {
    const data = new Uint8Array(MiB).fill(1);
    expect(decodeWithin(deflatedTwice(data), new InflateBudget(2 * MiB))).toEqual(data);
    const budget = new InflateBudget(MiB);
    expect(() => decodeWithin(deflatedTwice(new Uint8Array(64 * MiB)), budget)).toThrow(InflateLimitError);
    expect(budget.exceeded).toBe(true);
  });

  it("refuses flate data zlib refuses, where pdf-lib's own inflater would guess", () => {
    const stream = deflated(new TextEncoder().encode("BT /F1 12 Tf (Hello) Tj ET\n".repeat(200)));
    const corrupt = stream.contents.slice();
    corrupt[corrupt.length - 3]! ^= 0xff; // the checksum
    expect(() => decodeWithin(PDFRawStream.of(stream.dict, corrupt))).toThrow(/cannot be inflated/);
  });
});

describe("ContentLexer", () => {
  const lex = (...chunks: string[]) => {
    const lexer = new ContentLexer();
    for (const chunk of chunks) lexer.feed(new TextEncoder().encode(chunk));
    lexer.end();
  };

  it("reads strings, hex strings, dictionaries, comments and inline images, in any chunks", () => {
    expect(() => lex("BT /F1 12 Tf (a (nested) \\) string) Tj <48656C 6c6f> Tj ET % note\n", "/P <</MCID 0>> BDC EMC")).not.toThrow();
    expect(() => lex("BI /W 2 /H 1 /BPC 8 /CS /G ID ", "\u0029\u0028> EI Q")).not.toThrow();
    expect(() => lex("(split ", "over chunks) Tj")).not.toThrow();
  });

  it("refuses a string that never closes, a bad hex string, a stray ) or >", () => {
    expect(() => lex("BT (never closed Tj ET")).toThrow(ContentSyntaxError);
    expect(() => lex("<48656CZZ> Tj")).toThrow(ContentSyntaxError);
    expect(() => lex("<48656C")).toThrow(ContentSyntaxError);
    expect(() => lex("BT ) ET")).toThrow(ContentSyntaxError);
    expect(() => lex("BT > ET")).toThrow(ContentSyntaxError);
  });
});
