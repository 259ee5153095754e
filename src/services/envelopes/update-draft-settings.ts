import type { z } from "zod";
import type { EnvelopeState } from "../../domain/envelope";
import { envelopeSettingsSchema } from "../../domain/envelope-input";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { validated } from "../validate";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export type UpdateDraftSettings = z.input<typeof envelopeSettingsSchema> & { envelopeId: string };

/** Title, message, signing order, time zone and reminders of a draft. */
export async function updateDraftSettings(deps: Deps, actor: Actor, input: UpdateDraftSettings): Promise<EnvelopeState> {
  const { envelopeId, ...raw } = input;
  await getEnvelope(deps, actor, { envelopeId });
  const settings = validated(envelopeSettingsSchema, raw);
  return command(deps.envelopeObject(envelopeId).updateDraft(settings, senderActor(actor)));
}
