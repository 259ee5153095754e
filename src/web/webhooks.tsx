/** Settings → Webhooks: register endpoints (secret shown once), see each one's delivery log, rotate its secret, delete it. */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { isLocalDevelopment } from "../domain/deployment";
import { DomainError } from "../domain/errors";
import type { AppEnv } from "./context";
import { fieldErrors, view } from "./helpers";
import { requireUser } from "./middleware/session";
import { keyring } from "../services/keyring";
import {
  canManageWebhooks,
  createWebhookEndpoint,
  deleteWebhook,
  rotateWebhookSecret,
  webhookCreateSchema,
  webhookEndpointOf,
  webhookEndpointsOf,
  type WebhookDeps,
} from "../services/webhooks/endpoints";
import { EndpointRefused, type NetFetch } from "../services/webhooks/url-guard";
import { database } from "../storage/db";
import { DeleteWebhookPage, WebhookPage, WebhooksPage } from "../../templates/pages/webhooks";

const endpointId = z.string().regex(/^whe_[A-Za-z0-9_-]{10,40}$/);

/** `netFetch` reaches DNS-over-HTTPS for the address check; tests give a stand-in. */
export function webhookRoutes(netFetch: NetFetch) {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireUser());
  // Only owners and admins reach these pages; others get the forbidden page.
  routes.use("*", async (c, next) => {
    if (!(await canManageWebhooks(database(c.env.DB), c.get("user")!))) throw new DomainError("forbidden", "Only organisation admins manage webhooks");
    await next();
  });

  const deps = (c: Context<AppEnv>): WebhookDeps => ({ db: database(c.env.DB), keyring: () => keyring(c.env), localDevelopment: isLocalDevelopment(c.env), fetch: netFetch });

  function idOf(c: Context<AppEnv>): string {
    const parsed = endpointId.safeParse(c.req.param("id"));
    if (!parsed.success) throw new DomainError("not_found", "No such webhook endpoint");
    return parsed.data;
  }

  routes.get("/", async (c) => {
    const endpoints = await webhookEndpointsOf(database(c.env.DB), c.get("user")!);
    const notice = c.req.query("deleted") !== undefined ? c.get("t")("webhooks.deleted.notice") : undefined;
    return c.html(<WebhooksPage view={view(c)} endpoints={endpoints} notice={notice} />);
  });

  routes.post("/", async (c) => {
    const d = deps(c);
    const user = c.get("user")!;
    const body = await c.req.parseBody({ all: true });
    const url = typeof body.url === "string" ? body.url : "";
    const description = typeof body.description === "string" ? body.description : "";
    const events = ([] as unknown[]).concat(body.events ?? []).filter((s): s is string => typeof s === "string");
    const again = async (errors: ReturnType<typeof fieldErrors>) =>
      c.html(<WebhooksPage view={view(c)} endpoints={await webhookEndpointsOf(d.db, user)} values={{ url, description }} events={events} errors={errors} />, 422);
    const parsed = webhookCreateSchema.safeParse({ url, description, events });
    if (!parsed.success) return again(fieldErrors(parsed.error));
    try {
      const created = await createWebhookEndpoint(d, user, parsed.data);
      // The one response that holds the secret: never cached, never redirected through a URL.
      return c.html(<WebhookPage view={view(c)} endpoint={created.endpoint} attempts={[]} secret={created.secret} />, 200, { "Cache-Control": "no-store" });
    } catch (error) {
      if (error instanceof EndpointRefused) return again({ url: error.key });
      throw error;
    }
  });

  routes.get("/:id", async (c) => {
    const { endpoint, attempts } = await webhookEndpointOf(database(c.env.DB), c.get("user")!, idOf(c));
    return c.html(<WebhookPage view={view(c)} endpoint={endpoint} attempts={attempts} />);
  });

  routes.post("/:id/rotate", async (c) => {
    const d = deps(c);
    const id = idOf(c);
    const { secret, endpoint } = await rotateWebhookSecret(d, c.get("user")!, id);
    const { attempts } = await webhookEndpointOf(d.db, c.get("user")!, id);
    return c.html(<WebhookPage view={view(c)} endpoint={endpoint} attempts={attempts} secret={secret} />, 200, { "Cache-Control": "no-store" });
  });

  routes.get("/:id/delete", async (c) => {
    const { endpoint } = await webhookEndpointOf(database(c.env.DB), c.get("user")!, idOf(c));
    return c.html(<DeleteWebhookPage view={view(c)} endpoint={endpoint} />);
  });

  routes.post("/:id/delete", async (c) => {
    await deleteWebhook(database(c.env.DB), c.get("user")!, idOf(c));
    return c.redirect("/settings/webhooks?deleted", 303);
  });

  return routes;
}
