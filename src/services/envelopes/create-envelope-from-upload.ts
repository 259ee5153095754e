import type { z } from "zod";
import type { envelopeSettingsSchema } from "../../domain/envelope-input";
import type { Actor, Deps } from "../deps";
import { createDraftEnvelope } from "./create-draft-envelope";
import { envelopeIdForDocument } from "./drafts";
import { uploadDocument } from "./upload-document";

export type CreateEnvelopeFromUpload = z.input<typeof envelopeSettingsSchema> & { file: File };

/** The web's one-step upload: the document and a draft around it with these settings. */
export async function createEnvelopeFromUpload(deps: Deps, actor: Actor, input: CreateEnvelopeFromUpload): Promise<string> {
  const { file, ...settings } = input;
  const document = await uploadDocument(deps, actor, { file });
  return createDraftEnvelope(deps, actor, {
    ...settings,
    envelopeId: envelopeIdForDocument(document.id),
    document: { id: document.id, sha256: document.sha256, pages: document.pages, size: document.size, filename: document.filename },
  });
}
