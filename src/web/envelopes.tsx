/** The sender's envelope pages: list, new (upload), the builder, and every lifecycle action. */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { randomToken } from "../domain/encoding";
import { DomainError, pdfRefusalMessages } from "../domain/errors";
import { DAY_MS, expiryDays } from "../domain/limits";
import { cancelInputSchema, type EnvelopeState } from "../domain/envelope";
import { dateIn, emailSchema, envelopeSettingsSchema, recipientInputSchema, sendInputSchema } from "../domain/envelope-input";
import { formatDateTime, type MessageKey } from "../i18n";
import { addRecipient } from "../services/envelopes/add-recipient";
import { cancelEnvelope } from "../services/envelopes/cancel-envelope";
import { correctRecipientEmail } from "../services/envelopes/correct-recipient-email";
import { createEnvelopeFromUpload } from "../services/envelopes/create-envelope-from-upload";
import { deleteDraft } from "../services/envelopes/delete-draft";
import { downloadEnvelopeDocument } from "../services/envelopes/download-envelope-document";
import { downloadEvidence } from "../services/envelopes/download-evidence";
import { envelopeEvents, getEnvelope } from "../services/envelopes/get-envelope";
import { moveRecipient } from "../services/envelopes/move-recipient";
import { remindSigners } from "../services/envelopes/remind-signers";
import { removeRecipient } from "../services/envelopes/remove-recipient";
import { resendInvitation } from "../services/envelopes/resend-invitation";
import { sendEnvelope } from "../services/envelopes/send-envelope";
import { updateDraftSettings } from "../services/envelopes/update-draft-settings";
import { evidenceFilename, serialiseEvidenceBundle } from "../domain/evidence";
import { withIdempotency } from "../services/idempotency";
import { deliveryPanel } from "../services/envelope-deliveries";
import { DeleteDraftPage, EnvelopePage, NewEnvelopePage, type EnvelopePageProps } from "../../templates/pages/envelopes";
import { EnvelopeListPage } from "../../templates/pages/envelope-list";
import { EnvelopeDeletedPage, PurgeEnvelopePage } from "../../templates/pages/retention";
import { deletionDate, isEnded } from "../domain/retention";
import { deleteEnvelopeNow, purgeRecord } from "../services/retention";
import { envelopeVisibleTo, listEnvelopes } from "../services/envelope-list";
import { listQuerySchema } from "../domain/envelope-list";
import type { FieldErrors } from "../../templates/view";
import type { AppEnv } from "./context";
import { fieldErrors, stringFields, view } from "./helpers";
import { pdfResponse } from "./pdf-response";
import { requireUser } from "./middleware/session";

/**
 * A deleted envelope's pages and downloads answer 410 with when and why it was deleted,
 * instead of a bare "not found". Only the owner's organisation ever sees it (the record is
 * looked up by organisation), and only after the route itself answered 404.
 */
async function goneWhenDeleted(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  await next();
  if (c.res.status !== 404 || c.req.method !== "GET") return;
  const id = /^\/envelopes\/(env_[A-Za-z0-9_-]{10,40})(?:\/|$)/.exec(c.req.path)?.[1];
  const user = c.get("user");
  if (!id || !user) return;
  const { db } = c.get("deps");
  const record = await purgeRecord(db, user.orgId, id);
  if (!record) return;
  // Only someone who could see the envelope learns that it was deleted: for anyone else it stays "not found".
  if (!(await envelopeVisibleTo(db, user, id))) return;
  const policy = c.get("deps").config.retention;
  c.res = undefined;
  c.res = await c.html(
    <EnvelopeDeletedPage view={view(c)} deleted={{ reason: record.reason, outcome: record.outcome, startedAt: record.startedAt, completedDays: policy.completedDays, endedDays: policy.endedDays }} />,
    410,
  );
}

export const envelopeRoutes = new Hono<AppEnv>();
envelopeRoutes.use("*", requireUser());
envelopeRoutes.use("*", goneWhenDeleted);

/** The signed-in sender: requireUser() above lets no one else through. */
const sender = (c: Context<AppEnv>) => c.get("user")!;

const idParam = z.string().regex(/^env_[A-Za-z0-9_-]{10,40}$/);

function envelopeId(c: Context<AppEnv>): string {
  const parsed = idParam.safeParse(c.req.param("id"));
  if (!parsed.success) throw new DomainError("not_found", "No such envelope");
  return parsed.data;
}


