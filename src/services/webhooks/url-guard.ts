/**
 * The SSRF guard for webhook endpoints. An endpoint must be https and must not point at
 * private, loopback, link-local, CGNAT, unique-local or metadata addresses, whether as an
 * IP literal or through DNS. Names are resolved with DNS-over-HTTPS (A and AAAA) and
 * refused if any answer is private; the check runs at registration and again before every
 * delivery, because DNS can change. Redirects are never followed (see delivery).
 */
import type { MessageKey } from "../../i18n";

export type NetFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export const DOH_URL = "https://cloudflare-dns.com/dns-query";

/** Why a URL is refused; `key` is what the person is told. `retryable`: the check itself failed. */
export class EndpointRefused extends Error {
  constructor(readonly key: MessageKey, readonly retryable = false) {
    super(key);
  }
}

/** 2001:db8::/32 and 192.0.2.0/24 etc. are documentation ranges: nothing real lives there either. */
const PRIVATE_V4: [string, number][] = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
];

function v4ToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function isPrivateIPv4(ip: string): boolean {
  const n = v4ToInt(ip);
  if (n === null) return true; // not an address we understand: refuse
  return PRIVATE_V4.some(([base, bits]) => {
    const b = v4ToInt(base)!;
    const size = 2 ** (32 - bits);
    return n >= b && n < b + size;
  });
}

/** Eight 16-bit groups, or null if the text is not an IPv6 address. */
function v6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4ToInt(dotted[1]!);
    if (n === null) return null;
    text = `${text.slice(0, -dotted[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...tail].some(Number.isNaN)) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
}

export function isPrivateIPv6(ip: string): boolean {
  const g = v6Groups(ip);
  if (!g) return true;
  const embeddedV4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g.every((x) => x === 0)) return true; // ::
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true; // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return isPrivateIPv4(embeddedV4(g[6]!, g[7]!)); // IPv4-mapped
  if (g.slice(0, 6).every((x) => x === 0)) return true; // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b) return isPrivateIPv4(embeddedV4(g[6]!, g[7]!)); // NAT64
  if (g[0] === 0x2002) return isPrivateIPv4(embeddedV4(g[1]!, g[2]!)); // 6to4
  if ((g[0]! & 0xfe00) === 0xfc00) return true; // unique-local fc00::/7 (includes fd00:ec2::254, a cloud metadata address)
  if ((g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0) return true; // link-local, site-local
  if ((g[0]! & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return true; // discard-only
  return false;
}

const LOCAL_NAMES = /(^|\.)(localhost|internal|local|localdomain|home\.arpa)$/;

function isDevLoopback(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}

/**
 * Checks a URL people typed (or one stored earlier, before a delivery). Answers the
 * normalised URL, or throws EndpointRefused with a specific reason.
 */
export async function checkEndpointUrl(raw: string, opts: { localDevelopment: boolean; fetch: NetFetch }): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new EndpointRefused("webhooks.error.url");
  }
  if (url.username || url.password) throw new EndpointRefused("webhooks.error.credentials");
  const host = url.hostname.toLowerCase();
  // Only a developer's own machine may take plain http, and only in local development.
  if (opts.localDevelopment && isDevLoopback(host) && (url.protocol === "http:" || url.protocol === "https:")) return url.href;
  if (url.protocol !== "https:") throw new EndpointRefused(url.protocol === "http:" ? "webhooks.error.https" : "webhooks.error.url");
  if (host.startsWith("[")) {
    if (isPrivateIPv6(host.slice(1, -1))) throw new EndpointRefused("webhooks.error.private");
    return url.href;
  }
  if (/^[\d.]+$/.test(host)) {
    if (isPrivateIPv4(host)) throw new EndpointRefused("webhooks.error.private");
    return url.href;
  }
  if (LOCAL_NAMES.test(host) || !host.includes(".")) throw new EndpointRefused("webhooks.error.private");
  const addresses = await resolve(host, opts.fetch);
  if (addresses.length === 0) throw new EndpointRefused("webhooks.error.unresolved");
  if (addresses.some((a) => (a.includes(":") ? isPrivateIPv6(a) : isPrivateIPv4(a)))) throw new EndpointRefused("webhooks.error.private");
  return url.href;
}

type DohAnswer = { Status?: number; Answer?: { type: number; data: string }[] };

/** A and AAAA answers through DNS-over-HTTPS (JSON API); CNAMEs are followed by the resolver. */
async function resolve(host: string, fetcher: NetFetch): Promise<string[]> {
  const out: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    let answer: DohAnswer;
    try {
      const res = await fetcher(`${DOH_URL}?name=${encodeURIComponent(host)}&type=${type}`, {
        headers: { Accept: "application/dns-json" },
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`DoH answered ${res.status}`);
      answer = (await res.json()) as DohAnswer;
    } catch {
      throw new EndpointRefused("webhooks.error.dns", true);
    }
    // NXDOMAIN (3) or any other failure: the name does not resolve.
    if (answer.Status !== 0) continue;
    for (const a of answer.Answer ?? []) if (a.type === 1 || a.type === 28) out.push(a.data);
  }
  return out;
}
