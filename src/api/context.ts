import type { Env } from "../env";
import type { ApiPrincipal } from "../services/api-keys";
import type { Deps } from "../services/deps";

/** The Hono environment of the JSON API: no cookies, no CSRF; a key's principal instead of a session. */
export type ApiEnv = {
  Bindings: Env;
  Variables: {
    nonce: string;
    /** Set by `authenticate()` on every endpoint that needs a key. */
    principal: ApiPrincipal;
    /** The request body, read once within its size limit (see body.ts). */
    body: Uint8Array;
    /** Set for every request by the app (web/middleware/deps.ts). */
    deps: Deps;
  };
};
