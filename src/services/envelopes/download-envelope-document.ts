import type { Actor, Deps } from "../deps";
import { documentOf } from "../documents";
import { getEnvelope } from "./get-envelope";

export type DownloadEnvelopeDocument = { envelopeId: string; file: "original" | "signed" };

/** The original or (once completed) the signed PDF of an envelope this sender may see; the download is audited. */
export async function downloadEnvelopeDocument(deps: Deps, actor: Actor, input: DownloadEnvelopeDocument) {
  const state = await getEnvelope(deps, actor, input);
  const document = await documentOf(deps, state, input.file);
  await deps.audit.record(actor, "envelope.downloaded", { type: "envelope", id: input.envelopeId }, { file: input.file });
  return document;
}
