/**
 * The one QR helper for the whole product (certificate pages, 2FA enrolment):
 * encoding through `uqr`, and the symbol as SVG path data for pages. Pure; the
 * callers draw it (pdf-lib rectangles, or an <svg> with a text alternative).
 */
import { encode } from "uqr";

export type QrSymbol = {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** Rows of modules, true for dark. */
  modules: boolean[][];
};

/** Light modules around the symbol on every side, as the QR standard asks. */
export const QR_QUIET_ZONE = 4;

/** The symbol for this text at error correction M, or null when the text is longer than a QR code holds. */
export function qrCode(text: string): QrSymbol | null {
  try {
    const { size, data } = encode(text, { ecc: "M", border: 0 });
    return { size, modules: data };
  } catch {
    return null;
  }
}

/**
 * SVG geometry for the symbol: a viewBox in module units (quiet zone included) and
 * one path of the dark runs per row, so the page stays small (a 2FA code is ~2 KB).
 */
export function qrSvgGeometry(symbol: QrSymbol, quiet = QR_QUIET_ZONE): { viewBox: string; side: number; path: string } {
  const side = symbol.size + 2 * quiet;
  const parts: string[] = [];
  symbol.modules.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      let end = x;
      while (end + 1 < row.length && row[end + 1]) end++;
      parts.push(`M${x + quiet} ${y + quiet}h${end - x + 1}v1h-${end - x + 1}z`);
      x = end;
    }
  });
  return { viewBox: `0 0 ${side} ${side}`, side, path: parts.join("") };
}