envelopeRoutes.get("/", async (c) => {
  // Never fails on its query: unknown values fall back to the defaults (see listQuerySchema).
  const query = listQuerySchema.parse({ status: c.req.query("status"), q: c.req.query("q"), page: c.req.query("page") });
  const retentionDays = Number(c.env.RETENTION_DAYS) || 90;
  const list = await listEnvelopes(c.get("deps").db, sender(c), query, { retentionDays });
  return c.html(<EnvelopeListPage view={view(c)} list={list} now={new Date()} />);
});

envelopeRoutes.get("/new", (c) => c.html(<NewEnvelopePage view={view(c)} idempotencyKey={randomToken()} />));

envelopeRoutes.post("/", async (c) => {
  const user = sender(c);
  const deps = c.get("deps");
  const body = await c.req.parseBody();
  const values = stringFields(body);
  const parsed = envelopeSettingsSchema.safeParse(values);
  const errors: FieldErrors = parsed.success ? {} : fieldErrors(parsed.error);
  const file = body.file instanceof File && body.file.size > 0 ? body.file : null;
  if (!file) errors.file = "new.error.file";
  const idempotencyKey = typeof body.idempotency_key === "string" && body.idempotency_key.length >= 16 ? body.idempotency_key : randomToken();
  const again = (e: FieldErrors, status: 409 | 413 | 422 | 503) =>
    c.html(<NewEnvelopePage view={view(c)} values={values} errors={e} idempotencyKey={randomToken()} />, status);
  if (!parsed.success || !file) return again(errors, 422);

  try {
    // Pressing "Upload" twice on a slow line creates one envelope, not two.
    const { result } = await withIdempotency(deps.db, { orgId: user.orgId, scope: "upload", key: idempotencyKey }, () =>
      createEnvelopeFromUpload(deps, user, { ...parsed.data, file }),
    );
    return c.redirect(result ? `/envelopes/${result}` : "/envelopes", 303);
  } catch (error) {
    if (error instanceof DomainError && pdfRefusalMessages[error.code]) {
      return again({ file: pdfRefusalMessages[error.code] }, error.code === "pdf_too_large" ? 413 : error.code === "pdf_unavailable" ? 503 : 422);
    }
    throw error;
  }
});

/** What the envelope page shows besides the envelope: a form's kept answers and errors, a notice, a refusal. */
type PageExtras = Omit<EnvelopePageProps, "view" | "state" | "events" | "retentionUntil" | "defaultExpiresOn" | "deliveries">;

async function renderEnvelope(c: Context<AppEnv>, state: EnvelopeState, extra: PageExtras = {}, status: 200 | 409 | 422 = 200) {
  const events = await envelopeEvents(c.get("deps"), state);
  const retentionUntil = deletionDate(state.status, state.endedAt, c.get("deps").config.retention);
  const defaultExpiresOn = dateIn(new Date(Date.now() + expiryDays.default * DAY_MS), state.timeZone);
  const deliveries = state.status === "draft" ? undefined : await deliveryPanel(c.env, state);
  return c.html(
    <EnvelopePage view={view(c)} state={state} events={events} retentionUntil={retentionUntil} defaultExpiresOn={defaultExpiresOn} deliveries={deliveries} {...extra} />,
    status,
  );
}

/** Refusal reasons the page explains in the sender's language; anything else gets a general message. */
const refusalKeys: Record<string, MessageKey> = {
  not_draft: "builder.refused.not_draft",
  not_sent: "builder.refused.not_sent",
  finalising: "builder.refused.finalising",
  remind_too_soon: "builder.refused.remind_too_soon",
  resend_too_soon: "builder.refused.resend_too_soon",
  not_their_turn: "builder.refused.not_their_turn",
  already_done: "builder.refused.already_done",
  already_opened: "builder.refused.already_opened",
  not_signer: "builder.refused.not_signer",
  not_cancellable: "builder.refused.not_cancellable",
  not_ended: "retention.refused.not_ended",
};

/**
 * Runs a sender action. A refusal by the state machine (wrong state, too soon) shows the
 * envelope page again with the reason, as 409; nothing has changed.
 */
async function act(c: Context<AppEnv>, id: string, action: () => Promise<unknown>, done: string): Promise<Response> {
  try {
    await action();
  } catch (error) {
    if (error instanceof DomainError && error.code === "invalid_transition") return refused(c, id, error);
    throw error;
  }
  return c.redirect(done, 303);
}

async function refused(c: Context<AppEnv>, id: string, error: DomainError): Promise<Response> {
  const state = await getEnvelope(c.get("deps"), sender(c), { envelopeId: id });
  const reason = typeof error.details?.reason === "string" ? error.details.reason : "";
  const retryAt = typeof error.details?.retryAt === "string" ? error.details.retryAt : null;
  const time = retryAt ? formatDateTime(c.get("locale"), retryAt, state.timeZone) : "";
  return renderEnvelope(c, state, { refusal: c.get("t")(refusalKeys[reason] ?? "builder.refused.generic", { time }) }, 409);
}

