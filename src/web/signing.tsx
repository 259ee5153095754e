/**
 * The signer's journey. GET /s/:token changes nothing: it moves the token into an
 * HttpOnly __Host- cookie and answers 303 to a clean URL, so tokens never appear in
 * later URLs, logs or Referer. "Opened" is recorded on the first real action.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { DomainError } from "../domain/errors";
import { signersDue } from "../domain/envelope";
import type { MessageKey } from "../i18n";
import { database } from "../storage/db";
import { envelopeIdOfRecipient } from "../storage/recipients";
import { agreementHtmlOf } from "../services/agreements";
import { documentOf } from "../services/envelopes";
import {
  declineAsSigner,
  declineSchema,
  resolveLink,
  signAsSigner,
  signerContext,
  signSchema,
  viewDocumentAsSigner,
  type SignerContext,
} from "../services/signing";
import { SignerMessagePage, SigningPage } from "../../templates/pages/signing";
import type { FieldErrors, Values } from "../../templates/view";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, rateLimit, stringFields, view } from "./helpers";
import { pdfResponse } from "./pdf-response";

export const signingRoutes = new Hono<AppEnv>();

const SIGNER_COOKIE_PREFIX = "__Host-pactly-sign-";
const SIGNER_COOKIE_MAX_AGE = 4 * 3600;
const recipientId = z.string().regex(/^rcp_[A-Za-z0-9_-]{10,40}$/);

function message(c: Context<AppEnv>, titleKey: MessageKey, bodyKey: MessageKey, status: 200 | 404 | 410 | 409 = 200, downloadHref?: string) {
  return c.html(<SignerMessagePage view={view(c)} titleKey={titleKey} bodyKey={bodyKey} downloadHref={downloadHref} />, status);
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

/** The signer behind this page's cookie, re-checked against the Envelope object. */
async function signer(c: Context<AppEnv>): Promise<SignerContext | null> {
  const parsed = recipientId.safeParse(c.req.param("rid"));
  if (!parsed.success) return null;
  const token = getCookie(c, SIGNER_COOKIE_PREFIX + parsed.data);
  if (!token) return null;
  const envelopeId = await envelopeIdOfRecipient(database(c.env.DB), parsed.data);
  if (!envelopeId) return null;
  const ctx = await signerContext(c.env, envelopeId, parsed.data, token);
  if (!ctx) deleteCookie(c, SIGNER_COOKIE_PREFIX + parsed.data, { path: "/", secure: true });
  return ctx;
}

/** Where a signer stands decides the page: sign, done, declined, cancelled, expired, not yet. */
async function stateful(c: Context<AppEnv>, ctx: SignerContext, form?: { values?: Values; errors?: FieldErrors; declineValues?: Values; declineErrors?: FieldErrors }) {
  const { state, recipient } = ctx;
  const base = `/sign/${recipient.id}`;
  if (recipient.status === "signed") {
    return state.status === "completed"
      ? message(c, "sign.done.title", "sign.done.completed", 200, `${base}/signed.pdf`)
      : message(c, "sign.done.title", "sign.done.waiting");
  }
  if (recipient.status === "declined") return message(c, "sign.declined.title", "sign.declined.body");
  // Someone who only gets a copy has a link once everyone has signed: it leads to the signed PDF.
  if (recipient.role === "cc") {
    return state.status === "completed"
      ? message(c, "builder.copy.title", "builder.copy.body", 200, `${base}/signed.pdf`)
      : message(c, "sign.invalid.title", "sign.invalid.body", 404);
  }
  if (state.status === "cancelled" || state.status === "declined") return message(c, "sign.cancelled.title", "sign.cancelled.body", 410);
  if (state.status === "expired" || (state.expiresAt && state.expiresAt <= new Date().toISOString())) {
    return message(c, "sign.expired.title", "sign.expired.body", 410);
  }
  if (state.status !== "sent") return message(c, "sign.invalid.title", "sign.invalid.body", 404);
  if (!signersDue(state).some((r) => r.id === recipient.id)) return message(c, "sign.notYourTurn.title", "sign.notYourTurn.body");
  const status = form?.errors || form?.declineErrors ? 422 : 200;
  // An agreement written in Pactly is also shown as HTML, checked against the hash on the envelope.
  const agreement = await agreementHtmlOf(c.env, database(c.env.DB), state);
  return c.html(<SigningPage view={view(c)} state={state} recipient={recipient} agreement={agreement} {...form} />, status);
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
  return pdfResponse(await documentOf(c.env, database(c.env.DB), ctx.state, "signed"), "attachment");
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
