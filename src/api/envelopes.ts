/**
 * /api/v1/envelopes: create, list, read, send, cancel, remind, and the signed PDF and
 * evidence once completed. Inputs are validated by the schemas the web forms use; the
 * lifecycle is decided by the envelope's Durable Object, whose refusals (409) and
 * "not found" (404, also for another tenant's id) reach the client as problem+json.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { cancelInputSchema } from "../domain/envelope";
import { envelopeCreateSchema, sendInputSchema } from "../domain/envelope-input";
import { DomainError } from "../domain/errors";
import { evidenceFilename, serialiseEvidenceBundle } from "../domain/evidence";
import { listEnvelopePage } from "../services/envelope-pages";
import { cancelEnvelope } from "../services/envelopes/cancel-envelope";
import { createEnvelope } from "../services/envelopes/create-envelope";
import { downloadEnvelopeDocument } from "../services/envelopes/download-envelope-document";
import { downloadEvidence } from "../services/envelopes/download-evidence";
import { getEnvelope } from "../services/envelopes/get-envelope";
import { remindSigners } from "../services/envelopes/remind-signers";
import { sendEnvelope } from "../services/envelopes/send-envelope";
import { pdfResponse } from "../web/pdf-response";
import { JSON_MAX_BYTES, jsonBody, readBody, validationProblem } from "./body";
import type { ApiEnv } from "./context";
import { idempotency } from "./idempotency";
import { problem } from "./problem";
import { envelopeListQuerySchema, envelopeView, type ApiEnvelopeSummary } from "./schemas";

export const envelopeApiRoutes = new Hono<ApiEnv>();

const envelopeIdSchema = z.string().regex(/^env_[A-Za-z0-9_-]{10,40}$/);

function envelopeId(c: Context<ApiEnv>): string {
  const parsed = envelopeIdSchema.safeParse(c.req.param("id"));
  if (!parsed.success) throw new DomainError("not_found", "No such envelope");
  return parsed.data;
}

/** The use cases' dependencies and the key's user, the one who acts. */
const using = (c: Context<ApiEnv>) => ({ deps: c.get("deps"), user: c.get("principal").user });

async function envelopeJson(c: Context<ApiEnv>, envelopeId: string, status: 200 | 201 = 200, headers: Record<string, string> = {}) {
  const { deps, user } = using(c);
  return c.json(envelopeView(await getEnvelope(deps, user, { envelopeId })), status, headers);
}

/** Every POST: its body read within the JSON limit, then the idempotency check. */
const post = [readBody(JSON_MAX_BYTES), idempotency()] as const;

envelopeApiRoutes.post("/", ...post, async (c) => {
  const input = jsonBody(c, envelopeCreateSchema);
  if (!input.ok) return input.response;
  const { deps, user } = using(c);
  const id = await createEnvelope(deps, user, input.data);
  return envelopeJson(c, id, 201, { Location: `/api/v1/envelopes/${id}` });
});

envelopeApiRoutes.get("/", async (c) => {
  const query = envelopeListQuerySchema.safeParse(c.req.query());
  if (!query.success) return validationProblem(c, query.error, 400);
  const page = await listEnvelopePage(c.get("deps").db, c.get("principal").user, query.data);
  const data: ApiEnvelopeSummary[] = page.items;
  return c.json({ data, nextCursor: page.nextCursor });
});

envelopeApiRoutes.get("/:id", (c) => envelopeJson(c, envelopeId(c)));

envelopeApiRoutes.post("/:id/send", ...post, async (c) => {
  const id = envelopeId(c);
  const { deps, user } = using(c);
  const state = await getEnvelope(deps, user, { envelopeId: id });
  // The expiry date is read in the envelope's own time zone unless the client names another.
  const input = jsonBody(c, sendInputSchema(new Date()), { emptyAllowed: true, defaults: { timeZone: state.timeZone } });
  if (!input.ok) return input.response;
  await sendEnvelope(deps, user, { envelopeId: id, expiresOn: input.data.expiresOn, timeZone: input.data.timeZone });
  return envelopeJson(c, id);
});

envelopeApiRoutes.post("/:id/cancel", ...post, async (c) => {
  const id = envelopeId(c);
  const input = jsonBody(c, cancelInputSchema);
  if (!input.ok) return input.response;
  const { deps, user } = using(c);
  await cancelEnvelope(deps, user, { envelopeId: id, reason: input.data.reason });
  return envelopeJson(c, id);
});

envelopeApiRoutes.post("/:id/remind", ...post, async (c) => {
  const id = envelopeId(c);
  const { deps, user } = using(c);
  await remindSigners(deps, user, { envelopeId: id });
  return envelopeJson(c, id);
});

envelopeApiRoutes.get("/:id/signed.pdf", async (c) => {
  const id = envelopeId(c);
  const { deps, user } = using(c);
  const state = await getEnvelope(deps, user, { envelopeId: id });
  if (state.status !== "completed") {
    return problem(c, 409, "not_completed", `The envelope is ${state.status}; the signed PDF exists once everyone has signed`, { envelopeStatus: state.status });
  }
  if (!state.signedDocument) {
    return problem(c, 409, "not_ready", "Everyone has signed; the signed PDF is being prepared. Try again in a few seconds", {}, { "Retry-After": "5" });
  }
  const signed = await downloadEnvelopeDocument(deps, user, { envelopeId: id, file: "signed" });
  return pdfResponse(signed, "attachment");
});

envelopeApiRoutes.get("/:id/evidence.json", async (c) => {
  const id = envelopeId(c);
  const { deps, user } = using(c);
  const bundle = await downloadEvidence(deps, user, { envelopeId: id });
  return c.body(new Uint8Array(serialiseEvidenceBundle(bundle)), 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Disposition": `attachment; filename="${evidenceFilename(id)}"`,
    "Cache-Control": "private, no-store",
  });
});