/** The envelope this sender owns, or a 404 that looks like any unknown id. Checked before reading any answer. */
async function owned(c: Context<AppEnv>): Promise<{ id: string; state: EnvelopeState }> {
  const id = envelopeId(c);
  return { id, state: await getEnvelope(c.get("deps"), sender(c), { envelopeId: id }) };
}

function recipientParam(c: Context<AppEnv>, state: EnvelopeState) {
  const rid = c.req.param("rid");
  const recipient = state.recipients.find((r) => r.id === rid);
  if (!recipient) throw new DomainError("not_found", "No such recipient");
  return recipient;
}

const notices = {
  sent: "envelope.sent.notice",
  saved: "builder.settings.saved",
  reminded: "builder.remind.done",
  resent: "builder.resend.done",
  corrected: "builder.correct.done",
} as const satisfies Record<string, MessageKey>;

envelopeRoutes.get("/:id", async (c) => {
  const { state } = await owned(c);
  // After an action the page says what happened (a redirect's query, so a reload shows the same page).
  const done = c.req.query("done") ?? "";
  const notice = done in notices && (done !== "sent" || state.status === "sent") ? c.get("t")(notices[done as keyof typeof notices]) : undefined;
  return renderEnvelope(c, state, notice ? { notice } : {});
});

envelopeRoutes.post("/:id/settings", async (c) => {
  const { id, state } = await owned(c);
  const values = stringFields(await c.req.parseBody());
  const parsed = envelopeSettingsSchema.safeParse(values);
  if (!parsed.success) return renderEnvelope(c, state, { settings: { values, errors: fieldErrors(parsed.error) } }, 422);
  return act(c, id, () => updateDraftSettings(c.get("deps"), sender(c), { envelopeId: id, ...parsed.data }), `/envelopes/${id}?done=saved`);
});

envelopeRoutes.post("/:id/recipients", async (c) => {
  const { id, state } = await owned(c);
  const values = stringFields(await c.req.parseBody());
  const parsed = recipientInputSchema.safeParse(values);
  if (!parsed.success) return renderEnvelope(c, state, { add: { values, errors: fieldErrors(parsed.error) } }, 422);
  try {
    await addRecipient(c.get("deps"), sender(c), { envelopeId: id, recipient: parsed.data });
  } catch (error) {
    if (error instanceof DomainError && error.code === "validation_failed") {
      const errors: FieldErrors =
        error.details?.reason === "too_many_recipients"
          ? { email: "envelope.add.error.tooMany" }
          : error.details?.reason === "phone_required"
            ? { phone: "builder.error.phoneRequired" }
            : { email: "envelope.add.error.duplicate" };
      return renderEnvelope(c, await getEnvelope(c.get("deps"), sender(c), { envelopeId: id }), { add: { values, errors } }, 422);
    }
    if (error instanceof DomainError && error.code === "invalid_transition") return refused(c, id, error);
    throw error;
  }
  return c.redirect(`/envelopes/${id}#add-heading`, 303);
});

envelopeRoutes.post("/:id/recipients/:rid/remove", async (c) => {
  const { id, state } = await owned(c);
  const recipient = recipientParam(c, state);
  return act(c, id, () => removeRecipient(c.get("deps"), sender(c), { envelopeId: id, recipientId: recipient.id }), `/envelopes/${id}#recipients-heading`);
});

envelopeRoutes.post("/:id/recipients/:rid/move", async (c) => {
  const { id, state } = await owned(c);
  const recipient = recipientParam(c, state);
  const direction = z.enum(["up", "down"]).safeParse((await c.req.parseBody()).direction);
  if (!direction.success) throw new DomainError("bad_request", "Move up or down");
  return act(c, id, () => moveRecipient(c.get("deps"), sender(c), { envelopeId: id, recipientId: recipient.id, direction: direction.data }), `/envelopes/${id}#recipients-heading`);
});

envelopeRoutes.post("/:id/send", async (c) => {
  const { id, state } = await owned(c);
  const values = stringFields(await c.req.parseBody());
  const parsed = sendInputSchema(new Date()).safeParse({ expiresOn: values.expiresOn, timeZone: state.timeZone });
  if (!parsed.success) return renderEnvelope(c, state, { send: { values, errors: fieldErrors(parsed.error) } }, 422);
  try {
    await sendEnvelope(c.get("deps"), sender(c), { envelopeId: id, expiresOn: parsed.data.expiresOn, timeZone: state.timeZone });
  } catch (error) {
    // Only copy recipients so far: nobody would sign.
    if (error instanceof DomainError && error.details?.reason === "no_signers") {
      return renderEnvelope(c, state, { refusal: c.get("t")("builder.error.noSigners") }, 422);
    }
    if (error instanceof DomainError && error.code === "invalid_transition") return refused(c, id, error);
    throw error;
  }
  return c.redirect(`/envelopes/${id}?done=sent`, 303);
});

