/**
 * Journeys shared by the security and validation tests: a sender with an envelope,
 * signers following their invitation links, and reading what the sender's page shows.
 * Everything goes through the Worker's real routes, like a browser would.
 */
import { expect } from "vitest";
import { Client, ORIGIN, signUp, uniqueEmail } from "./client";
import { makePdf } from "./pdf";
import { eventually } from "./eventually";

/**
 * A client address no other test uses, so the rate limits (10 per minute per address)
 * never trip by accident. Random per test file, counted within it.
 */
const ipA = 1 + Math.floor(Math.random() * 250);
const ipB = Math.floor(Math.random() * 200);
let ipCount = 0;
export function freshIp(): string {
  ipCount += 1;
  return `10.${ipA}.${ipB + Math.floor(ipCount / 250)}.${(ipCount % 250) + 1}`;
}

export const PASSWORD = "correct horse battery staple";

/**
 * A signed-in sender with a client of their own. Their email address is confirmed
 * through the link in the sign-up email (sending requires it) unless `verified: false`.
 */
export async function newSender(name = "Sender Person", opts: { verified?: boolean } = {}): Promise<{ client: Client; email: string }> {
  const client = new Client(freshIp());
  const { email } = await signUp(client, name);
  if (opts.verified !== false) await verifyEmail(client, email);
  return { client, email };
}

/** Opens the confirmation link of the sign-up email and confirms, as the address's owner would. */
export async function verifyEmail(client: Client, email: string): Promise<void> {
  const message = await waitForMessage(client, email, "Confirm your email address");
  const opened = await client.get(new URL(message.link!).pathname);
  expect(opened.status).toBe(303);
  const { csrf } = await client.page(opened.headers.get("Location")!);
  const confirmed = await client.post("/email/verify", {}, csrf);
  expect(confirmed.status).toBe(303);
}

export type Signer = { name: string; email: string };

export function newSigner(name: string): Signer {
  // Letters like Å in a name become their ASCII base in the address (most mail systems refuse non-ASCII addresses).
  const local = name.split(" ")[0]!.normalize("NFKD").replace(/[^A-Za-z0-9]/g, "").toLowerCase() || "signer";
  return { name, email: uniqueEmail(local) };
}

/** Uploads a fresh PDF as a draft envelope and adds the given signers. Returns its page path and id. */
export async function createEnvelope(
  sender: Client,
  opts: { title?: string; signers?: Signer[]; order?: "parallel" | "sequential" } = {},
): Promise<{ path: string; id: string }> {
  const { csrf, html } = await sender.page("/envelopes/new");
  const idem = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
  const created = await sender.post(
    "/envelopes",
    {
      idempotency_key: idem,
      title: opts.title ?? "Used-car sale",
      message: "Please sign",
      signingOrder: opts.order ?? "parallel",
      file: new File([await makePdf(1)], "agreement.pdf", { type: "application/pdf" }),
    },
    csrf,
    { multipart: true },
  );
  expect(created.status).toBe(303);
  const path = created.headers.get("Location")!;
  expect(path).toMatch(/^\/envelopes\/env_[A-Za-z0-9_-]+$/);
  for (const s of opts.signers ?? []) await addSigner(sender, path, s);
  return { path, id: path.split("/").pop()! };
}

export async function addSigner(sender: Client, path: string, s: Signer): Promise<void> {
  const { csrf } = await sender.page(path);
  const added = await sender.post(`${path}/recipients`, { name: s.name, email: s.email, locale: "en" }, csrf);
  // On a refusal, the first error message says why.
  expect(added.status, /class="field-error">(?:<span[^>]*>[^<]*<\/span>)?\s*([^<]*)/.exec(added.status === 303 ? "" : await added.clone().text())?.[1] ?? "").toBe(303);
}

/** Sends with the expiry date the form offers (30 days ahead) unless one is given (YYYY-MM-DD). */
export async function sendEnvelope(sender: Client, path: string, expiresOn?: string): Promise<void> {
  const { csrf, html } = await sender.page(path);
  const offered = /id="expiresOn"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? /value="([^"]*)"[^>]*id="expiresOn"/.exec(html)?.[1];
  const sent = await sender.post(`${path}/send`, { expiresOn: expiresOn ?? offered ?? "" }, csrf);
  expect(sent.status).toBe(303);
}

