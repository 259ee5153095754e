/**
 * The certificate's fonts: DejaVu Sans regular and bold (free licence, covers
 * Latin, Greek and Cyrillic). Bundled as Data modules (wrangler.toml rule for
 * *.ttf), about 1.4 MB of the PDF service's bundle together.
 *
 * Parsing a font (fontkit inflates and reads its tables) and measuring glyphs are
 * the slow parts of every certificate and agreement, so both happen once per
 * isolate: the parsed fonts, their character sets and the width of every
 * character measured so far are kept here and shared by every document.
 */
import fontkit from "@pdf-lib/fontkit";
import type { PDFDocument, PDFFont } from "pdf-lib";
import bold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import regular from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import { cachedMeasurer, type Measurer } from "./text";

// Some bundlers hand over a Uint8Array rather than an ArrayBuffer; accept both.
const bytes = (data: ArrayBuffer | Uint8Array): Uint8Array =>
  data instanceof Uint8Array ? data : new Uint8Array(data);

type FontName = "regular" | "bold";
const sources: Record<FontName, ArrayBuffer | Uint8Array> = { regular, bold };

/** Per font and isolate: its bytes, character set and the widths measured so far. */
type FontCache = { bytes?: Uint8Array; characterSet?: ReadonlySet<number>; widths: Map<string, number> };
const caches: Record<FontName, FontCache> = { regular: { widths: new Map() }, bold: { widths: new Map() } };

function fontBytes(name: FontName): Uint8Array {
  return (caches[name].bytes ??= bytes(sources[name]));
}

export const certificateFonts = {
  regular: () => fontBytes("regular"),
  bold: () => fontBytes("bold"),
};

type Fontkit = Parameters<PDFDocument["registerFontkit"]>[0];
type Font = ReturnType<Fontkit["create"]>;
const parsed = new WeakMap<Uint8Array, Font>();

/**
 * fontkit with a memory: the same bytes are parsed once per isolate, and each
 * document gets a light view of that font. The view shares the decoded tables
 * (fontkit binds each table getter to the parsed font) but keeps its own glyph
 * objects and layout engine: fontkit stores on a glyph the code points it was
 * first made for, which end up in the document's ToUnicode map, so glyphs made for
 * one document must not be reused by another.
 */
export const sharedFontkit: Fontkit = {
  create(data: Uint8Array, postscriptName?: string) {
    if (postscriptName !== undefined) return fontkit.create(data, postscriptName);
    let font = parsed.get(data);
    if (!font) {
      font = fontkit.create(data);
      parsed.set(data, font);
    }
    const view = Object.create(font) as Font & { _glyphs: Record<number, unknown> };
    view._glyphs = {};
    return view;
  },
};

/** Embeds one of the fonts (subset) into a document, with its shared measurer and character set. */
export async function embedPactlyFont(doc: PDFDocument, name: FontName): Promise<{ font: PDFFont; measure: Measurer; characterSet: ReadonlySet<number> }> {
  doc.registerFontkit(sharedFontkit);
  const font = await doc.embedFont(fontBytes(name), { subset: true });
  const cache = caches[name];
  cache.characterSet ??= new Set(font.getCharacterSet());
  return { font, measure: cachedMeasurer(font, cache.widths), characterSet: cache.characterSet };
}
