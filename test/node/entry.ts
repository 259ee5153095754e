/**
 * What the Node tests (test/node/*.test.mjs) and the seal bench call: the same
 * TypeScript the Worker runs, bundled for Node by ./build.mjs.
 */
export { buildSignedPdf } from "../../src/pdf/certificate";
export { openPdf } from "../../src/pdf/open";
export { sealContentsSize, sealPdf } from "../../src/pdf/seal";
export { certificateSha256, keySealSigner } from "../../src/pdf/seal-signer";
export { verifySeal } from "../../src/pdf/verify-seal";
export { certificateFor, englishLabels } from "../fixtures/pdf/pdfs";
export { hybridPdf, pdf13WithForm } from "../fixtures/seal/handmade";
export { PDFDocument, StandardFonts } from "pdf-lib";
export { inspectPdf } from "../../src/pdf/inspect";
export { uploadLimits } from "../../src/domain/limits";
export { verifySignedPdf } from "../../src/pdf/verify-signed";
export { mutants } from "../support/pdf-mutate";
