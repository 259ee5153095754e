/// <reference types="vite/client" />
/**
 * Seeded mutation fuzzing of the good PDF corpus (test/support/pdf-mutate.ts),
 * inside workerd: every mutant is either accepted or refused with one of the
 * upload's specific messages, within a time limit per file; never a 5xx, never
 * an error that is not a refusal. The seed is fixed, so a failure names the seed
 * and edits that replay it. test/node/pdf-property.test.mjs takes the same
 * mutants on to finalisation, qpdf and pdfsig.
 */
import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors";
import { uploadLimits } from "../../src/domain/limits";
import { inspectPdf } from "../../src/pdf/inspect";
import { Client } from "../support/client";
import { freshIp } from "../support/flows";
import { type Mutant, mutants } from "../support/pdf-mutate";
import { expectNothingStored, inlinedBytes, UPLOAD_MESSAGE, uploadThroughForm } from "../support/pdf-upload";
import corpus from "../fixtures/pdf-corpus/corpus.json";

const SEED = 13;
const INSPECTED = 300;
const UPLOADED = 20;
/** Every mutant is read well within this; a reader that crawls or loops fails here. */
const PER_FILE_MS = 5_000;

const inlined = import.meta.glob("../fixtures/pdf-corpus/*.pdf", { query: "?inline", import: "default", eager: true }) as Record<string, string>;
type Entry = (typeof corpus)[number] & { accepted?: boolean; pages?: number };
const sources = (corpus as Entry[])
  .filter((e) => e.accepted && e.pages! <= 4)
  .map((e) => ({ file: e.file, bytes: inlinedBytes(inlined[`../fixtures/pdf-corpus/${e.file}`], e.file) }));

const name = (m: Mutant) => `${m.source} seed ${m.seed} [${m.edits.join(", ")}]`;

/** inspectPdf's verdict: pages, or the refusal's code; anything else is returned as a failure. */
async function verdict(m: Mutant): Promise<{ pages: number } | { code: string } | { failure: string }> {
  const started = Date.now();
  const outcome = await inspectPdf(m.bytes, uploadLimits).then(
    (r) => ({ pages: r.pages }),
    (error: unknown) => (error instanceof DomainError ? { code: error.code } : { failure: `${name(m)}: ${String(error)}` }),
  );
  const took = Date.now() - started;
  return took > PER_FILE_MS ? { failure: `${name(m)}: took ${took} ms` } : outcome;
}

describe(`${INSPECTED} seeded mutants of the good corpus (seed ${SEED})`, () => {
  const all = mutants(sources, SEED, INSPECTED);

  it("each is accepted with pages, or refused with a specific code, quickly", { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    const tally: Record<string, number> = {};
    for (const m of all) {
      const v = await verdict(m);
      if ("failure" in v) failures.push(v.failure);
      else if ("code" in v && !(v.code in UPLOAD_MESSAGE)) failures.push(`${name(m)}: unknown code ${v.code}`);
      else if ("pages" in v && !(v.pages > 0)) failures.push(`${name(m)}: accepted with ${v.pages} pages`);
      const key = "pages" in v ? "accepted" : "code" in v ? v.code : "failure";
      tally[key] = (tally[key] ?? 0) + 1;
    }
    expect(failures).toEqual([]);
    // The mutants reach both outcomes, not only the cheap refusals.
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.invalid_pdf).toBeGreaterThan(0);
  });

  it(`the first ${UPLOADED} through the upload form and POST /api/v1/verify: the same outcome, never a 5xx`, { timeout: 120_000 }, async () => {
    for (const m of all.slice(0, UPLOADED)) {
      const v = await verdict(m);
      const { sender, res } = await uploadThroughForm(new File([m.bytes], "fuzz.pdf", { type: "application/pdf" }));
      if ("pages" in v) {
        expect(res.status, name(m)).toBe(303);
      } else if ("code" in v) {
        expect(res.status, name(m)).toBe(v.code === "pdf_too_large" ? 413 : 422);
        expect(await res.text(), name(m)).toMatch(UPLOAD_MESSAGE[m.bytes.length === 0 ? "no_file" : v.code]!);
        await expectNothingStored(sender.email);
      } else {
        throw new Error(v.failure);
      }
      const verified = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: m.bytes });
      expect([200, 422], name(m)).toContain(verified.status);
    }
  });
});
