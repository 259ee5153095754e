import { Hono } from "hono";
import type { AppEnv } from "./context";

export const healthRoutes = new Hono<AppEnv>();

/** Liveness with a real dependency check: D1 must answer. */
healthRoutes.get("/healthz", async (c) => {
  try {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ status: "ok" });
  } catch {
    return c.json({ status: "unavailable" }, 503);
  }
});
