/**
 * Uploading a PDF through the real new-envelope form, as a browser would, and
 * checking what the uploader sees: for the PDF corpora (test/fixtures/pdf-corpus,
 * test/fixtures/pdf-hostile) and the fuzz test over them.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { readDocument } from "../../src/services/documents";
import { envelopeStub } from "../../src/services/envelope-stub";
import { database } from "../../src/storage/db";
import { findDocument } from "../../src/storage/documents";
import type { Client } from "./client";
import { newSender } from "./flows";

/** What the upload page says beside the file field for each refusal. */
export const UPLOAD_MESSAGE: Record<string, RegExp> = {
  not_pdf: /The selected file is not a PDF/,
  invalid_pdf: /The selected PDF is damaged and cannot be opened/,
  pdf_encrypted: /The selected PDF is password-protected/,
  pdf_unpacks_too_large: /The selected PDF unpacks to far more data than its size suggests/,
  pdf_too_large: /The selected file must be smaller than 20 MB/,
  pdf_too_many_pages: /The selected PDF must have 2,000 pages or fewer/,
  no_file: /Select a PDF file/,
};

/** Bytes of a file that Vite inlined as a data: URL (import.meta.glob with ?inline), so they reach workerd without a file system. */
export function inlinedBytes(url: string | undefined, file: string): Uint8Array {
  if (url === undefined) throw new Error(`${file} is listed in corpus.json but missing`);
  return Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (c) => c.charCodeAt(0));
}

export async function orgOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT personal_org_id AS org_id FROM users WHERE email = ?").bind(email).first<{ org_id: string }>();
  return row!.org_id;
}

/** A new sender uploads file through the new-envelope form. */
export async function uploadThroughForm(file: File): Promise<{ sender: { client: Client; email: string }; res: Response }> {
  const sender = await newSender();
  const { csrf, html } = await sender.client.page("/envelopes/new");
  const idem = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
  const res = await sender.client.post("/envelopes", { idempotency_key: idem, title: `Corpus: ${file.name}`, message: "", order: "parallel", file }, csrf, { multipart: true });
  return { sender, res };
}

/** Nothing half-written for this sender: no documents row, no envelope, no R2 object. */
export async function expectNothingStored(email: string): Promise<void> {
  const orgId = await orgOf(email);
  const docs = await env.DB.prepare("SELECT count(*) AS n FROM documents WHERE org_id = ?").bind(orgId).first<{ n: number }>();
  const envelopes = await env.DB.prepare("SELECT count(*) AS n FROM envelopes WHERE org_id = ?").bind(orgId).first<{ n: number }>();
  expect(docs!.n).toBe(0);
  expect(envelopes!.n).toBe(0);
  expect((await env.DOCUMENTS.list({ prefix: `documents/${orgId}/` })).objects).toEqual([]);
}

/** The form refuses file with message (an error page, 4xx) and stores nothing. */
export async function expectRefused(file: File, message: RegExp, status = 422): Promise<void> {
  const { sender, res } = await uploadThroughForm(file);
  expect(res.status).toBe(status);
  const html = await res.text();
  expect(html).toMatch(/<title>Error: /);
  expect(html).toMatch(message);
  await expectNothingStored(sender.email);
}

/** The form accepts bytes as a document with these pages and SHA-256, stored encrypted; returns its envelope. */
export async function expectAccepted(entry: { file: string; pages?: number; sha256: string }, bytes: Uint8Array) {
  const { sender, res } = await uploadThroughForm(new File([bytes], entry.file, { type: "application/pdf" }));
  expect(res.status, await res.clone().text().then((t) => /class="field-error">([^<]*)/.exec(t)?.[1] ?? "")).toBe(303);
  const path = res.headers.get("Location")!;
  const id = path.split("/").pop()!;
  const state = (await envelopeStub(env, id).getState())!;
  const row = await findDocument(database(env.DB), state.orgId, state.document.id);
  expect(row).toMatchObject({ pages: entry.pages, sha256: entry.sha256, size: bytes.length });
  expect(state.document).toMatchObject({ pages: entry.pages, sha256: entry.sha256 });
  // Stored encrypted, and reads back byte for byte.
  const object = await env.DOCUMENTS.get(row!.r2Key);
  expect(object).not.toBeNull();
  const stored = new Uint8Array(await object!.arrayBuffer());
  expect(stored.length).toBeGreaterThan(bytes.length);
  expect(await readDocument(env, row!)).toEqual(bytes);
  return { sender, path, id, bytes };
}
