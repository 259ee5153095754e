/**
 * /api/v1/envelopes: create, list, read, send, cancel, remind, and the signed PDF and
 * evidence once completed. Inputs are validated by the schemas the web forms use; the
 * lifecycle is decided by the envelope's Durable Object, whose refusals (409) and
 * "not found" (404, also for another tenant's id) reach the client as problem+json.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { clientInfoFrom } from "../domain/client-info";
import { cancelInputSchema } from "../domain/envelope";
import { envelopeCreateSchema, sendInputSchema } from "../domain/envelope-input";
import { DomainError } from "../domain/errors";
import { evidenceFilename, serialiseEvidenceBundle } from "../domain/evidence";
import { cancelEnvelope, createEnvelope, envelopeForSender, remindSigners, sendEnvelope, senderDocument, senderEvidence } from "../services/envelopes";
import { listEnvelopePage } from "../services/envelope-pages";
import { database } from "../storage/db";
import { audit, auditNewEnvelope, downloaded } from "../services/audit";
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

/** IP and browser of the API client, recorded as evidence of who sent or cancelled. */
const clientOf = (c: Context<ApiEnv>) => clientInfoFrom((name) => c.req.header(name));

const deps = (c: Context<ApiEnv>) => ({ env: c.env, db: database(c.env.DB), user: c.get("principal").user });

async function envelopeJson(c: Context<ApiEnv>, id: string, status: 200 | 201 = 200, headers: Record<string, string> = {}) {
  const { env, db, user } = deps(c);
  return c.json(envelopeView(await envelopeForSender(env, db, user, id)), status, headers);
}

/** Every POST: its body read within the JSON limit, then the idempotency check. */
const post = [readBody(JSON_MAX_BYTES), idempotency()] as const;

envelopeApiRoutes.post("/", ...post, async (c) => {
  const input = jsonBody(c, envelopeCreateSchema);
  if (!input.ok) return input.response;
  const { env, db, user } = deps(c);
  const id = await createEnvelope(env, db, user, input.data);
  await auditNewEnvelope(db, user, { envelopeId: id }, clientOf(c));
  return envelopeJson(c, id, 201, { Location: `/api/v1/envelopes/${id}` });
});

envelopeApiRoutes.get("/", async (c) => {
  const query = envelopeListQuerySchema.safeParse(c.req.query());
  if (!query.success) return validationProblem(c, query.error, 400);
  const page = await listEnvelopePage(database(c.env.DB), c.get("principal").user, query.data);
  const data: ApiEnvelopeSummary[] = page.items;
  return c.json({ data, nextCursor: page.nextCursor });
});

envelopeApiRoutes.get("/:id", (c) => envelopeJson(c, envelopeId(c)));

envelopeApiRoutes.post("/:id/send", ...post, async (c) => {
  const id = envelopeId(c);
  const { env, db, user } = deps(c);
  const state = await envelopeForSender(env, db, user, id);
  // The expiry date is read in the envelope's own time zone unless the client names another.
  const input = jsonBody(c, sendInputSchema(new Date()), { emptyAllowed: true, defaults: { timeZone: state.timeZone } });
  if (!input.ok) return input.response;
  await sendEnvelope(env, db, user, id, { expiresAt: input.data.expiresAt }, clientOf(c));
  return envelopeJson(c, id);
});

envelopeApiRoutes.post("/:id/cancel", ...post, async (c) => {
  const id = envelopeId(c);
  const input = jsonBody(c, cancelInputSchema);
  if (!input.ok) return input.response;
  const { env, db, user } = deps(c);
  await cancelEnvelope(env, db, user, id, input.data.reason, clientOf(c));
  return envelopeJson(c, id);
});

envelopeApiRoutes.post("/:id/remind", ...post, async (c) => {
  const id = envelopeId(c);
  const { env, db, user } = deps(c);
  await remindSigners(env, db, user, id, clientOf(c));
  return envelopeJson(c, id);
});

envelopeApiRoutes.get("/:id/signed.pdf", async (c) => {
  const id = envelopeId(c);
  const { env, db, user } = deps(c);
  const state = await envelopeForSender(env, db, user, id);
  if (state.status !== "completed") {
    return problem(c, 409, "not_completed", `The envelope is ${state.status}; the signed PDF exists once everyone has signed`, { envelopeStatus: state.status });
  }
  if (!state.signedDocument) {
    return problem(c, 409, "not_ready", "Everyone has signed; the signed PDF is being prepared. Try again in a few seconds", {}, { "Retry-After": "5" });
  }
  const signed = await senderDocument(env, db, user, id, "signed");
  await audit(db, downloaded(user, id, "signed", clientOf(c)));
  return pdfResponse(signed, "attachment");
});

envelopeApiRoutes.get("/:id/evidence.json", async (c) => {
  const id = envelopeId(c);
  const { env, db, user } = deps(c);
  const bundle = await senderEvidence(env, db, user, id);
  await audit(db, downloaded(user, id, "evidence", clientOf(c)));
  return c.body(new Uint8Array(serialiseEvidenceBundle(bundle)), 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Disposition": `attachment; filename="${evidenceFilename(id)}"`,
    "Cache-Control": "private, no-store",
  });
});
