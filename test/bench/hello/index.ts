/** Bare Hono hello world, served by `wrangler dev` beside Pactly in test/bench/run.mjs. */
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("Hello, world!"));

export default app;
