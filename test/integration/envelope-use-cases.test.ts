/**
 * The envelope use cases called directly, as web/ and api/ call them: with a Deps built
 * from the test pool's real bindings, an actor and one input object.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionUser } from "../../src/services/accounts";
import { depsFor } from "../../src/services/deps";
import { cancelEnvelope } from "../../src/services/envelopes/cancel-envelope";
import { getEnvelope } from "../../src/services/envelopes/get-envelope";
import { createEnvelope, newSender } from "../support/flows";
import { userIdOf } from "../support/organisations";

async function senderWithDraft(): Promise<{ actor: SessionUser; envelopeId: string }> {
  const { client, email } = await newSender("Use Case Sender");
  const { id } = await createEnvelope(client);
  const orgId = (await env.DB.prepare("SELECT personal_org_id AS org FROM users WHERE email = ?").bind(email).first<{ org: string }>())!.org;
  const actor: SessionUser = { id: await userIdOf(email), name: "Use Case Sender", email, orgId, role: "owner", sessionId: "ses_usecase", locale: "en", emailVerified: true };
  return { actor, envelopeId: id };
}

describe("cancelEnvelope called with Deps", () => {
  it("refuses a blank reason with the field, then cancels and records the entry with the request's client", async () => {
    const { actor, envelopeId } = await senderWithDraft();
    const deps = depsFor(env, { client: { ip: "203.0.113.77", userAgent: "UseCaseTest/1.0" } });

    await expect(cancelEnvelope(deps, actor, { envelopeId, reason: "   " })).rejects.toMatchObject({ code: "validation_failed", details: { field: "reason" } });
    expect((await getEnvelope(deps, actor, { envelopeId })).status).toBe("draft");

    const state = await cancelEnvelope(deps, actor, { envelopeId, reason: "Wrong document" });
    expect(state.status).toBe("cancelled");
    const entry = await env.DB.prepare("SELECT actor_id, target_type, target_id, ip, user_agent FROM audit_log WHERE org_id = ? AND action = 'envelope.cancelled'")
      .bind(actor.orgId)
      .first();
    expect(entry).toEqual({ actor_id: actor.id, target_type: "envelope", target_id: envelopeId, ip: "203.0.113.77", user_agent: "UseCaseTest/1.0" });
  });

  it("answers not found to a sender of another organisation, and changes nothing", async () => {
    const { actor, envelopeId } = await senderWithDraft();
    const deps = depsFor(env);
    const stranger: SessionUser = { ...actor, id: "usr_stranger0000", orgId: "org_stranger0000" };
    await expect(cancelEnvelope(deps, stranger, { envelopeId, reason: "Not mine" })).rejects.toMatchObject({ code: "not_found" });
    expect((await getEnvelope(deps, actor, { envelopeId })).status).toBe("draft");
  });
});
