/**
 * The signer's journey. GET /s/:token changes nothing: it moves the token into an
 * HttpOnly __Host- cookie and answers 303 to a clean URL, so tokens never appear in
 * later URLs, logs or Referer. "Opened" is recorded on the first real action.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { DomainError } from "../domain/errors";
import { deletionDate, retentionPolicy } from "../domain/retention";
import { needsIdentification, signersDue } from "../domain/envelope";
import { CODE_TTL_MINUTES, maskedDestination } from "../domain/otp";
import type { MessageKey } from "../i18n";
import { database } from "../storage/db";
import { agreementHtmlOf } from "../services/agreements";
import { documentOf } from "../services/documents";
import {
  codeSchema,
  codeStatusOf,
  confirmCodeAsSigner,
  requestCodeAsSigner,
  declineAsSigner,
  declineSchema,
  envelopeOfRecipient,
  resolveLink,
  signAsSigner,
  signerContext,
  signSchema,
  viewDocumentAsSigner,
  type SignerContext,
} from "../services/signing";
import { SignerMessagePage, SigningPage, type IdentifyError, type IdentifyStep } from "../../templates/pages/signing";
import type { FieldErrors, Values } from "../../templates/view";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, rateLimit, stringFields, view } from "./helpers";
import { pdfResponse } from "./pdf-response";

export const signingRoutes = new Hono<AppEnv>();

const SIGNER_COOKIE_PREFIX = "__Host-pactly-sign-";
const SIGNER_COOKIE_MAX_AGE = 4 * 3600;
const recipientId = z.string().regex(/^rcp_[A-Za-z0-9_-]{10,40}$/);

function message(c: Context<AppEnv>, titleKey: MessageKey, bodyKey: MessageKey, status: 200 | 404 | 410 | 409 = 200, downloadHref?: string, state?: SignerContext["state"]) {
  // With the signed copy on offer, say until when: the same retention rule the sweep deletes by.
  const until = state ? deletionDate(state.status, state.endedAt, retentionPolicy(c.env)) : null;
  const retention = until && state ? { until, timeZone: state.timeZone } : undefined;
  return c.html(<SignerMessagePage view={view(c)} titleKey={titleKey} bodyKey={bodyKey} downloadHref={downloadHref} retention={retention} />, status);
}

signingRoutes.get("/s/:token", async (c) => {
  await rateLimit(c, "link", clientInfo(c).ip ?? "unknown", "LINK_LIMITER");
  const token = c.req.param("token");
  const ctx = await resolveLink(c.env, database(c.env.DB), token);
  if (!ctx) return message(c, "sign.invalid.title", "sign.invalid.body", 404);
  setCookie(c, SIGNER_COOKIE_PREFIX + ctx.recipient.id, token, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "Lax",
    maxAge: SIGNER_COOKIE_MAX_AGE,
  });
  // The signer's own language, unless they chose one before.
  const url = `/sign/${ctx.recipient.id}${getCookie(c, "pactly-lang") ? "" : `?lang=${ctx.recipient.locale}`}`;
  return c.redirect(url, 303);
});

/** The signer behind this page's cookie, re-checked against the Envelope object (also used by the eID routes). */
export async function signer(c: Context<AppEnv>): Promise<SignerContext | null> {
  const parsed = recipientId.safeParse(c.req.param("rid"));
  if (!parsed.success) return null;
  const token = getCookie(c, SIGNER_COOKIE_PREFIX + parsed.data);
  if (!token) return null;
  const envelopeId = await envelopeOfRecipient(database(c.env.DB), parsed.data);
  if (!envelopeId) return null;
  const ctx = await signerContext(c.env, envelopeId, parsed.data, token);
  if (!ctx) deleteCookie(c, SIGNER_COOKIE_PREFIX + parsed.data, { path: "/", secure: true });
  return ctx;
}

/** Where a signer stands decides the page: sign, done, declined, cancelled, expired, not yet. */
type PageForm = { values?: Values; errors?: FieldErrors; declineValues?: Values; declineErrors?: FieldErrors; identifyError?: IdentifyError; codeValue?: string };

