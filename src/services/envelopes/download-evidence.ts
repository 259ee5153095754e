import { buildEvidenceBundle, type EvidenceBundle } from "../../domain/evidence";
import type { Actor, Deps } from "../deps";
import { envelopeEvents, getEnvelope } from "./get-envelope";

export type DownloadEvidence = { envelopeId: string };

/** The evidence bundle as it stands now (the signed PDF embeds the one made at completion); the download is audited. */
export async function downloadEvidence(deps: Deps, actor: Actor, input: DownloadEvidence): Promise<EvidenceBundle> {
  const state = await getEnvelope(deps, actor, input);
  const bundle = buildEvidenceBundle(state, await envelopeEvents(deps, state), { generatedAt: deps.now().toISOString() });
  await deps.audit.record(actor, "envelope.downloaded", { type: "envelope", id: input.envelopeId }, { file: "evidence" });
  return bundle;
}
