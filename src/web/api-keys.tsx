/** Settings → API keys (create, list, revoke) and the API reference page at /docs/api. */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { openApiDocument } from "../api/openapi";
import { DomainError } from "../domain/errors";
import { apiKeyCreateSchema, apiKeyOf, apiKeysOf, canManageApiKeys, createApiKey, revokeKey } from "../services/api-keys";
import { database } from "../storage/db";
import { audit } from "../services/audit";
import { ApiKeysPage, RevokeApiKeyPage } from "../../templates/pages/api-keys";
import { ApiReferencePage, type OpenApiDocument } from "../../templates/pages/api-reference";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, view } from "./helpers";
import { requireUser } from "./middleware/session";

export const apiKeyRoutes = new Hono<AppEnv>();
apiKeyRoutes.use("*", requireUser());

/** Only owners and admins reach these pages; others get the forbidden page. */
apiKeyRoutes.use("*", async (c, next) => {
  if (!(await canManageApiKeys(database(c.env.DB), c.get("user")!))) throw new DomainError("forbidden", "Only organisation admins manage API keys");
  await next();
});

const keyId = z.string().regex(/^key_[A-Za-z0-9_-]{10,40}$/);

function idOf(c: Context<AppEnv>): string {
  const parsed = keyId.safeParse(c.req.param("id"));
  if (!parsed.success) throw new DomainError("not_found", "No such API key");
  return parsed.data;
}

apiKeyRoutes.get("/", async (c) => {
  const db = database(c.env.DB);
  const keys = await apiKeysOf(db, c.get("user")!);
  const revoked = c.req.query("revoked");
  const named = revoked ? keys.find((k) => k.id === revoked && k.revokedAt) : undefined;
  return c.html(<ApiKeysPage view={view(c)} keys={keys} notice={named ? c.get("t")("apiKeys.revoked.notice", { name: named.name }) : undefined} />);
});

apiKeyRoutes.post("/", async (c) => {
  const db = database(c.env.DB);
  const user = c.get("user")!;
  const body = await c.req.parseBody({ all: true });
  const name = typeof body.name === "string" ? body.name : "";
  const scopes = ([] as unknown[]).concat(body.scopes ?? []).filter((s): s is string => typeof s === "string");
  const parsed = apiKeyCreateSchema.safeParse({ name, scopes });
  if (!parsed.success) {
    return c.html(<ApiKeysPage view={view(c)} keys={await apiKeysOf(db, user)} values={{ name }} scopes={scopes} errors={fieldErrors(parsed.error)} />, 422);
  }
  const created = await createApiKey(db, user, parsed.data, c.env.ENVIRONMENT);
  await audit(db, { user, action: "apikey.created", target: { type: "apikey", id: created.summary.id }, client: clientInfo(c), details: { prefix: created.summary.prefix, scopes: created.summary.scopes.join(" ") } });
  // The one response that holds the key: never cached, never redirected through a URL.
  return c.html(<ApiKeysPage view={view(c)} keys={await apiKeysOf(db, user)} created={{ name: created.summary.name, key: created.key }} />, 200, {
    "Cache-Control": "no-store",
  });
});

apiKeyRoutes.get("/:id/revoke", async (c) => {
  const apiKey = await apiKeyOf(database(c.env.DB), c.get("user")!, idOf(c));
  if (apiKey.revokedAt) return c.redirect("/settings/api-keys", 303);
  return c.html(<RevokeApiKeyPage view={view(c)} apiKey={apiKey} />);
});

apiKeyRoutes.post("/:id/revoke", async (c) => {
  const id = idOf(c);
  await revokeKey(database(c.env.DB), c.get("user")!, id);
  await audit(c.env, { user: c.get("user")!, action: "apikey.revoked", target: { type: "apikey", id }, client: clientInfo(c) });
  return c.redirect(`/settings/api-keys?revoked=${encodeURIComponent(id)}`, 303);
});

export const apiDocsRoutes = new Hono<AppEnv>();

apiDocsRoutes.get("/", (c) => c.html(<ApiReferencePage view={view(c)} doc={openApiDocument() as unknown as OpenApiDocument} />));
