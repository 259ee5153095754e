/**
 * Verification of a PDF someone uploads: is it sealed by this Pactly deployment,
 * valid, unchanged, with its evidence intact? The answer carries no personal data
 * (no names, emails or titles), only yes/no per check and the completion time.
 * Runs in the PDF service; pages ask it through services/pdf.ts.
 */
import type { VerifyOutcome } from "../domain/verification";
import type { PdfServiceEnv } from "../env";
import { verifySignedPdf } from "../pdf/verify-signed";
import { sealFingerprint } from "./seal";

export type { VerifyOutcome };

export async function verifyDocument(env: Pick<PdfServiceEnv, "SEAL_CERT_PEM">, bytes: Uint8Array): Promise<VerifyOutcome> {
  const result = await verifySignedPdf(bytes);
  const check = (id: string) => result.checks.find((c) => c.id === id)?.ok ?? false;
  const seal = result.seal;
  const sealed = seal?.sealed ?? false;
  const sealValid = seal?.sealed === true && seal.valid && seal.problems.length === 0;
  const trusted = seal?.sealed === true && seal.signerCertificateSha256 === (await sealFingerprint(env));
  const unchanged = seal?.sealed === true && seal.coversWholeFile && seal.paddingIsZero && check("final-revision");
  const originalIntact = check("document");
  const evidenceIntact = check("evidence");
  const genuine = result.ok && sealValid && trusted && unchanged && originalIntact && evidenceIntact;
  return {
    genuine,
    sealed,
    sealValid,
    trusted,
    unchanged,
    originalIntact,
    evidenceIntact,
    completedAt: genuine ? (result.envelope?.completedAt ?? null) : null,
  };
}
