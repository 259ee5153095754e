/** The sender's envelope pages: list, new (upload), detail, signers, send, cancel, downloads. */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { randomToken } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import { DAY_MS } from "../domain/limits";
import type { EnvelopeState } from "../domain/envelope";
import {
  addRecipientSchema,
  addSigner,
  cancelEnvelope,
  createEnvelopeFromUpload,
  envelopeEvents,
  envelopeForSender,
  newEnvelopeSchema,
  removeSigner,
  sendEnvelope,
  sendSchema,
  senderDocument,
  senderEvidence,
} from "../services/envelopes";
import { evidenceFilename, serialiseEvidenceBundle } from "../domain/evidence";
import { database } from "../storage/db";
import { withIdempotency } from "../storage/idempotency";
import { EnvelopePage, NewEnvelopePage } from "../../templates/pages/envelopes";
import { EnvelopeListPage } from "../../templates/pages/envelope-list";
import { listEnvelopes } from "../services/envelope-list";
import type { FieldErrors, Values } from "../../templates/view";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, stringFields, view } from "./helpers";
import { pdfResponse } from "./pdf-response";
import { requireUser } from "./middleware/session";

export const envelopeRoutes = new Hono<AppEnv>();
envelopeRoutes.use("*", requireUser());

const idParam = z.string().regex(/^env_[A-Za-z0-9_-]{10,40}$/);

function envelopeId(c: Context<AppEnv>): string {
  const parsed = idParam.safeParse(c.req.param("id"));
  if (!parsed.success) throw new DomainError("not_found", "No such envelope");
  return parsed.data;
}

const pdfErrorKeys: Partial<Record<string, FieldErrors["file"]>> = {
  not_pdf: "pdf.notPdf",
  invalid_pdf: "pdf.damaged",
  pdf_encrypted: "pdf.encrypted",
  pdf_too_large: "pdf.tooLarge",
  pdf_too_many_pages: "pdf.tooManyPages",
};

envelopeRoutes.get("/", async (c) => {
  const items = await listEnvelopes(database(c.env.DB), c.get("user")!);
  return c.html(<EnvelopeListPage view={view(c)} items={items} />);
});

envelopeRoutes.get("/new", (c) => c.html(<NewEnvelopePage view={view(c)} idempotencyKey={randomToken()} />));

envelopeRoutes.post("/", async (c) => {
  const user = c.get("user")!;
  const db = database(c.env.DB);
  const body = await c.req.parseBody();
  const values = stringFields(body);
  const parsed = newEnvelopeSchema.safeParse(values);
  const errors: FieldErrors = parsed.success ? {} : fieldErrors(parsed.error);
  const file = body.file instanceof File && body.file.size > 0 ? body.file : null;
  if (!file) errors.file = "new.error.file";
  const idempotencyKey = typeof body.idempotency_key === "string" && body.idempotency_key.length >= 16 ? body.idempotency_key : randomToken();
  const again = (e: FieldErrors, status: 409 | 413 | 422) =>
    c.html(<NewEnvelopePage view={view(c)} values={values} errors={e} idempotencyKey={randomToken()} />, status);
  if (!parsed.success || !file) return again(errors, 422);

  try {
    // Pressing "Upload" twice on a slow line creates one envelope, not two.
    const { result } = await withIdempotency(db, { orgId: user.orgId, scope: "upload", key: idempotencyKey }, () =>
      createEnvelopeFromUpload(c.env, db, user, { ...parsed.data, file }),
    );
    return c.redirect(result ? `/envelopes/${result}` : "/envelopes", 303);
  } catch (error) {
    if (error instanceof DomainError && pdfErrorKeys[error.code]) {
      return again({ file: pdfErrorKeys[error.code] }, error.code === "pdf_too_large" ? 413 : 422);
    }
    throw error;
  }
});

