/**
 * Webhook building blocks: the SSRF guard's address rules (IPv4, IPv6, names, DNS answers
 * through a stand-in DNS-over-HTTPS resolver) and Standard Webhooks signatures, checked by
 * the reference `standardwebhooks` library a receiver would use.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { EnvelopeState } from "../../src/domain/envelope";
import type { ChainedEvent } from "../../src/domain/event-chain";
import { webhookEventMessages } from "../../src/domain/webhook-events";
import { newWebhookSecret, webhookHeaders } from "../../src/services/webhooks/signature";
import { checkEndpointUrl, DOH_URL, EndpointRefused, isPrivateIPv4, isPrivateIPv6, type NetFetch } from "../../src/services/webhooks/url-guard";

/** A DNS-over-HTTPS stand-in: answers A/AAAA from a table, NXDOMAIN for anything else. */
export function dohStandIn(records: Record<string, string[]>): NetFetch & { queries: string[] } {
  const queries: string[] = [];
  const fetcher = async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (`${url.origin}${url.pathname}` !== DOH_URL) throw new TypeError(`unexpected request to ${url.origin}`);
    const name = url.searchParams.get("name")!;
    const type = url.searchParams.get("type")!;
    queries.push(`${name} ${type}`);
    const all = records[name];
    if (!all) return Response.json({ Status: 3 });
    const answers = all.filter((a) => (type === "AAAA" ? a.includes(":") : !a.includes(":")));
    return Response.json({ Status: 0, Answer: answers.map((data) => ({ name, type: type === "AAAA" ? 28 : 1, TTL: 60, data })) });
  };
  return Object.assign(fetcher, { queries });
}

async function refusal(url: string, opts: { localDevelopment?: boolean; fetch?: NetFetch } = {}): Promise<string> {
  try {
    await checkEndpointUrl(url, { localDevelopment: opts.localDevelopment ?? false, fetch: opts.fetch ?? dohStandIn({}) });
  } catch (error) {
    if (error instanceof EndpointRefused) return error.key;
    throw error;
  }
  return "accepted";
}

describe("the webhook address guard", () => {
  it.each([
    "10.1.2.3", "127.0.0.1", "127.9.9.9", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1",
  ])("calls the IPv4 address %s private", (ip) => {
    expect(isPrivateIPv4(ip)).toBe(true);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34"])("calls the IPv4 address %s public", (ip) => {
    expect(isPrivateIPv4(ip)).toBe(false);
  });

  it.each([
    "::1", "::", "fc00::1", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1",
    "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:c0a8:101::1", "2001:db8::1", "not-an-address",
  ])("calls the IPv6 address %s private", (ip) => {
    expect(isPrivateIPv6(ip)).toBe(true);
  });

  it.each(["2606:4700:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8"])("calls the IPv6 address %s public", (ip) => {
    expect(isPrivateIPv6(ip)).toBe(false);
  });

  it("refuses plain http outside development, and private or local hosts in any spelling", async () => {
    expect(await refusal("http://hooks.example.com/x")).toBe("webhooks.error.https");
    expect(await refusal("http://localhost:3000/hook")).toBe("webhooks.error.https");
    expect(await refusal("https://127.0.0.1/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://2130706433/hook")).toBe("webhooks.error.private"); // 127.0.0.1 as one number
    expect(await refusal("https://0x7f.1/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://169.254.169.254/latest/meta-data")).toBe("webhooks.error.private");
    expect(await refusal("https://[::1]/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://[::ffff:10.0.0.1]/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://[fd12:3456::1]/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://localhost/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://api.localhost/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://metadata.google.internal/x")).toBe("webhooks.error.private");
    expect(await refusal("https://intranet/hook")).toBe("webhooks.error.private");
    expect(await refusal("https://user:pw@hooks.example.com/x")).toBe("webhooks.error.credentials");
    expect(await refusal("ftp://hooks.example.com/x")).toBe("webhooks.error.url");
    expect(await refusal("not a url")).toBe("webhooks.error.url");
  });

  it("allows plain http to localhost only in development", async () => {
    expect(await refusal("http://localhost:3000/hook", { localDevelopment: true })).toBe("accepted");
    expect(await refusal("http://127.0.0.1:3000/hook", { localDevelopment: true })).toBe("accepted");
    expect(await refusal("http://127.0.0.1:3000/hook", { localDevelopment: false })).toBe("webhooks.error.https");
    expect(await refusal("http://10.0.0.5/hook", { localDevelopment: true })).toBe("webhooks.error.https");
  });

  it("resolves names through DNS-over-HTTPS and refuses one that answers with any private address", async () => {
    const dns = dohStandIn({
      "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"],
      "rebind.example.com": ["93.184.216.34", "10.0.0.7"],
      "v6.example.com": ["2606:2800:220:1::1", "fd00::5"],
      "meta.example.com": ["169.254.169.254"],
    });
    expect(await refusal("https://hooks.example.com/pactly", { fetch: dns })).toBe("accepted");
    expect(dns.queries).toEqual(["hooks.example.com A", "hooks.example.com AAAA"]);
    expect(await refusal("https://rebind.example.com/x", { fetch: dns })).toBe("webhooks.error.private");
    expect(await refusal("https://v6.example.com/x", { fetch: dns })).toBe("webhooks.error.private");
    expect(await refusal("https://meta.example.com/x", { fetch: dns })).toBe("webhooks.error.private");
    expect(await refusal("https://nowhere.example.com/x", { fetch: dns })).toBe("webhooks.error.unresolved");
    const down: NetFetch = async () => new Response("busy", { status: 503 });
    expect(await refusal("https://hooks.example.com/x", { fetch: down })).toBe("webhooks.error.dns");
  });
});

