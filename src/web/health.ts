import { Hono } from "hono";
import { dependenciesAnswer } from "../services/health";
import type { AppEnv } from "./context";

export const healthRoutes = new Hono<AppEnv>();

/** Liveness with a real dependency check: D1 must answer. */
healthRoutes.get("/healthz", async (c) => {
  if (await dependenciesAnswer(c.env)) return c.json({ status: "ok" });
  return c.json({ status: "unavailable" }, 503);
});
