/**
 * Checks a signed PDF from Pactly with nothing but the file: seal, embedded
 * evidence, original document, final revision. Pure apart from WebCrypto, so the
 * offline verifier (src/cli/verify.ts) and the Worker's verification page share it.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "../domain/encoding";
import { EVIDENCE_SCHEMA, type EvidenceBundle, evidenceBundleSchema, verifyEvidenceBundle } from "../domain/evidence";
import { DomainError } from "../domain/errors";
import { type EmbeddedFile, readEmbeddedFiles } from "./attachment";
import { InflateLimitError } from "./inflate";
import { openPdf, readRefusal } from "./open";
import { type SealVerification, verifySeal } from "./verify-seal";

export type CheckId = "seal" | "evidence" | "document" | "final-revision";

export type Check = {
  id: CheckId;
  ok: boolean;
  /** One sentence: what holds, or the reason it does not. */
  detail: string;
};

export type VerifyResult = {
  ok: boolean;
  file: { size: number; sha256: string };
  checks: Check[];
  seal: SealVerification | null;
  /** From the evidence bundle, when one was found and read. */
  envelope: {
    id: string;
    title: string;
    status: string;
    completedAt: string | null;
    timeZone: string;
    signers: Array<{ name: string; method: string; signedAt: string | null; declinedAt: string | null }>;
  } | null;
  document: { filename: string; sha256: string; size: number; pages: number } | null;
  evidence: { filename: string; sha256: string; version: number; events: number; chainHead: string } | null;
};

export type VerifyOptions = {
  /** When given, the seal must be made with the certificate whose DER has this SHA-256 (hex). */
  sealCertificateSha256?: string;
  /** Replaces the seal check (tests). */
  verifySeal?: (bytes: Uint8Array) => Promise<SealVerification>;
};

export const TITLES: Record<CheckId, string> = {
  seal: "Seal",
  evidence: "Evidence",
  document: "Document",
  "final-revision": "Final revision",
};

const hex = (bytes: Uint8Array) => bytesToHex(sha256(bytes));
export const short = (hash: string) => (hash.length > 16 ? `${hash.slice(0, 16)}…` : hash);
export const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function checkSeal(bytes: Uint8Array, options: VerifyOptions): Promise<{ check: Check; seal: SealVerification | null }> {
  let seal: SealVerification;
  try {
    seal = await (options.verifySeal ?? verifySeal)(bytes);
  } catch (error) {
    return { check: { id: "seal", ok: false, detail: `The seal could not be checked: ${message(error)}` }, seal: null };
  }
  if (!seal.sealed) return { check: { id: "seal", ok: false, detail: `The file is not sealed. ${seal.reason}` }, seal };
  const reasons: string[] = [];
  if (!seal.valid) reasons.push("the seal's signature does not verify over the bytes it covers");
  if (!seal.coversWholeFile) reasons.push("the seal does not cover the whole file");
  if (!seal.paddingIsZero) reasons.push("the unused space in the signature value is not all zeros");
  const expected = options.sealCertificateSha256?.toLowerCase().replace(/[^0-9a-f]/g, "");
  if (expected && seal.signerCertificateSha256 !== expected) {
    reasons.push(`the seal was made with certificate ${seal.signerCertificateSha256 || "(none)"}, not the expected ${expected}`);
  }
  const problems = seal.problems.filter((p) => p.trim() !== "");
  if (reasons.length > 0 || problems.length > 0) {
    const all = [...reasons.map((r) => `${r[0]!.toUpperCase()}${r.slice(1)}.`), ...problems];
    return { check: { id: "seal", ok: false, detail: `The seal is not valid. ${[...new Set(all)].join(" ")}` }, seal };
  }
  const [, , start2] = seal.byteRange;
  const gapStart = seal.byteRange[0] + seal.byteRange[1];
  const signer = seal.signerSubject || "an unnamed certificate";
  const when = seal.signingTime ? ` at ${seal.signingTime}` : "";
  return {
    check: {
      id: "seal",
      ok: true,
      detail:
        `Valid seal by ${signer}${when}; it covers the whole file except its own signature value (bytes ${gapStart}–${start2 - 1}), ` +
        `whose unused space is zeros. Seal certificate SHA-256: ${seal.signerCertificateSha256}` +
        (expected ? " (as expected)." : " (compare it with the certificate Pactly publishes).") +
        (seal.timestamp ? ` Timestamped by ${seal.timestamp.tsaSubject ?? "a timestamp authority"} at ${seal.timestamp.genTime} (RFC 3161, checked against the signature).` : ""),
    },
    seal,
  };
}

