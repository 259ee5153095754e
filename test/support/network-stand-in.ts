/**
 * Everything a Worker under test sends to the internet lands here (Miniflare's
 * outboundService), so no test reaches the network. DNS-over-HTTPS questions get an
 * NXDOMAIN answer in the JSON format the webhook guard reads: a name nobody stood in for
 * does not resolve. Any other address is refused with a 502 that names the host, so a
 * test that forgot its own stand-in fails visibly instead of waiting on a real server.
 * Tests that need a peer (a webhook receiver, a provider API) stub `fetch` themselves.
 */
import { DOH_URL } from "../../src/services/webhooks/url-guard";

export function networkStandIn(request: Request): Response {
  const url = new URL(request.url);
  if (`${url.origin}${url.pathname}` === DOH_URL) {
    const name = url.searchParams.get("name") ?? "";
    const type = url.searchParams.get("type") === "AAAA" ? 28 : 1;
    return Response.json({ Status: 3, Question: [{ name, type }] }, { headers: { "Content-Type": "application/dns-json" } });
  }
  return new Response(`No network in tests: ${request.method} ${url.origin} has no stand-in`, { status: 502 });
}
