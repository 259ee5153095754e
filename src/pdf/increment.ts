/**
 * Writes an incremental update: the original bytes unchanged, then the new and
 * changed objects, a cross-reference section for them only, and a trailer whose
 * /Prev points at the original's newest section. pdf-lib cannot save
 * incrementally, and a full re-save costs time and memory in proportion to the
 * whole document (see /work/shared/platform.md), so this small writer does it.
 *
 * The new section has the same form as the original's newest one: a classic
 * table after a table, a cross-reference stream after a stream.
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, type PDFObject, PDFRef } from "pdf-lib";
import { latin1ToBytes } from "../domain/encoding";
import type { PdfStructure } from "./structure";

export interface IncrementTrailer {
  root: PDFRef;
  info: PDFRef | undefined;
  id: PDFArray | undefined;
}

function serialise(object: PDFObject): Uint8Array {
  const out = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}

/** Consecutive runs of sorted object numbers: [[first, count], ...]. */
function runs(numbers: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of numbers) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === n) last[1]++;
    else out.push([n, 1]);
  }
  return out;
}

export function appendIncrement(
  original: Uint8Array,
  structure: PdfStructure,
  context: PDFContext,
  objects: Array<[PDFRef, PDFObject]>,
  trailer: IncrementTrailer,
  /** When given, receives each written object's number and the absolute byte position of its "N G obj" line. */
  positions?: Map<number, number>,
): Uint8Array {
  const chunks: Uint8Array[] = [original];
  let position = original.length;
  const push = (chunk: Uint8Array) => {
    chunks.push(chunk);
    position += chunk.length;
  };

  const last = original[original.length - 1];
  if (last !== 0x0a && last !== 0x0d) push(latin1ToBytes("\n"));

  const sorted = [...objects].sort((a, b) => a[0].objectNumber - b[0].objectNumber);
  const offsets = new Map<number, { gen: number; offset: number }>();
  for (const [ref, object] of sorted) {
    offsets.set(ref.objectNumber, { gen: ref.generationNumber, offset: position - structure.base });
    positions?.set(ref.objectNumber, position);
    push(latin1ToBytes(`${ref.objectNumber} ${ref.generationNumber} obj\n`));
    push(serialise(object));
    push(latin1ToBytes("\nendobj\n"));
  }

  const largest = sorted.length > 0 ? sorted[sorted.length - 1]![0].objectNumber : 0;
  let size = Math.max(structure.size, largest + 1);

  const trailerEntries = (dict: PDFDict) => {
    dict.set(PDFName.of("Root"), trailer.root);
    if (trailer.info) dict.set(PDFName.of("Info"), trailer.info);
    if (trailer.id) dict.set(PDFName.of("ID"), trailer.id);
    dict.set(PDFName.of("Prev"), PDFNumber.of(structure.startxref));
  };

  let xrefOffset: number;
  if (structure.kind === "table") {
    xrefOffset = position - structure.base;
    let table = "xref\n";
    for (const [first, count] of runs([...offsets.keys()])) {
      table += `${first} ${count}\n`;
      for (let n = first; n < first + count; n++) {
        const entry = offsets.get(n)!;
        table += `${String(entry.offset).padStart(10, "0")} ${String(entry.gen).padStart(5, "0")} n\r\n`;
      }
    }
    const dict = context.obj({ Size: size });
    trailerEntries(dict);
    push(latin1ToBytes(`${table}trailer\n${dict.toString()}\n`));
  } else {
    // The stream lists itself too; it takes the next free number.
    const selfNumber = size;
    size += 1;
    xrefOffset = position - structure.base;
    offsets.set(selfNumber, { gen: 0, offset: xrefOffset });
    const numbers = [...offsets.keys()].sort((a, b) => a - b);
    const widths = [1, 4, 2] as const;
    const data = new Uint8Array(numbers.length * 7);
    numbers.forEach((n, i) => {
      const { gen, offset } = offsets.get(n)!;
      const at = i * 7;
      data[at] = 1;
      data[at + 1] = (offset >>> 24) & 0xff;
      data[at + 2] = (offset >>> 16) & 0xff;
      data[at + 3] = (offset >>> 8) & 0xff;
      data[at + 4] = offset & 0xff;
      data[at + 5] = (gen >>> 8) & 0xff;
      data[at + 6] = gen & 0xff;
    });
    const index = runs(numbers).flat();
    const dict = context.obj({ Type: "XRef", Size: size, W: [...widths], Index: index, Length: data.length });
    trailerEntries(dict);
    push(latin1ToBytes(`${selfNumber} 0 obj\n${dict.toString()}\nstream\n`));
    push(data);
    push(latin1ToBytes("\nendstream\nendobj\n"));
  }
  push(latin1ToBytes(`startxref\n${xrefOffset}\n%%EOF\n`));

  return concatBytes(...chunks);
}
