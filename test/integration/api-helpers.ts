/**
 * Helpers for the API tests: an API key made the way a person makes one (the settings
 * page), and a small client that calls /api/v1 with it through the Worker's real fetch.
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { Client, ORIGIN } from "../support/client";
import { decode, freshIp, newSender } from "../support/flows";
import { makePdf } from "../support/pdf";

/** Creates a key on /settings/api-keys and reads it from the one page that shows it. */
export async function createKeyOnPage(client: Client, name = "Integration", scopes: string[] = ["read", "write"]): Promise<{ key: string; html: string }> {
  const { csrf } = await client.page("/settings/api-keys");
  const form = new URLSearchParams({ _csrf: csrf, name });
  for (const s of scopes) form.append("scopes", s);
  const res = await client.fetch("/settings/api-keys", {
    method: "POST",
    headers: { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const html = await res.text();
  expect(res.status, html.slice(0, 500)).toBe(200);
  const key = decode(/id="new-key"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? /value="([^"]+)"[^>]*id="new-key"/.exec(html)?.[1] ?? "");
  expect(key).toMatch(/^pk_dev_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
  return { key, html };
}

/**
 * The secret part of a key (`pk_<env>_<visible>_<secret>`): everything after the third
 * "_". The secret is base64url and may itself hold "_", so it is not the last piece.
 */
export function keySecret(key: string): string {
  return key.split("_").slice(3).join("_");
}

export type Api = {
  key: string;
  ip: string;
  call: (path: string, init?: RequestInit) => Promise<Response>;
  json: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;
};

export function apiClient(key: string, ip = freshIp()): Api {
  const call = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("Authorization") && key) headers.set("Authorization", `Bearer ${key}`);
    if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", ip);
    return SELF.fetch(new URL(path, ORIGIN), { ...init, headers, redirect: "manual" });
  };
  const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(path, { method, headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { key, ip, call, json };
}

/** A verified sender with a read+write key (and their browser client, for the dev outbox and pages). */
export async function senderWithKey(scopes: string[] = ["read", "write"]) {
  const sender = await newSender();
  const { key } = await createKeyOnPage(sender.client, "Integration", scopes);
  return { ...sender, key, api: apiClient(key) };
}

export async function uploadPdf(api: Api, bytes?: Uint8Array): Promise<{ id: string; sha256: string; pages: number }> {
  const res = await api.call("/api/v1/documents", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: bytes ?? (await makePdf(1)) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; sha256: string; pages: number };
}

export async function createDraft(api: Api, recipients: Record<string, unknown>[], extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const doc = await uploadPdf(api);
  const res = await api.json("POST", "/api/v1/envelopes", { title: "Used-car sale", documentId: doc.id, recipients, ...extra });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Record<string, any>;
}

export async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, any>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Record<string, any>;
  expect(body).toMatchObject({ status, code, type: `https://pactly.dev/problems/${code}` });
  expect(typeof body.detail).toBe("string");
  return body;
}
