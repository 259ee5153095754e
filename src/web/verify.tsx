/** The public verification page: upload a PDF, learn whether Pactly sealed it and whether it changed. */
import { Hono } from "hono";
import { DomainError } from "../domain/errors";
import { verifyPdf, VERIFY_MAX_BYTES } from "../services/pdf";
import { VerifyPage } from "../../templates/pages/verify";
import type { AppEnv } from "./context";
import { clientInfo, rateLimit, view } from "./helpers";

export const verifyRoutes = new Hono<AppEnv>();

verifyRoutes.get("/", (c) => c.html(<VerifyPage view={view(c)} />));

verifyRoutes.post("/", async (c) => {
  const body = await c.req.parseBody();
  const file = body.file instanceof File && body.file.size > 0 ? body.file : null;
  if (!file) return c.html(<VerifyPage view={view(c)} errors={{ file: "verify.error.file" }} />, 422);
  if (file.size > VERIFY_MAX_BYTES) return c.html(<VerifyPage view={view(c)} errors={{ file: "verify.error.tooLarge" }} />, 413);
  await rateLimit(c, "verify", clientInfo(c).ip ?? "unknown", "LINK_LIMITER");
  try {
    const outcome = await verifyPdf(c.env, new Uint8Array(await file.arrayBuffer()));
    return c.html(<VerifyPage view={view(c)} outcome={outcome} />);
  } catch (error) {
    if (error instanceof DomainError && error.code === "pdf_unpacks_too_large") {
      return c.html(<VerifyPage view={view(c)} errors={{ file: "verify.error.unpacksTooLarge" }} />, 422);
    }
    throw error;
  }
});
