/**
 * The JSON API under /api/v1. Errors are application/problem+json (RFC 9457).
 * Authenticated endpoints arrive with the accounts issue (API keys).
 */
import { Hono } from "hono";
import type { AppEnv } from "../web/context";
import { problem } from "./problem";

export const apiRoutes = new Hono<AppEnv>();

apiRoutes.get("/", (c) => c.json({ name: "Pactly API", version: "v1" }));

apiRoutes.all("*", (c) => problem(c, 404, "not_found", "No such API endpoint"));
