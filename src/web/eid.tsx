/**
 * Nordic eID through an OIDC broker. POST /sign/:rid/eid/start (from the signing page,
 * in the signer's session) answers 303 to the broker, or a chooser when several eIDs are
 * offered. The broker comes back to /eid/callback, usually as a cross-site form_post that
 * carries no cookies we can rely on: the server-side state says whose attempt it is.
 * Every failure ends on a page that says what happened and offers to try again.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { needsIdentification, signersDue } from "../domain/envelope";
import { DomainError } from "../domain/errors";
import type { EidScheme } from "../domain/identification";
import type { MessageKey } from "../i18n";
import { database } from "../storage/db";
import { eidConfig, EID_CALLBACK_PATH, isEidScheme } from "../services/eid/config";
import { completeEid, redirectUriOf, startEid, type EidFailure } from "../services/eid/flow";
import { EidError, type EdgeFetch } from "../services/eid/oidc";
import type { SignerContext } from "../services/signing";
import { EidChoosePage, EidProblemPage } from "../../templates/pages/eid";
import type { AppEnv } from "./context";
import { clientInfo, stringFields, view } from "./helpers";
import { signer } from "./signing";

// The signing journey's cookie (src/web/signing.tsx sets it when the signing link is opened).
const recipientId = z.string().regex(/^rcp_[A-Za-z0-9_-]{10,40}$/);

const callbackSchema = z.object({
  // Our states are 43 characters; anything far off is not ours.
  state: z.string().min(16).max(256),
  code: z.string().min(1).max(2048).optional(),
  error: z.string().max(256).optional(),
});

const failurePages: Record<EidFailure | "unavailable" | "unreachable", [MessageKey, MessageKey]> = {
  cancelled: ["eid.failed.cancelled.title", "eid.failed.cancelled.body"],
  expired: ["eid.failed.expired.title", "eid.failed.expired.body"],
  failed: ["eid.failed.failed.title", "eid.failed.failed.body"],
  unavailable: ["eid.unavailable.title", "eid.unavailable.body"],
  unreachable: ["eid.unreachable.title", "eid.unreachable.body"],
};


/** Whether this signer may start an eID attempt now; otherwise the signing page says where they stand. */
function mayIdentify(ctx: SignerContext): boolean {
  const { state, recipient } = ctx;
  return (
    state.status === "sent" &&
    recipient.method === "eid" &&
    needsIdentification(recipient) &&
    (!state.expiresAt || state.expiresAt > new Date().toISOString()) &&
    signersDue(state).some((r) => r.id === recipient.id)
  );
}

function problem(c: Context<AppEnv>, kind: keyof typeof failurePages, status: 200 | 400 | 409 | 503, opts: { recipientId?: string; scheme?: EidScheme } = {}) {
  const [titleKey, bodyKey] = failurePages[kind];
  const retry = kind === "unavailable" ? {} : opts;
  return c.html(<EidProblemPage view={view(c)} titleKey={titleKey} bodyKey={bodyKey} recipientId={retry.recipientId} scheme={retry.scheme} />, status);
}

export function eidRoutes(edgeFetch: EdgeFetch) {
  const routes = new Hono<AppEnv>();

  routes.post("/sign/:rid/eid/start", async (c) => {
    const ctx = await signer(c);
    // No signer session (or a stale one): the signing page explains how to get back in.
    if (!ctx) {
      if (!recipientId.safeParse(c.req.param("rid")).success) throw new DomainError("not_found", "No signer session");
      return c.redirect(`/sign/${c.req.param("rid")}`, 303);
    }
    if (!mayIdentify(ctx)) return c.redirect(`/sign/${ctx.recipient.id}`, 303);
    const config = eidConfig(c.env);
    if (!config) return problem(c, "unavailable", 503);

    const values = stringFields(await c.req.parseBody());
    let scheme: EidScheme | undefined = config.schemes.length === 1 ? config.schemes[0] : undefined;
    if (!scheme) {
      const chosen = values.scheme;
      if (isEidScheme(chosen) && config.schemes.includes(chosen)) scheme = chosen;
      else {
        // First visit: the chooser. A choice that is not on offer: the chooser with an error.
        const errors = chosen === undefined ? {} : { scheme: "eid.choose.error" as const };
        return c.html(<EidChoosePage view={view(c)} recipientId={ctx.recipient.id} schemes={config.schemes} errors={errors} />, chosen === undefined ? 200 : 422);
      }
    }
    try {
      const url = await startEid(
        { env: c.env, db: database(c.env.DB), config, edgeFetch },
        { signer: ctx, scheme, redirectUri: redirectUriOf(c.env, c.req.url), locale: c.get("locale") },
      );
      return c.redirect(url, 303);
    } catch (error) {
      if (!(error instanceof EidError)) throw error;
      console.error(JSON.stringify({ msg: "eid", event: "start_failed", reason: error.reason, detail: error.message, envelopeId: ctx.state.id, recipientId: ctx.recipient.id }));
      return problem(c, "unreachable", 503, { recipientId: ctx.recipient.id, scheme });
    }
  });

  /** GET for response_mode=query (and cancellations some brokers send that way), POST for form_post. */
  routes.on(["GET", "POST"], EID_CALLBACK_PATH, async (c) => {
    const fields = c.req.method === "POST" ? stringFields(await c.req.parseBody().catch(() => ({}))) : c.req.query();
    const parsed = callbackSchema.safeParse(fields);
    const config = eidConfig(c.env);
    if (!config) return problem(c, "unavailable", 503);
    if (!parsed.success) {
      console.log(JSON.stringify({ msg: "eid", event: "refused", reason: "malformed_callback" }));
      return c.html(<EidProblemPage view={view(c)} titleKey="eid.failed.unknown.title" bodyKey="eid.failed.unknown.body" />, 400);
    }
    const outcome = await completeEid(
      { env: c.env, db: database(c.env.DB), config, edgeFetch },
      { state: parsed.data.state, code: parsed.data.code ?? null, error: parsed.data.error ?? null, redirectUri: redirectUriOf(c.env, c.req.url), context: clientInfo(c) },
    );
    if (outcome.kind === "unknown_state") {
      return c.html(<EidProblemPage view={view(c)} titleKey="eid.failed.unknown.title" bodyKey="eid.failed.unknown.body" />, 400);
    }
    // A plain GET of our own next: the browser leaves the broker's POST behind (a reload cannot resubmit it),
    // and the signer's Lax cookie is sent again on this top-level navigation.
    if (outcome.kind === "failed") return c.redirect(`/sign/${outcome.recipientId}/eid/problem?reason=${outcome.reason}`, 303);
    return c.redirect(`/sign/${outcome.recipientId}`, 303);
  });

  routes.get("/sign/:rid/eid/problem", (c) => {
    const rid = recipientId.safeParse(c.req.param("rid"));
    const reason = z.enum(["cancelled", "expired", "failed"]).safeParse(c.req.query("reason"));
    if (!rid.success || !reason.success) return c.html(<EidProblemPage view={view(c)} titleKey="eid.failed.unknown.title" bodyKey="eid.failed.unknown.body" />, 400);
    // Nothing secret here; "Try again" is checked against the signer's session when pressed.
    return problem(c, reason.data, 200, { recipientId: rid.data });
  });

  return routes;
}
