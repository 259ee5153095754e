/**
 * eID configuration from the Worker's environment. eID is off (null) unless the issuer,
 * client id, client secret and national-id hash key are all set; nothing else depends on it.
 */
import type { EidScheme } from "../../domain/identification";
import { isLocalDevelopment } from "../../domain/deployment";
import type { Env } from "../../env";

/**
 * Where the broker sends the signer back. Its POST (response_mode=form_post) is cross-site
 * by design, so the CSRF middleware exempts exactly this path: the single-use, server-side
 * OIDC `state` is the CSRF protection there.
 */
export const EID_CALLBACK_PATH = "/eid/callback";

export const eidSchemes = ["no_bankid", "se_bankid", "dk_mitid", "fi_ftn"] as const satisfies readonly EidScheme[];

/** The acr_values asked of the broker per scheme (Idura/Criipto names; Signicat-style brokers map them the same way). */
export const acrValues: Record<EidScheme, string> = {
  no_bankid: "urn:grn:authn:no:bankid",
  se_bankid: "urn:grn:authn:se:bankid:same-device",
  dk_mitid: "urn:grn:authn:dk:mitid:substantial",
  fi_ftn: "urn:grn:authn:fi:all",
};

/**
 * What the ID token's `acr` must start with per scheme: the broker answers with the method
 * actually used (FTN's "all" comes back as urn:grn:authn:fi:bank-id or …:mobile-id), and
 * must never answer with another country's eID than the one asked for.
 */
export const acrPrefixes: Record<EidScheme, string> = {
  no_bankid: "urn:grn:authn:no:bankid",
  se_bankid: "urn:grn:authn:se:bankid",
  dk_mitid: "urn:grn:authn:dk:mitid",
  fi_ftn: "urn:grn:authn:fi:",
};

export type EidConfig = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  nationalIdKey: string;
  /** Offered to signers, in this order; never empty. */
  schemes: EidScheme[];
  /** Development only: a plain-http broker on this machine (the end-to-end tests' stand-in) is allowed. */
  allowLoopbackHttp?: boolean;
};

/** http://127.0.0.1 or http://localhost: reachable only from this machine, so plain http leaks nothing. */
export function isLoopbackHttp(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed?.protocol === "http:" && (parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost");
}

export function isEidScheme(value: unknown): value is EidScheme {
  return typeof value === "string" && (eidSchemes as readonly string[]).includes(value);
}

/** The eID configuration, or null when this deployment has none (or a broken one, which is logged). */
export function eidConfig(env: Env): EidConfig | null {
  // Kept exactly as given: the ID token's `iss` must equal it character for character.
  const issuer = env.EID_ISSUER?.trim();
  const clientId = env.EID_CLIENT_ID?.trim();
  const clientSecret = env.EID_CLIENT_SECRET;
  const nationalIdKey = env.EID_NATIONAL_ID_KEY;
  if (!issuer || !clientId || !clientSecret || !nationalIdKey) return null;
  const listed = (env.EID_SCHEMES ?? "no_bankid").split(",").map((s) => s.trim()).filter(Boolean);
  const schemes = eidSchemes.filter((s) => listed.includes(s));
  const allowLoopbackHttp = isLocalDevelopment(env) && isLoopbackHttp(issuer);
  if ((!issuer.startsWith("https://") && !allowLoopbackHttp) || nationalIdKey.length < 32 || schemes.length === 0) {
    // A misconfiguration must not break signing pages: eID is reported as unavailable.
    console.error(JSON.stringify({ msg: "eid misconfigured", https: issuer.startsWith("https://"), keyLength: nationalIdKey.length, schemes: listed }));
    return null;
  }
  return { issuer, clientId, clientSecret, nationalIdKey, schemes, allowLoopbackHttp };
}
