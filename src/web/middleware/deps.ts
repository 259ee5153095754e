import { createMiddleware } from "hono/factory";
import { depsFor } from "../../services/deps";
import type { AppEnv } from "../context";
import { clientInfo } from "../helpers";

/**
 * One `Deps` per request, for pages and the API alike, so both call the use cases with
 * the same bindings and record the same client in the audit log. Building it costs
 * nothing until a use case touches the database.
 */
export function deps() {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("deps", depsFor(c.env, { client: clientInfo(c) }));
    await next();
  });
}
