/**
 * The offline verifier: checks a signed PDF from Pactly with nothing but the
 * file, and says in plain words what holds and what does not.
 *
 *   npm run verify -- signed.pdf            # a report; exit 0 only if every check holds
 *   npm run verify -- signed.pdf --json     # the same as JSON
 *   npm run verify -- signed.pdf --seal-certificate-sha256 <hex>
 *                                           # also require the seal to be made with that certificate
 *
 * The checks:
 * 1. seal — the last signature in the file is a valid CMS (PAdES) seal that
 *    covers the whole file except its own signature value, whose unused space
 *    is zeros (src/pdf/verify-seal.ts);
 * 2. evidence — a Pactly evidence bundle is embedded, parses, matches its
 *    schema, and its event chain is intact (src/domain/evidence.ts);
 * 3. document — the original document is unchanged: the first
 *    `document.size` bytes of the file hash to the evidence's `document.sha256`,
 *    and are a PDF with the recorded number of pages;
 * 4. final revision — nothing follows the sealed revision.
 *
 * Exit codes: 0 every check holds; 1 a check failed; 2 usage error or the file
 * cannot be read.
 *
 * This module uses no Node API: src/cli/verify.mjs bundles it for Node and
 * passes file access in, and verifySignedPdf can run in a Worker as well.
 */
import { message, short, TITLES, verifySignedPdf, type VerifyOptions, type VerifyResult } from "../pdf/verify-signed";

export { verifySignedPdf };
export type { Check, CheckId, VerifyResult } from "../pdf/verify-signed";

/** The human-readable report. */
export function formatReport(result: VerifyResult, fileName: string): string {
  const lines: string[] = [];
  lines.push(`Pactly offline verification of ${fileName}`);
  lines.push(`File: ${result.file.size} bytes, SHA-256 ${result.file.sha256}`);
  lines.push("");
  for (const check of result.checks) {
    lines.push(`${check.ok ? "PASS" : "FAIL"}  ${TITLES[check.id]}: ${check.detail}`);
  }
  if (result.envelope) {
    const e = result.envelope;
    lines.push("");
    lines.push(`Envelope ${e.id}: "${e.title}", ${e.status}${e.completedAt ? ` ${e.completedAt}` : ""} (time zone ${e.timeZone})`);
    if (result.document) lines.push(`Original: ${result.document.filename}, ${result.document.pages} pages, ${result.document.size} bytes, SHA-256 ${short(result.document.sha256)}`);
    for (const s of e.signers) {
      const outcome = s.signedAt ? `signed ${s.signedAt}` : s.declinedAt ? `declined ${s.declinedAt}` : "did not sign";
      lines.push(`  ${s.name} (${s.method}): ${outcome}`);
    }
  }
  lines.push("");
  const failed = result.checks.filter((c) => !c.ok).length;
  lines.push(
    result.ok
      ? "Result: VALID. Every check holds: the file is exactly as Pactly sealed it."
      : `Result: NOT VALID. ${failed} of ${result.checks.length} checks failed.`,
  );
  return `${lines.join("\n")}\n`;
}

export type CliIo = {
  readFile(path: string): Promise<Uint8Array>;
  stdout(text: string): void;
  stderr(text: string): void;
};

const USAGE = `Usage: npm run verify -- <signed.pdf> [--json] [--seal-certificate-sha256 <hex>]

Checks a PDF signed with Pactly offline: the seal, the embedded evidence and its
hash chain, the original document's hash, and that nothing was added after the seal.
Exit code 0 when every check holds, 1 when one fails, 2 for a usage error.
`;

/** The command line: returns the exit code. */
export async function main(argv: string[], io: CliIo, options: Pick<VerifyOptions, "verifySeal"> = {}): Promise<number> {
  let json = false;
  let file: string | undefined;
  let sealCertificateSha256: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--help" || arg === "-h") {
      io.stdout(USAGE);
      return 0;
    } else if (arg === "--seal-certificate-sha256") {
      sealCertificateSha256 = argv[++i];
      if (!sealCertificateSha256 || !/^[0-9a-fA-F:]{64,95}$/.test(sealCertificateSha256)) {
        io.stderr(`--seal-certificate-sha256 needs a SHA-256 in hex.\n\n${USAGE}`);
        return 2;
      }
    } else if (arg.startsWith("-") && arg !== "-") {
      io.stderr(`Unknown option ${arg}.\n\n${USAGE}`);
      return 2;
    } else if (file === undefined) file = arg;
    else {
      io.stderr(`Give one file at a time.\n\n${USAGE}`);
      return 2;
    }
  }
  if (file === undefined) {
    io.stderr(USAGE);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (error) {
    io.stderr(`Cannot read ${file}: ${message(error)}\n`);
    return 2;
  }
  let result: VerifyResult;
  try {
    result = await verifySignedPdf(bytes, { ...options, ...(sealCertificateSha256 ? { sealCertificateSha256 } : {}) });
  } catch (error) {
    // A file that unpacks to more than one file may is refused, not read on.
    io.stderr(`${file}: ${message(error)}\n`);
    return 1;
  }
  io.stdout(json ? `${JSON.stringify({ path: file, ...result }, null, 2)}\n` : formatReport(result, file));
  return result.ok ? 0 : 1;
}
