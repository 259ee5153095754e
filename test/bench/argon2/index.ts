/**
 * Route-less bench Worker: every request hashes one password with the app's real
 * hashPassword (argon2id at passwordParams). `?noop=1` answers at once, so the bench can
 * subtract the round trip through wrangler dev.
 */
import { hashPassword, passwordParams } from "../../../src/domain/password";

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).searchParams.has("noop")) return Response.json({ ok: true });
    const hash = await hashPassword("correct horse battery staple");
    return Response.json({ params: passwordParams, hash });
  },
} satisfies ExportedHandler;
