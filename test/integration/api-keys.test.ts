/**
 * API keys as a person and an attacker meet them: made on the settings page and shown
 * once, stored only as a hash, revoked after a confirmation; and on /api/v1: 401 without
 * a good key, 403 without the scope or over plain http outside development, 429 beyond
 * the rate limit.
 */
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { hashToken } from "../../src/domain/encoding";
import { Client, ORIGIN } from "../support/client";
import { freshIp, newSender, titleOf } from "../support/flows";
import { apiClient, createKeyOnPage, expectProblem, keySecret, senderWithKey } from "./api-helpers";

type KeyRow = { id: string; key_hash: string; prefix: string; scopes: string; last_used_at: string | null; revoked_at: string | null };

async function keyRows(): Promise<KeyRow[]> {
  return (await env.DB.prepare("SELECT * FROM api_keys").all<KeyRow>()).results;
}

describe("API keys on the settings page", () => {
  it("shows a new key once, stores only its SHA-256, and lists it by prefix", async () => {
    const { client } = await newSender();
    const { key, html } = await createKeyOnPage(client, "Accounting system", ["read"]);
    expect(html).toContain("This is the only time it is shown");

    const rows = await keyRows();
    const row = rows.find((r) => r.key_hash === hashToken(key));
    expect(row).toBeDefined();
    expect(row!.scopes).toBe("read");
    // Nothing in the database holds the key itself.
    expect(keySecret(key)).toHaveLength(43);
    expect(JSON.stringify(rows)).not.toContain(keySecret(key));
    expect(key.startsWith(`${row!.prefix}_`)).toBe(true);

    const list = await client.page("/settings/api-keys");
    expect(list.html).toContain("Accounting system");
    expect(list.html).toContain(`${row!.prefix}…`);
    expect(list.html).not.toContain(key);
    expect(list.html).toContain("Never");
  });

  it("re-shows the form with an error summary for a missing name and no scopes, and creates nothing", async () => {
    const { client } = await newSender();
    const before = (await keyRows()).length;
    const { csrf } = await client.page("/settings/api-keys");
    const res = await client.post("/settings/api-keys", { name: "  " }, csrf);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: API keys/);
    expect(html).toContain('<a href="#name">Enter a name for the key</a>');
    expect(html).toContain('<a href="#scopes">Choose at least one thing the key may do</a>');
    expect(html).toMatch(/id="scopes"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="scopes"/);
    expect((await keyRows()).length).toBe(before);
  });

  it("sends anonymous visitors to log in", async () => {
    const res = await new Client(freshIp()).get("/settings/api-keys");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
  });

  it("revokes a key after a confirmation page, after which the API refuses it", async () => {
    const { client, key, api } = await senderWithKey();
    expect((await api.call("/api/v1/envelopes")).status).toBe(200);
    const id = (await keyRows()).find((r) => r.key_hash === hashToken(key))!.id;

    const confirm = await client.page(`/settings/api-keys/${id}/revoke`);
    expect(confirm.res.status).toBe(200);
    expect(confirm.html).toContain("Revoke the API key");
    // Looking at the confirmation changes nothing.
    expect((await api.call("/api/v1/envelopes")).status).toBe(200);

    const revoked = await client.post(`/settings/api-keys/${id}/revoke`, {}, confirm.csrf);
    expect(revoked.status).toBe(303);
    const list = await client.page(revoked.headers.get("Location")!);
    expect(list.html).toContain("was revoked");
    expect(list.html).toContain("Revoked");

    const refused = await expectProblem(await api.call("/api/v1/envelopes"), 401, "unauthenticated");
    expect(refused.detail).toContain("revoked");
  });

  it("answers 404 to another organisation's key id, and leaves that key working", async () => {
    const victim = await senderWithKey();
    const id = (await keyRows()).find((r) => r.key_hash === hashToken(victim.key))!.id;
    const { client: attacker } = await newSender("Mallory");
    expect((await attacker.get(`/settings/api-keys/${id}/revoke`)).status).toBe(404);
    const { csrf } = await attacker.page("/settings/api-keys");
    expect((await attacker.post(`/settings/api-keys/${id}/revoke`, {}, csrf)).status).toBe(404);
    expect((await victim.api.call("/api/v1/envelopes")).status).toBe(200);
    expect((await keyRows()).find((r) => r.id === id)!.revoked_at).toBeNull();
  });

  it("records when a key was last used, at most once a minute", async () => {
    const { key, api } = await senderWithKey();
    const row = () => keyRows().then((rows) => rows.find((r) => r.key_hash === hashToken(key))!);
    expect((await row()).last_used_at).toBeNull();
    await api.call("/api/v1/envelopes");
    const first = (await row()).last_used_at;
    expect(first).not.toBeNull();
    await api.call("/api/v1/envelopes");
    expect((await row()).last_used_at).toBe(first);
  });
});

