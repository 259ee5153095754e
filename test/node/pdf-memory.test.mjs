// What reading a PDF leaves behind in the isolate. pdf-lib interns every reference
// ("12 0 R") and name it parses in maps of its own, for the life of the process;
// src/pdf/pdf-lib-bounds.ts makes those maps let go. Here a file of 7 MB (6.9 MiB) holding
// 600,000 distinct references goes through the upload check, and the heap must come
// back to where it was: with pdf-lib's own maps it keeps about 50 MB for good (a
// 20 MB file could hold 1.7 million), and a Worker has 128 MB.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadEntry } from "./build.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const MB = 1024 * 1024;

/** One page, and `objects` arrays of `each` references to objects that do not exist (which PDF reads as null). */
function manyReferences(objects, each) {
  const bodies = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"];
  let next = 1_000_000;
  for (let k = 0; k < objects; k++) {
    const refs = [];
    for (let i = 0; i < each; i++) refs.push(`${next++} 0 R`);
    bodies.push(`[${refs.join(" ")}]`);
  }
  let out = "%PDF-1.7\n";
  const offsets = [];
  bodies.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

describe("reading a PDF", () => {
  it("gives back the memory of 600,000 distinct references once the file is read", async () => {
    const e = await loadEntry();
    await e.inspectPdf(manyReferences(1, 10), e.uploadLimits); // pdf-lib's own constants, made once
    const bytes = manyReferences(6, 100_000);
    assert.ok(bytes.length > 6 * MB);
    const before = await settledHeap();
    assert.deepEqual(await e.inspectPdf(bytes, e.uploadLimits), { pages: 1, version: "1.7" });
    const kept = (await settledHeap()) - before;
    assert.ok(kept < 20 * MB, `reading kept ${(kept / MB).toFixed(1)} MB`);
  });

  it("refuses one object holding more values than any real file, before they fill the heap", async () => {
    const e = await loadEntry();
    await assert.rejects(e.inspectPdf(manyReferences(1, 300_000), e.uploadLimits), (error) => error.code === "invalid_pdf");
  });
});
