import { PDFDocument, StandardFonts } from "pdf-lib";

/** A small, valid PDF with `pages` pages of text, made fresh for a test. */
export async function makePdf(pages = 2, label = "Test agreement"): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`${label}, page ${i}`, { x: 72, y: 760, size: 18, font });
  }
  return doc.save();
}
