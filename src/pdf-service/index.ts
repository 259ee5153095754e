/**
 * The PDF service: a second Worker that does every piece of PDF work, so that
 * pdf-lib, fontkit, pkijs, the fonts, hostile uploads and finalisation memory stay
 * out of the isolates that serve pages. Deployed before the page Worker
 * (wrangler.pdf-service.toml).
 *
 * - `PdfServiceV1` (RPC, src/pdf-service/contract.ts): upload inspection, agreement
 *   rendering and seal verification for the page Worker, through its `PDF` binding.
 * - `queue`: the finalisation queue and its dead-letter queue (certificate, seal,
 *   encrypted store, reported to the Envelope object).
 *
 * Each piece is imported when first used. Wrangler bundles these imports into this one
 * script, so nothing is saved in size; what is saved is startup: a module's top level
 * (fontkit's inflated tables, pkijs's crypto engine, zod schemas) runs on the first call
 * that needs it in an isolate, not while the isolate starts, which has 1 s of CPU.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { AgreementDocument } from "../agreements/document";
import type { PdfServiceEnv } from "../env";
import { asResult, type InspectedPdf, type PdfResult, type PdfServiceV1Contract, type RenderedPdf, type UploadLimits, type VerifyOutcome } from "./contract";

export class PdfServiceV1 extends WorkerEntrypoint<PdfServiceEnv> implements PdfServiceV1Contract {
  async inspectUpload(bytes: Uint8Array, limits: UploadLimits): Promise<PdfResult<InspectedPdf>> {
    const { inspectPdf } = await import("../pdf/inspect");
    return asResult(() => inspectPdf(bytes, limits));
  }

  async renderAgreement(document: AgreementDocument, options: { createdAt?: string }): Promise<PdfResult<RenderedPdf>> {
    const { renderAgreementPdf } = await import("../pdf/agreement-pdf");
    return asResult(() => renderAgreementPdf(document, options));
  }

  async verify(bytes: Uint8Array): Promise<PdfResult<VerifyOutcome>> {
    const { verifyDocument } = await import("../services/verify-document");
    return asResult(() => verifyDocument(this.env, bytes));
  }
}

export default {
  // Nothing is served over HTTP: the page Worker calls the entrypoint above.
  async fetch() {
    return new Response("Not found", { status: 404 });
  },
  async queue(batch, env, _ctx) {
    const { handleFinalisationQueue } = await import("../jobs/finalisation");
    await handleFinalisationQueue(batch, env);
  },
} satisfies ExportedHandler<PdfServiceEnv>;
