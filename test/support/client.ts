/**
 * A tiny cookie-keeping client for integration tests: it drives the Worker through
 * its real fetch handler, like a browser would, including CSRF form tokens.
 */
import { SELF } from "cloudflare:test";

export const ORIGIN = "https://pactly.test";

export class Client {
  readonly cookies = new Map<string, string>();

  constructor(readonly ip = "203.0.113.10") {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", this.ip);
    if (!headers.has("User-Agent")) headers.set("User-Agent", "PactlyTest/1.0");
    const res = await SELF.fetch(new URL(path, ORIGIN), { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(path: string): Promise<Response> {
    return this.fetch(path);
  }

  /** GETs a page and returns its HTML and the CSRF token in its forms. */
  async page(path: string): Promise<{ res: Response; html: string; csrf: string }> {
    const res = await this.get(path);
    const html = await res.text();
    return { res, html, csrf: csrfOf(html) };
  }

  /** Posts a form the way a browser does: same-origin, with the page's CSRF token. */
  async post(path: string, fields: Record<string, string | Blob>, csrf: string, opts: { multipart?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" };
    let body: BodyInit;
    if (opts.multipart) {
      const form = new FormData();
      form.set("_csrf", csrf);
      for (const [k, v] of Object.entries(fields)) form.set(k, v as string | Blob);
      body = form;
    } else {
      const params = new URLSearchParams({ _csrf: csrf });
      for (const [k, v] of Object.entries(fields)) params.set(k, String(v));
      body = params;
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    return this.fetch(path, { method: "POST", headers, body });
  }
}

export function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
}

let counter = 0;
/** A unique address per call so tests never collide on the users' unique email index. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** Logs in with the password every test account has, as a person coming back would. */
export async function logIn(client: Client, email: string): Promise<void> {
  const { csrf } = await client.page("/login");
  const res = await client.post("/login", { email, password: "correct horse battery staple" }, csrf);
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
}

export async function signUp(client: Client, name = "Sender Person", email = uniqueEmail("sender")): Promise<{ email: string }> {
  const { csrf } = await client.page("/signup");
  const res = await client.post("/signup", { name, email, password: "correct horse battery staple", locale: "en" }, csrf);
  if (res.status !== 303) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return { email };
}
