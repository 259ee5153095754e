/** Who made a request, as the evidence and the audit log keep it: the client's address and browser. */
export type ClientInfo = { ip: string | null; userAgent: string | null };

/** From a request's headers: Cloudflare sets CF-Connecting-IP; a user agent is kept to 300 characters. */
export function clientInfoFrom(header: (name: string) => string | undefined): ClientInfo {
  return { ip: header("CF-Connecting-IP") ?? null, userAgent: header("User-Agent")?.slice(0, 300) ?? null };
}