describe("Standard Webhooks signatures", () => {
  it("are verified by the standardwebhooks library, and a tampered body or id is not", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: "envelope.sent", timestamp: "2026-11-22T10:00:00.000Z", data: { envelopeId: "env_1", status: "sent" } });
    const headers = await webhookHeaders([secret], "msg_wh_1", Math.floor(Date.now() / 1000), body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("sent", "signed"), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_wh_2" })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it("carry one signature per secret, and either secret verifies", async () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const headers = await webhookHeaders([newSecret, oldSecret], "msg_wh_3", Math.floor(Date.now() / 1000), "{}");
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify("{}", headers)).toEqual({});
    expect(new Webhook(newSecret).verify("{}", headers)).toEqual({});
  });
});

describe("which envelope events become webhooks", () => {
  const state = {
    id: "env_1",
    orgId: "org_1",
    status: "sent",
    recipients: [{ id: "rcp_1", status: "signed", name: "Kari Nordmann", email: "kari@example.com" }],
  } as unknown as EnvelopeState;
  const event = (type: ChainedEvent["type"], recipientId: string | null = null) =>
    ({ type, at: "2026-11-22T10:00:00.000Z", actor: { kind: "system" }, recipientId, ip: "198.51.100.7", userAgent: "Firefox", data: { reason: "secret reason" }, envelopeId: "env_1", seq: 1, prevHash: "0", hash: "1" }) as ChainedEvent;

  it("maps the subscribed events, skips the rest, and says ids and statuses only", () => {
    const messages = webhookEventMessages(state, [
      event("envelope_created"),
      event("recipient_opened", "rcp_1"),
      event("document_viewed", "rcp_1"),
      event("recipient_signed", "rcp_1"),
      event("code_sent", "rcp_1"),
      event("envelope_purged"),
    ]);
    expect(messages.map((m) => m.event)).toEqual(["envelope.viewed", "recipient.signed", "document.deleted"]);
    expect(messages[1]!.data).toEqual({ envelopeId: "env_1", recipientId: "rcp_1", status: "sent", recipientStatus: "signed" });
    expect(messages[2]!.data).toEqual({ envelopeId: "env_1", status: "sent" });
    expect(new Set(messages.map((m) => m.id)).size).toBe(3);
    const text = JSON.stringify(messages);
    for (const leak of ["198.51.100.7", "Firefox", "secret reason", "Kari", "kari@example.com"]) expect(text).not.toContain(leak);
  });
});
