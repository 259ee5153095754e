/**
 * The signer's use cases. A signing link's token is checked against the hash the
 * Envelope object holds (the authority; D1 only helps find the envelope). After the
 * link's GET the token lives in an HttpOnly __Host- cookie, never in a URL.
 */
import { z } from "zod";
import type { ClientInfo } from "../domain/client-info";
import type { EnvelopeState, Recipient } from "../domain/envelope";
import { hashToken, timingSafeEqual } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { envelopeIdOfRecipient, recipientByTokenHash } from "../storage/recipients";
import { command, envelopeStub } from "./envelope-stub";
import { depsFor } from "./deps";
import { documentOf } from "./documents";

export const signSchema = z.object({
  typedName: z.string({ error: "sign.form.error.name" }).trim().min(1, "sign.form.error.name").max(200, "sign.form.error.nameLong"),
  consent: z.literal("yes", { error: "sign.form.error.consent" }),
});

export const declineSchema = z.object({
  reason: z.string({ error: "sign.decline.error.reason" }).trim().min(1, "sign.decline.error.reason").max(1000, "sign.decline.error.reasonLong"),
});

/** Spaces and dashes people type or paste ("123 456") are dropped; the rest must be six digits. */
export const codeSchema = z.object({
  code: z
    .string({ error: "identify.error.format" })
    .transform((v) => v.replace(/[\s-]/g, ""))
    .pipe(z.string().regex(/^\d{6}$/, "identify.error.format")),
});

export type SignerContext = { state: EnvelopeState; recipient: Recipient };

/** Finds the envelope and signer behind a link token; null for anything unknown or replaced. */
export async function resolveLink(env: Env, db: Db, token: string): Promise<SignerContext | null> {
  if (!/^[A-Za-z0-9_-]{22,64}$/.test(token)) return null;
  const hash = hashToken(token);
  const row = await recipientByTokenHash(db, hash);
  if (!row) return null;
  return signerContext(env, row.envelopeId, row.id, token);
}

/** The envelope a recipient belongs to, from the D1 projection; null for an unknown id. */
export async function envelopeOfRecipient(db: Db, recipientId: string): Promise<string | null> {
  return envelopeIdOfRecipient(db, recipientId);
}

/** Re-checks the token against the Envelope object on every request. */
export async function signerContext(env: Env, envelopeId: string, recipientId: string, token: string): Promise<SignerContext | null> {
  const state = await envelopeStub(env, envelopeId).getState();
  const recipient = state?.recipients.find((r) => r.id === recipientId);
  const hash = hashToken(token);
  if (!state || !recipient?.linkHashes.some((h) => timingSafeEqual(h, hash))) return null;
  return { state, recipient };
}

export async function viewDocumentAsSigner(env: Env, db: Db, ctx: SignerContext, context: ClientInfo) {
  if (ctx.state.status === "sent" && ctx.recipient.status !== "signed" && ctx.recipient.status !== "declined") {
    // The first view of the document in a signer session is a real action: record it ("opened" too).
    // Not their turn yet is refused as an event, but reading is still allowed.
    await envelopeStub(env, ctx.state.id).viewDocument(ctx.recipient.id, context);
  }
  if (ctx.state.status !== "sent" && ctx.state.status !== "completed") throw new DomainError("not_found", "This document is no longer available");
  return documentOf({ db, documents: depsFor(env).documents }, ctx.state, "original");
}

export async function signAsSigner(env: Env, ctx: SignerContext, input: z.infer<typeof signSchema>, context: ClientInfo) {
  return command(envelopeStub(env, ctx.state.id).sign({ recipientId: ctx.recipient.id, typedName: input.typedName, context }));
}

export async function declineAsSigner(env: Env, ctx: SignerContext, input: z.infer<typeof declineSchema>, context: ClientInfo) {
  return command(envelopeStub(env, ctx.state.id).decline({ recipientId: ctx.recipient.id, reason: input.reason, context }));
}

/** Sends a new identification code to the signer (email or SMS, by the sender's choice). */
export async function requestCodeAsSigner(env: Env, ctx: SignerContext, context: ClientInfo) {
  return command(envelopeStub(env, ctx.state.id).requestCode({ recipientId: ctx.recipient.id, context }));
}

/** Checks a typed code; a wrong, expired or locked code is a DomainError with the reason (and tries left). */
export async function confirmCodeAsSigner(env: Env, ctx: SignerContext, input: z.infer<typeof codeSchema>, context: ClientInfo) {
  return command(envelopeStub(env, ctx.state.id).confirmCode({ recipientId: ctx.recipient.id, code: input.code, context }));
}

/** Whether a code is out for this signer (the page then asks for it); nothing secret. */
export async function codeStatusOf(env: Env, ctx: SignerContext) {
  return envelopeStub(env, ctx.state.id).codeStatus(ctx.recipient.id);
}
