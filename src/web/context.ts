import type { Locale, Translate } from "../i18n";
import type { Env } from "../env";
import type { SessionUser } from "../services/accounts";
import type { Deps } from "../services/deps";

export type { SessionUser };


/** The Hono environment every router shares. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** Per-response CSP nonce for the few inline-free <script src> tags. */
    nonce: string;
    locale: Locale;
    t: Translate;
    /** The CSRF token to embed in every form. */
    csrf: string;
    user: SessionUser | null;
    /** What the use cases reach, built once per request (middleware/deps.ts). */
    deps: Deps;
  };
};