async function stateful(c: Context<AppEnv>, ctx: SignerContext, form?: PageForm) {
  const { state, recipient } = ctx;
  const base = `/sign/${recipient.id}`;
  if (recipient.status === "signed") {
    return state.status === "completed"
      ? message(c, "sign.done.title", "sign.done.completed", 200, `${base}/signed.pdf`, state)
      : message(c, "sign.done.title", "sign.done.waiting");
  }
  if (recipient.status === "declined") return message(c, "sign.declined.title", "sign.declined.body");
  // Someone who only gets a copy has a link once everyone has signed: it leads to the signed PDF.
  if (recipient.role === "cc") {
    return state.status === "completed"
      ? message(c, "builder.copy.title", "builder.copy.body", 200, `${base}/signed.pdf`, state)
      : message(c, "sign.invalid.title", "sign.invalid.body", 404);
  }
  if (state.status === "cancelled" || state.status === "declined") return message(c, "sign.cancelled.title", "sign.cancelled.body", 410);
  if (state.status === "expired" || (state.expiresAt && state.expiresAt <= new Date().toISOString())) {
    return message(c, "sign.expired.title", "sign.expired.body", 410);
  }
  if (state.status !== "sent") return message(c, "sign.invalid.title", "sign.invalid.body", 404);
  if (!signersDue(state).some((r) => r.id === recipient.id)) return message(c, "sign.notYourTurn.title", "sign.notYourTurn.body");
  const status = form?.errors || form?.declineErrors || form?.identifyError ? 422 : 200;
  // An agreement written in Pactly is also shown as HTML, checked against the hash on the envelope.
  const agreement = await agreementHtmlOf(c.env, database(c.env.DB), state);
  const identify = await identifyStep(c, ctx, form);
  return c.html(<SigningPage view={view(c)} state={state} recipient={recipient} agreement={agreement} identify={identify} {...form} />, status);
}

/** The identification step for a signer whose sender chose a code or eID; none for `email_link`. */
async function identifyStep(c: Context<AppEnv>, ctx: SignerContext, form?: PageForm): Promise<IdentifyStep | undefined> {
  const { recipient } = ctx;
  if (recipient.method === "email_link") return undefined;
  if (!needsIdentification(recipient)) return { kind: "done", method: recipient.method };
  if (recipient.method === "eid") {
    // The only error an eID signer meets here is signing before identifying; the eID flow reports its own.
    const error = form?.identifyError ? { ...form.identifyError, field: "eid-start" as const } : undefined;
    return { kind: "eid", error };
  }
  const channel = recipient.method === "sms_otp" ? "sms" : "email";
  const code = await codeStatusOf(c.env, ctx);
  return {
    kind: "code",
    channel,
    to: maskedDestination(channel, channel === "sms" ? (recipient.phone ?? "") : recipient.email),
    sent: code.sent || form?.identifyError?.field === "code",
    minutes: CODE_TTL_MINUTES,
    error: form?.identifyError,
    value: form?.codeValue,
  };
}

/** A refusal from the code rules as the error the signer sees; null for anything else (then the page shows where they stand). */
function identifyErrorOf(error: unknown, senderName: string): IdentifyError | null {
  if (!(error instanceof DomainError) || error.code !== "invalid_transition") return null;
  const details = error.details ?? {};
  switch (details.reason) {
    case "code_wrong": {
      const left = Number(details.attemptsLeft);
      return { key: left === 1 ? "identify.error.wrongOne" : "identify.error.wrongOther", params: { left }, field: "code" };
    }
    case "code_expired":
      return { key: "identify.error.expired", field: "code" };
    case "code_locked":
      return { key: "identify.error.locked", field: "code" };
    case "code_none":
      return { key: "identify.error.none", field: "send-code" };
    case "code_too_soon":
      return { key: "identify.error.tooSoon", params: { seconds: Number(details.retryAfterSeconds) }, field: "send-code" };
    case "code_limit":
      return { key: "identify.error.limit", params: { sender: senderName }, field: "send-code" };
    case "sms_cap":
      return { key: "identify.error.smsCap", params: { sender: senderName }, field: "send-code" };
    case "identification_required":
      return { key: "identify.error.required", field: "send-code" };
    default:
      return null;
  }
}