type FoundEvidence = { file: EmbeddedFile; json: unknown; bundle: EvidenceBundle | null };

/** Pactly evidence bundles among the attachments; the outermost signing's (largest original) first. */
function findEvidence(files: EmbeddedFile[]): FoundEvidence[] {
  const found: FoundEvidence[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(file.bytes));
    } catch {
      continue;
    }
    if (typeof json !== "object" || json === null || (json as { schema?: unknown }).schema !== EVIDENCE_SCHEMA) continue;
    const parsed = evidenceBundleSchema.safeParse(json);
    found.push({ file, json, bundle: parsed.success ? parsed.data : null });
  }
  return found.sort((a, b) => (b.bundle?.document.size ?? 0) - (a.bundle?.document.size ?? 0));
}

async function checkDocument(bytes: Uint8Array, bundle: EvidenceBundle): Promise<Check> {
  const { size, sha256: expected, pages } = bundle.document;
  if (size > bytes.length) {
    return { id: "document", ok: false, detail: `The file (${bytes.length} bytes) is shorter than the original document it should start with (${size} bytes).` };
  }
  const prefix = bytes.subarray(0, size);
  const actual = hex(prefix);
  if (actual !== expected) {
    return {
      id: "document",
      ok: false,
      detail: `The original document was changed: the first ${size} bytes hash to ${actual}, but the evidence records ${expected}.`,
    };
  }
  let counted: number;
  try {
    counted = (await openPdf(prefix, { strict: false })).pages;
  } catch (error) {
    if (unpacksTooLarge(error)) throw error;
    return { id: "document", ok: false, detail: `The first ${size} bytes match the evidence's hash but do not open as a PDF: ${message(error)}` };
  }
  if (counted !== pages) {
    return { id: "document", ok: false, detail: `The original document has ${counted} pages, but the evidence records ${pages}.` };
  }
  return {
    id: "document",
    ok: true,
    detail: `The original document is unchanged: the first ${size} bytes (${pages} page${pages === 1 ? "" : "s"}) hash to ${expected}, as the evidence records.`,
  };
}

function checkFinalRevision(bytes: Uint8Array, seal: SealVerification | null): Check {
  if (!seal || !seal.sealed) {
    return { id: "final-revision", ok: false, detail: "Cannot tell where the sealed revision ends: the file has no readable seal." };
  }
  const end = seal.byteRange[2] + seal.byteRange[3];
  if (end !== seal.signedRevisionLength) {
    return { id: "final-revision", ok: false, detail: "The seal's byte range and its signed revision disagree about where the revision ends." };
  }
  if (end < bytes.length) {
    return {
      id: "final-revision",
      ok: false,
      detail: `${bytes.length - end} bytes follow the sealed revision (which ends at byte ${end}): the file was changed after sealing.`,
    };
  }
  if (end > bytes.length) {
    return {
      id: "final-revision",
      ok: false,
      detail: `The file ends at byte ${bytes.length}, before the sealed revision does (byte ${end}): it was truncated.`,
    };
  }
  return { id: "final-revision", ok: true, detail: `Nothing follows the sealed revision: it ends at the last byte of the file (${end}).` };
}