export async function cancelEnvelope(sender: Client, path: string): Promise<void> {
  const { csrf } = await sender.page(path);
  const cancelled = await sender.post(`${path}/cancel`, { reason: "Changed my mind" }, csrf);
  expect(cancelled.status).toBe(303);
}

type OutboxMessage = { to: string; subject: string; text: string; link: string | null };

export async function outboxMessages(client: Client): Promise<OutboxMessage[]> {
  const res = await client.get("/dev/outbox.json");
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: OutboxMessage[] }).messages;
}

/** Waits for the development outbox to hold a message to `to` whose subject contains `subjectPart`. */
export async function waitForMessage(client: Client, to: string, subjectPart: string, timeoutMs = 15_000): Promise<OutboxMessage> {
  return eventually(async () => (await outboxMessages(client)).find((m) => m.to === to && m.subject.includes(subjectPart)), {
    what: `a message to ${to} about ${subjectPart}`,
    within: timeoutMs,
  });
}

/** The path (/s/<token>) of the signing link in this signer's invitation. */
export async function invitationLink(client: Client, to: string): Promise<string> {
  const message = await waitForMessage(client, to, "asks you to sign");
  expect(message.link).toMatch(/\/s\/[A-Za-z0-9_-]{22,64}$/);
  return new URL(message.link!).pathname;
}

/** Follows a signing link like a browser: GET /s/<token>, then the clean /sign/rcp_… page. */
export async function openLink(signer: Client, linkPath: string): Promise<{ signPath: string; recipientId: string; html: string; csrf: string }> {
  const opened = await signer.get(linkPath);
  expect(opened.status).toBe(303);
  const signPath = opened.headers.get("Location")!.split("?")[0]!;
  expect(signPath).toMatch(/^\/sign\/rcp_[A-Za-z0-9_-]+$/);
  const page = await signer.page(signPath);
  expect(page.res.status).toBe(200);
  return { signPath, recipientId: signPath.split("/").pop()!, html: page.html, csrf: page.csrf };
}

/** A sent envelope with these signers, each signer with a client of their own and their link. */
export async function sentEnvelope(signers: Signer[], opts: { title?: string; order?: "parallel" | "sequential" } = {}) {
  const sender = await newSender();
  const { path, id } = await createEnvelope(sender.client, { ...opts, signers });
  await sendEnvelope(sender.client, path);
  const links = [];
  for (const s of signers) links.push({ ...s, client: new Client(freshIp()), link: await invitationLink(sender.client, s.email) });
  return { sender, path, id, links };
}

/** The entries of the sender's envelope timeline, as shown: "Signed — Kari Nordmann". */
export async function timeline(sender: Client, path: string): Promise<string[]> {
  const { res, html } = await sender.page(path);
  expect(res.status).toBe(200);
  const list = /<ol class="timeline">([\s\S]*?)<\/ol>/.exec(html);
  expect(list).not.toBeNull();
  return [...list![1]!.matchAll(/<span>([\s\S]*?)<\/span>/g)].map((m) => decode(m[1]!).trim());
}

/** The status shown on the sender's envelope page ("Draft", "Out for signing", …). */
export async function envelopeStatus(sender: Client, path: string): Promise<string> {
  const { html } = await sender.page(path);
  const tag = /<div id="envelope-status"[\s\S]*?<strong class="tag[^"]*">([^<]*)<\/strong>/.exec(html);
  expect(tag).not.toBeNull();
  return decode(tag![1]!);
}

/** The names and emails in the sender's signer table. */
export async function signerRows(sender: Client, path: string): Promise<string[]> {
  const { html } = await sender.page(path);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => decode(m[1]!.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim());
}

export function decode(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&");
}

/** The page's <title>, decoded. */
export function titleOf(html: string): string {
  return decode(/<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? "");
}

/** The contents of <main>, where pages say what happened (the head differs per response by its nonce). */
export function mainOf(html: string): string {
  return /<main[^>]*>([\s\S]*?)<\/main>/.exec(html)?.[1] ?? "";
}

/**
 * Posts a form with full control over the CSRF defences: which token (or none) goes in
 * the body and which Origin / Sec-Fetch-Site headers a browser would send.
 */
export async function rawPost(
  client: Client,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string>,
): Promise<Response> {
  return client.fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
}

export const SAME_ORIGIN = { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" } as const;