signingRoutes.get("/sign/:rid", async (c) => {
  const ctx = await signer(c);
  if (!ctx) return message(c, "sign.session.title", "sign.session.body", 404);
  return stateful(c, ctx);
});

signingRoutes.get("/sign/:rid/document.pdf", async (c) => {
  const ctx = await signer(c);
  if (!ctx) throw new DomainError("not_found", "No signer session");
  const doc = await viewDocumentAsSigner(c.env, database(c.env.DB), ctx, clientInfo(c));
  return pdfResponse(doc, c.req.query("download") ? "attachment" : "inline");
});

signingRoutes.get("/sign/:rid/signed.pdf", async (c) => {
  const ctx = await signer(c);
  if (!ctx || ctx.state.status !== "completed") throw new DomainError("not_found", "Not available");
  return pdfResponse(await documentOf(c.get("deps"), ctx.state, "signed"), "attachment");
});

signingRoutes.post("/sign/:rid/sign", async (c) => {
  const ctx = await signer(c);
  if (!ctx) return message(c, "sign.session.title", "sign.session.body", 404);
  const values = stringFields(await c.req.parseBody());
  const parsed = signSchema.safeParse(values);
  if (!parsed.success) return stateful(c, ctx, { values, errors: fieldErrors(parsed.error) });
  try {
    await signAsSigner(c.env, ctx, parsed.data, clientInfo(c));
  } catch (error) {
    // Not identified yet (a form posted around the identification step): show that step.
    const identifyError = identifyErrorOf(error, ctx.state.sender.name);
    if (identifyError) return stateful(c, ctx, { identifyError });
    // Expired, cancelled or not their turn: show where they stand instead of an error.
    if (error instanceof DomainError && error.code === "invalid_transition") return stateful(c, ctx);
    throw error;
  }
  return c.redirect(`/sign/${ctx.recipient.id}`, 303);
});

signingRoutes.post("/sign/:rid/decline", async (c) => {
  const ctx = await signer(c);
  if (!ctx) return message(c, "sign.session.title", "sign.session.body", 404);
  const values = stringFields(await c.req.parseBody());
  const parsed = declineSchema.safeParse(values);
  if (!parsed.success) return stateful(c, ctx, { declineValues: values, declineErrors: fieldErrors(parsed.error) });
  try {
    await declineAsSigner(c.env, ctx, parsed.data, clientInfo(c));
  } catch (error) {
    if (error instanceof DomainError && error.code === "invalid_transition") return stateful(c, ctx);
    throw error;
  }
  return c.redirect(`/sign/${ctx.recipient.id}`, 303);
});

signingRoutes.post("/sign/:rid/code/send", async (c) => {
  const ctx = await signer(c);
  if (!ctx) return message(c, "sign.session.title", "sign.session.body", 404);
  try {
    await requestCodeAsSigner(c.env, ctx, clientInfo(c));
  } catch (error) {
    const identifyError = identifyErrorOf(error, ctx.state.sender.name);
    if (identifyError) return stateful(c, ctx, { identifyError });
    if (error instanceof DomainError && error.code === "invalid_transition") return stateful(c, ctx);
    throw error;
  }
  return c.redirect(`/sign/${ctx.recipient.id}#code`, 303);
});

signingRoutes.post("/sign/:rid/code/confirm", async (c) => {
  const ctx = await signer(c);
  if (!ctx) return message(c, "sign.session.title", "sign.session.body", 404);
  const values = stringFields(await c.req.parseBody());
  const codeValue = (values.code ?? "").slice(0, 20);
  const parsed = codeSchema.safeParse(values);
  if (!parsed.success) return stateful(c, ctx, { codeValue, identifyError: { key: "identify.error.format", field: "code" } });
  try {
    await confirmCodeAsSigner(c.env, ctx, parsed.data, clientInfo(c));
  } catch (error) {
    const identifyError = identifyErrorOf(error, ctx.state.sender.name);
    if (identifyError) return stateful(c, ctx, { identifyError, codeValue });
    if (error instanceof DomainError && error.code === "invalid_transition") return stateful(c, ctx);
    throw error;
  }
  return c.redirect(`/sign/${ctx.recipient.id}`, 303);
});
