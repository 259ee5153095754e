/**
 * The eID use cases: start an attempt for the signer whose session it is, and complete
 * it when the broker calls back. The callback carries no cookies we can rely on
 * (form_post is a cross-site POST), so everything it needs is found by the `state`.
 */
import type { ClientInfo } from "../../domain/client-info";
import { hashToken, randomToken } from "../../domain/encoding";
import type { EidScheme } from "../../domain/identification";
import type { Env } from "../../env";
import type { Db } from "../../storage/db";
import { consumeEidState, saveEidState } from "../../storage/eid-states";
import { envelopeStub } from "../envelope-stub";
import type { SignerContext } from "../signing";
import { eidEvidence, eidNonce, pkceChallenge } from "./claims";
import { acrPrefixes, acrValues, EID_CALLBACK_PATH, type EidConfig } from "./config";
import { authorizationUrl, EidError, exchangeCode, verifyIdToken, type EdgeFetch } from "./oidc";

/** How long a signer has at the broker before the attempt is dead. */
export const EID_STATE_TTL_MS = 10 * 60_000;

export type EidDeps = { env: Env; db: Db; config: EidConfig; edgeFetch: EdgeFetch };

/** Where the broker sends the signer back: the public URL registered with the broker. */
export function redirectUriOf(env: Env, requestUrl: string): string {
  return new URL(EID_CALLBACK_PATH, env.APP_URL ?? new URL(requestUrl).origin).toString();
}

/** One structured line per eID outcome; never tokens, codes, states or numbers. */
function logEid(fields: Record<string, string | null>): void {
  console.log(JSON.stringify({ msg: "eid", ...fields }));
}

/** Records a new attempt server side and answers the broker URL to send the signer to. */
export async function startEid(deps: EidDeps, input: { signer: SignerContext; scheme: EidScheme; redirectUri: string; locale: string }): Promise<string> {
  const { state: envelope, recipient } = input.signer;
  const state = randomToken();
  const codeVerifier = randomToken();
  const nonceSalt = randomToken();
  const nonce = await eidNonce({ documentSha256: envelope.document.sha256, envelopeId: envelope.id, recipientId: recipient.id, salt: nonceSalt });
  // Discovery first: if the broker is unreachable, nothing is written.
  const url = await authorizationUrl(deps.config, deps.edgeFetch, {
    redirectUri: input.redirectUri,
    state,
    nonce,
    codeChallenge: await pkceChallenge(codeVerifier),
    acr: acrValues[input.scheme],
    uiLocales: input.locale,
  });
  const now = new Date();
  await saveEidState(deps.db, {
    id: hashToken(state),
    orgId: envelope.orgId,
    envelopeId: envelope.id,
    recipientId: recipient.id,
    scheme: input.scheme,
    codeVerifier,
    nonceSalt,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + EID_STATE_TTL_MS).toISOString(),
  }, now.toISOString());
  logEid({ event: "started", envelopeId: envelope.id, recipientId: recipient.id, scheme: input.scheme });
  return url;
}

export type EidFailure = "cancelled" | "expired" | "failed";

export type EidOutcome =
  /** No attempt has this state (never issued, already used, or forged): we do not know whose it is. */
  | { kind: "unknown_state" }
  | { kind: "failed"; recipientId: string; reason: EidFailure }
  /** Identified, or the envelope moved on (cancelled, expired, already identified): the signing page says where they stand. */
  | { kind: "done"; recipientId: string };

/** Completes an attempt from the broker's callback: verifies everything, then records the evidence on the envelope. */
export async function completeEid(
  deps: EidDeps,
  input: { state: string; code: string | null; error: string | null; redirectUri: string; context: ClientInfo },
): Promise<EidOutcome> {
  // Single use: the row is gone as soon as it is read, whatever happens next.
  const row = await consumeEidState(deps.db, hashToken(input.state));
  if (!row) {
    logEid({ event: "refused", reason: "unknown_state" });
    return { kind: "unknown_state" };
  }
  const where = { envelopeId: row.envelopeId, recipientId: row.recipientId, scheme: row.scheme };
  const failed = (reason: EidFailure, detail: string): EidOutcome => {
    logEid({ event: "refused", reason: detail, ...where });
    return { kind: "failed", recipientId: row.recipientId, reason };
  };
  if (row.expiresAt <= new Date().toISOString()) return failed("expired", "state_expired");
  if (input.error) return failed(input.error === "access_denied" ? "cancelled" : "failed", `broker_error:${input.error.slice(0, 40)}`);
  if (!input.code) return failed("failed", "no_code");

  const stub = envelopeStub(deps.env, row.envelopeId);
  const envelope = await stub.getState();
  const recipient = envelope?.recipients.find((r) => r.id === row.recipientId);
  if (!envelope || !recipient) return failed("failed", "envelope_gone");
  // Recomputed from the envelope as it is now: a token for another document or signer cannot match.
  const nonce = await eidNonce({ documentSha256: envelope.document.sha256, envelopeId: envelope.id, recipientId: recipient.id, salt: row.nonceSalt });

  let evidence;
  try {
    const idToken = await exchangeCode(deps.config, deps.edgeFetch, { code: input.code, codeVerifier: row.codeVerifier, redirectUri: input.redirectUri });
    const claims = await verifyIdToken(deps.config, deps.edgeFetch, { idToken, nonce, acrPrefix: acrPrefixes[row.scheme] });
    // The raw ID token is not kept: the evidence below is all that is stored.
    evidence = await eidEvidence({
      issuer: deps.config.issuer,
      scheme: row.scheme,
      requestedAcr: acrValues[row.scheme],
      claims,
      signerName: recipient.name,
      nationalIdKey: deps.config.nationalIdKey,
      at: new Date().toISOString(),
    });
  } catch (error) {
    if (error instanceof EidError) return failed("failed", `${error.reason}:${error.message}`);
    throw error;
  }
  const result = await stub.identify({ recipientId: recipient.id, evidence, context: input.context });
  if (!result.ok) {
    // Cancelled, expired or not their turn meanwhile: the signing page shows where they stand.
    logEid({ event: "refused", reason: `envelope:${"code" in result ? result.code : "refused"}`, ...where });
    return { kind: "done", recipientId: recipient.id };
  }
  logEid({ event: "identified", ...where, nameMismatch: String(evidence.nameMismatch) });
  return { kind: "done", recipientId: recipient.id };
}