describe("API authentication", () => {
  const paths = ["/api/v1/envelopes", "/api/v1/envelopes/env_AAAAAAAAAAAAAAAAAAAAAA", "/api/v1/documents/doc_AAAAAAAAAAAAAAAAAAAAAA", "/api/v1/nothing-here"];

  it("answers 401 problem+json with a Bearer challenge without a key, with a wrong one, or with another scheme", async () => {
    const { key } = await senderWithKey();
    const wrong = key.slice(0, -4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (const path of paths) {
      const none = await apiClient("").call(path);
      await expectProblem(none, 401, "unauthenticated");
      expect(none.headers.get("WWW-Authenticate")).toBe('Bearer realm="Pactly API"');
      for (const authorization of [`Bearer ${wrong}`, `Basic ${btoa(`x:${key}`)}`, "Bearer", `Bearer pk_dev_00000000_${"A".repeat(43)}`]) {
        const res = await apiClient("").call(path, { headers: { Authorization: authorization } });
        await expectProblem(res, 401, "unauthenticated");
        expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="Pactly API"/);
      }
    }
    // A POST without a key changes nothing and says the same.
    await expectProblem(await apiClient("").json("POST", "/api/v1/envelopes", { title: "x" }), 401, "unauthenticated");
  });

  it("keeps the public endpoints public", async () => {
    const anonymous = apiClient("");
    expect((await anonymous.call("/api/v1")).status).toBe(200);
    expect((await anonymous.call("/api/v1/openapi.json")).status).toBe(200);
  });

  it("refuses a read-only key on every POST with 403 and a write-only key on GET", async () => {
    const reader = await senderWithKey(["read"]);
    expect((await reader.api.call("/api/v1/envelopes")).status).toBe(200);
    for (const path of ["/api/v1/documents", "/api/v1/envelopes", "/api/v1/envelopes/env_AAAAAAAAAAAAAAAAAAAAAA/send", "/api/v1/envelopes/env_AAAAAAAAAAAAAAAAAAAAAA/cancel"]) {
      const res = await reader.api.json("POST", path, {});
      const body = await expectProblem(res, 403, "insufficient_scope");
      expect(body.requiredScope).toBe("write");
      expect(res.headers.get("WWW-Authenticate")).toContain('error="insufficient_scope"');
    }
    const writer = await senderWithKey(["write"]);
    await expectProblem(await writer.api.call("/api/v1/envelopes"), 403, "insufficient_scope");
  });

  it("refuses plain http outside development with 403 https_required, before looking at the key", async () => {
    const { key } = await senderWithKey();
    const app = createApp();
    const call = async (url: string, environment: string, headers: Record<string, string> = {}) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(url, { headers: { Authorization: `Bearer ${key}`, "CF-Connecting-IP": freshIp(), ...headers } }), { ...env, ENVIRONMENT: environment }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    await expectProblem(await call("http://pactly.test/api/v1/envelopes", "production"), 403, "https_required");
    await expectProblem(await call("http://pactly.test/api/v1/openapi.json", "staging"), 403, "https_required");
    await expectProblem(await call("https://pactly.test/api/v1/envelopes", "production", { "X-Forwarded-Proto": "http" }), 403, "https_required");
    expect((await call("https://pactly.test/api/v1/envelopes", "production")).status).toBe(200);
    expect((await call("http://pactly.test/api/v1/envelopes", "development")).status).toBe(200);
    // A Worker deployed with ENVIRONMENT=development by mistake still refuses plain http at a public address.
    await expectProblem(await call("http://sign.pactly.example/api/v1/envelopes", "development"), 403, "https_required");
  });

  it("answers 429 with Retry-After beyond 100 requests a minute per key, while another key goes on", async () => {
    const { api } = await senderWithKey();
    let limited: Response | null = null;
    // The Rate Limiting binding counts in fixed windows on the wall clock: a burst that straddles a boundary is split in two, so it takes up to twice the limit (+1) to be sure of a 429.
    for (let i = 0; i < 201 && !limited; i++) {
      // A new address each time: the limit met is the key's, not the address's.
      const res = await apiClient(api.key).call("/api/v1/envelopes?limit=1");
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited).not.toBeNull();
    await expectProblem(limited!.clone(), 429, "rate_limited");
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
    const other = await senderWithKey();
    expect((await other.api.call("/api/v1/envelopes")).status).toBe(200);
  });

  it("answers 429 to one address guessing keys, before looking them up", async () => {
    const ip = freshIp();
    let limited: Response | null = null;
    // The Rate Limiting binding counts in fixed windows on the wall clock: a burst that straddles a boundary is split in two, so it takes up to twice the limit (+1) to be sure of a 429.
    for (let i = 0; i < 201 && !limited; i++) {
      const res = await SELF.fetch(`${ORIGIN}/api/v1/envelopes`, { headers: { Authorization: `Bearer pk_dev_00000000_${String(i).padStart(43, "A")}`, "CF-Connecting-IP": ip } });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited).not.toBeNull();
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});