envelopeRoutes.post("/:id/remind", async (c) => {
  const { id } = await owned(c);
  return act(c, id, () => remindSigners(c.get("deps"), sender(c), { envelopeId: id }), `/envelopes/${id}?done=reminded`);
});

envelopeRoutes.post("/:id/recipients/:rid/resend", async (c) => {
  const { id, state } = await owned(c);
  const recipient = recipientParam(c, state);
  return act(c, id, () => resendInvitation(c.get("deps"), sender(c), { envelopeId: id, recipientId: recipient.id }), `/envelopes/${id}?done=resent`);
});

envelopeRoutes.post("/:id/recipients/:rid/email", async (c) => {
  const { id, state } = await owned(c);
  const recipient = recipientParam(c, state);
  const values = stringFields(await c.req.parseBody());
  const email = values.email ?? "";
  const again = (key: MessageKey, status: 422) => renderEnvelope(c, state, { correct: { recipientId: recipient.id, value: email, error: key } }, status);
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return again("envelope.add.error.email", 422);
  try {
    await correctRecipientEmail(c.get("deps"), sender(c), { envelopeId: id, recipientId: recipient.id, email: parsed.data });
  } catch (error) {
    if (error instanceof DomainError && error.code === "validation_failed") {
      return again(error.details?.reason === "same_email" ? "builder.error.sameEmail" : "envelope.add.error.duplicate", 422);
    }
    if (error instanceof DomainError && error.code === "invalid_transition") return refused(c, id, error);
    throw error;
  }
  return c.redirect(`/envelopes/${id}?done=corrected`, 303);
});

envelopeRoutes.post("/:id/cancel", async (c) => {
  const { id, state } = await owned(c);
  const values = stringFields(await c.req.parseBody());
  const parsed = cancelInputSchema.safeParse(values);
  if (!parsed.success) return renderEnvelope(c, state, { cancel: { values, errors: fieldErrors(parsed.error) } }, 422);
  return act(c, id, () => cancelEnvelope(c.get("deps"), sender(c), { envelopeId: id, reason: parsed.data.reason }), `/envelopes/${id}`);
});

/** Deleting asks first: a page with one button, so it works without JavaScript. */
envelopeRoutes.get("/:id/delete", async (c) => {
  const { id, state } = await owned(c);
  if (state.status !== "draft") return refused(c, id, new DomainError("invalid_transition", "Only a draft can be deleted", { reason: "not_draft" }));
  return c.html(<DeleteDraftPage view={view(c)} state={state} />);
});

envelopeRoutes.post("/:id/delete", async (c) => {
  const { id } = await owned(c);
  return act(c, id, () => deleteDraft(c.get("deps"), sender(c), { envelopeId: id }), "/envelopes");
});

/** "Delete now" for an ended envelope asks first, like deleting a draft; the deletion is retention's. */
envelopeRoutes.get("/:id/purge", async (c) => {
  const { id, state } = await owned(c);
  if (!isEnded(state.status)) return refused(c, id, new DomainError("invalid_transition", "Only an ended envelope can be deleted", { reason: "not_ended" }));
  return c.html(<PurgeEnvelopePage view={view(c)} state={state} />);
});

envelopeRoutes.post("/:id/purge", async (c) => {
  const id = envelopeId(c);
  return act(c, id, () => deleteEnvelopeNow(c.env, c.get("deps").db, sender(c), id), `/envelopes/${id}`);
});

envelopeRoutes.get("/:id/original.pdf", async (c) => {
  const doc = await downloadEnvelopeDocument(c.get("deps"), sender(c), { envelopeId: envelopeId(c), file: "original" });
  return pdfResponse(doc, "attachment");
});

envelopeRoutes.get("/:id/evidence.json", async (c) => {
  const id = envelopeId(c);
  const bundle = await downloadEvidence(c.get("deps"), sender(c), { envelopeId: id });
  return c.body(new Uint8Array(serialiseEvidenceBundle(bundle)), 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Disposition": `attachment; filename="${evidenceFilename(id)}"`,
    "Cache-Control": "private, no-store",
  });
});

envelopeRoutes.get("/:id/signed.pdf", async (c) => {
  const doc = await downloadEnvelopeDocument(c.get("deps"), sender(c), { envelopeId: envelopeId(c), file: "signed" });
  return pdfResponse(doc, "attachment");
});