async function renderEnvelope(
  c: Context<AppEnv>,
  state: EnvelopeState,
  extra: { addValues?: Values; addErrors?: FieldErrors; sendValues?: Values; sendErrors?: FieldErrors; notice?: string } = {},
  status: 200 | 409 | 422 = 200,
) {
  const events = await envelopeEvents(c.env, state.id);
  const days = Number(c.env.RETENTION_DAYS) || 90;
  const retentionUntil = state.status === "completed" && state.endedAt ? new Date(Date.parse(state.endedAt) + days * DAY_MS).toISOString() : null;
  return c.html(<EnvelopePage view={view(c)} state={state} events={events} retentionUntil={retentionUntil} {...extra} />, status);
}

envelopeRoutes.get("/:id", async (c) => {
  const state = await envelopeForSender(c.env, database(c.env.DB), c.get("user")!, envelopeId(c));
  const notice = c.req.query("sent") === "1" && state.status === "sent" ? c.get("t")("envelope.sent.notice") : undefined;
  return renderEnvelope(c, state, notice ? { notice } : {});
});

envelopeRoutes.post("/:id/recipients", async (c) => {
  const db = database(c.env.DB);
  const user = c.get("user")!;
  const id = envelopeId(c);
  const values = stringFields(await c.req.parseBody());
  const parsed = addRecipientSchema.safeParse(values);
  if (!parsed.success) {
    return renderEnvelope(c, await envelopeForSender(c.env, db, user, id), { addValues: values, addErrors: fieldErrors(parsed.error) }, 422);
  }
  try {
    await addSigner(c.env, db, user, id, parsed.data);
  } catch (error) {
    if (error instanceof DomainError && error.code === "validation_failed") {
      const key = error.details?.reason === "too_many_recipients" ? "envelope.add.error.tooMany" : "envelope.add.error.duplicate";
      return renderEnvelope(c, await envelopeForSender(c.env, db, user, id), { addValues: values, addErrors: { email: key } }, 422);
    }
    throw error;
  }
  return c.redirect(`/envelopes/${id}#add-heading`, 303);
});

envelopeRoutes.post("/:id/recipients/:rid/remove", async (c) => {
  const id = envelopeId(c);
  await removeSigner(c.env, database(c.env.DB), c.get("user")!, id, c.req.param("rid"));
  return c.redirect(`/envelopes/${id}`, 303);
});

envelopeRoutes.post("/:id/send", async (c) => {
  const db = database(c.env.DB);
  const user = c.get("user")!;
  const id = envelopeId(c);
  const values = stringFields(await c.req.parseBody());
  const parsed = sendSchema.safeParse(values);
  if (!parsed.success) {
    return renderEnvelope(c, await envelopeForSender(c.env, db, user, id), { sendValues: values, sendErrors: fieldErrors(parsed.error) }, 422);
  }
  await sendEnvelope(c.env, db, user, id, parsed.data.expiryDays, clientInfo(c));
  return c.redirect(`/envelopes/${id}?sent=1`, 303);
});

envelopeRoutes.post("/:id/cancel", async (c) => {
  const id = envelopeId(c);
  const body = await c.req.parseBody();
  const reason = typeof body.reason === "string" ? body.reason.trim().slice(0, 500) : "";
  await cancelEnvelope(c.env, database(c.env.DB), c.get("user")!, id, reason, clientInfo(c));
  return c.redirect(`/envelopes/${id}`, 303);
});

envelopeRoutes.get("/:id/original.pdf", async (c) => {
  const doc = await senderDocument(c.env, database(c.env.DB), c.get("user")!, envelopeId(c), "original");
  return pdfResponse(doc, "attachment");
});

envelopeRoutes.get("/:id/evidence.json", async (c) => {
  const id = envelopeId(c);
  const bundle = await senderEvidence(c.env, database(c.env.DB), c.get("user")!, id);
  return c.body(new Uint8Array(serialiseEvidenceBundle(bundle)), 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Disposition": `attachment; filename="${evidenceFilename(id)}"`,
    "Cache-Control": "private, no-store",
  });
});

envelopeRoutes.get("/:id/signed.pdf", async (c) => {
  const doc = await senderDocument(c.env, database(c.env.DB), c.get("user")!, envelopeId(c), "signed");
  return pdfResponse(doc, "attachment");
});