const unpacksTooLarge = (error: unknown) =>
  error instanceof InflateLimitError || (error instanceof DomainError && error.code === "pdf_unpacks_too_large");

/**
 * Runs every check on the bytes of a signed PDF. Never throws for a bad file:
 * every problem is a failed check. The one exception is a file that unpacks to
 * more than one file may (DomainError pdf_unpacks_too_large): it is not read on.
 */
export async function verifySignedPdf(bytes: Uint8Array, options: VerifyOptions = {}): Promise<VerifyResult> {
  const result: VerifyResult = {
    ok: false,
    file: { size: bytes.length, sha256: hex(bytes) },
    checks: [],
    seal: null,
    envelope: null,
    document: null,
    evidence: null,
  };

  const sealed = await checkSeal(bytes, options);
  result.seal = sealed.seal;
  result.checks.push(sealed.check);

  // The evidence, from the file as a whole.
  let bundle: EvidenceBundle | null = null;
  let evidenceCheck: Check;
  try {
    const { reader, catalog } = await openPdf(bytes, { strict: false });
    const candidates = findEvidence(readEmbeddedFiles({ lookup: (ref) => reader.lookup(ref), catalog }));
    const chosen = candidates[0];
    if (!chosen) {
      evidenceCheck = { id: "evidence", ok: false, detail: "No Pactly evidence bundle is embedded in the file." };
    } else {
      const verdict = verifyEvidenceBundle(chosen.json);
      const fileProblems = chosen.file.problems;
      bundle = chosen.bundle;
      if (bundle) {
        result.evidence = {
          filename: chosen.file.filename,
          sha256: hex(chosen.file.bytes),
          version: bundle.version,
          events: bundle.events.length,
          chainHead: bundle.chain.head,
        };
      }
      if (fileProblems.length > 0) {
        evidenceCheck = { id: "evidence", ok: false, detail: `The embedded evidence file ${chosen.file.filename} is damaged: ${fileProblems.join("; ")}.` };
      } else if (!verdict.ok) {
        evidenceCheck = { id: "evidence", ok: false, detail: `The evidence in ${chosen.file.filename} does not hold: ${verdict.reason}.` };
      } else if (bundle && bundle.envelope.status !== "completed") {
        evidenceCheck = { id: "evidence", ok: false, detail: `The evidence describes an envelope that is ${bundle.envelope.status}, not completed.` };
      } else {
        evidenceCheck = {
          id: "evidence",
          ok: true,
          detail:
            `${chosen.file.filename} (evidence bundle version ${bundle!.version}) is intact: ` +
            `${bundle!.events.length} events in an unbroken hash chain ending in ${bundle!.chain.head}.`,
        };
      }
    }
  } catch (error) {
    if (unpacksTooLarge(error)) throw readRefusal(error);
    evidenceCheck = { id: "evidence", ok: false, detail: `The file cannot be read as a PDF, so its evidence cannot be found: ${message(error)}` };
  }
  result.checks.push(evidenceCheck);

  if (bundle) {
    result.envelope = {
      id: bundle.envelope.id,
      title: bundle.envelope.title,
      status: bundle.envelope.status,
      completedAt: bundle.envelope.completedAt,
      timeZone: bundle.envelope.timeZone,
      signers: bundle.recipients
        .filter((r) => r.role === "signer")
        .map((r) => ({ name: r.name, method: r.method, signedAt: r.signedAt, declinedAt: r.declinedAt })),
    };
    result.document = { filename: bundle.document.filename, sha256: bundle.document.sha256, size: bundle.document.size, pages: bundle.document.pages };
    result.checks.push(await checkDocument(bytes, bundle));
  } else {
    result.checks.push({ id: "document", ok: false, detail: "Cannot check the original document without readable evidence (it records the original's hash and size)." });
  }

  result.checks.push(checkFinalRevision(bytes, result.seal));
  result.ok = result.checks.every((c) => c.ok);
  return result;
}

