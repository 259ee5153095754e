/**
 * Idempotency-Key on POST: a retry gets the first answer and nothing happens twice; the
 * same key with another request is refused; a retry racing the first is told to wait.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../src/domain/encoding";
import { makePdf } from "../support/pdf";
import { newSigner } from "../support/flows";
import { createDraft, expectProblem, senderWithKey, uploadPdf } from "./api-helpers";

async function countEnvelopes(orgDocumentIds: string[]): Promise<number> {
  const marks = orgDocumentIds.map(() => "?").join(",");
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM envelopes WHERE document_id IN (${marks})`).bind(...orgDocumentIds).first<{ n: number }>())!.n;
}

describe("Idempotency-Key", () => {
  it("replays the first answer to a retry, marked Idempotent-Replayed, and creates one envelope", async () => {
    const { api } = await senderWithKey();
    const doc = await uploadPdf(api);
    const body = { title: "Once only", documentId: doc.id, recipients: [newSigner("Ida Empotent")] };
    const headers = { "Idempotency-Key": "create-envelope-7f3a" };
    const first = await api.json("POST", "/api/v1/envelopes", body, headers);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.text();

    const retry = await api.json("POST", "/api/v1/envelopes", body, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(await retry.text()).toBe(firstBody);
    expect(await countEnvelopes([doc.id])).toBe(1);

    // Stored per organisation under the key's hash, never the key itself.
    const row = await env.DB.prepare("SELECT key_hash, state, status FROM api_idempotency WHERE key_hash = ?").bind(hashToken(headers["Idempotency-Key"])).first();
    expect(row).toMatchObject({ state: "done", status: 201 });
  });

  it("replays an upload without storing a second document", async () => {
    const { api } = await senderWithKey();
    const bytes = await makePdf(1);
    const post = () => api.call("/api/v1/documents", { method: "POST", headers: { "Content-Type": "application/pdf", "Idempotency-Key": "upload-1" }, body: bytes });
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM documents").first<{ n: number }>())!.n;
    const a = await post();
    const b = await post();
    expect(a.status).toBe(201);
    expect(b.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await b.json()) as { id: string }).id).toBe(((await a.json()) as { id: string }).id);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM documents").first<{ n: number }>())!.n).toBe(before + 1);
  });

  it("replays a refusal too: the same request gets the same answer", async () => {
    const { api } = await senderWithKey();
    const headers = { "Idempotency-Key": "bad-create" };
    const first = await api.json("POST", "/api/v1/envelopes", { title: "" }, headers);
    await expectProblem(first, 422, "validation_failed");
    const retry = await api.json("POST", "/api/v1/envelopes", { title: "" }, headers);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    await expectProblem(retry, 422, "validation_failed");
  });

  it("refuses the same key with a different body or path with 422, and keeps the first answer", async () => {
    const { api } = await senderWithKey();
    const draft = await createDraft(api, [newSigner("Mis Match")]);
    const headers = { "Idempotency-Key": "cancel-1" };
    const first = await api.json("POST", `/api/v1/envelopes/${draft.id}/cancel`, { reason: "Wrong buyer" }, headers);
    expect(first.status).toBe(200);
    await expectProblem(await api.json("POST", `/api/v1/envelopes/${draft.id}/cancel`, { reason: "Another reason" }, headers), 422, "idempotency_key_reused");
    await expectProblem(await api.json("POST", `/api/v1/envelopes/${draft.id}/send`, { reason: "Wrong buyer" }, headers), 422, "idempotency_key_reused");
    const replay = await api.json("POST", `/api/v1/envelopes/${draft.id}/cancel`, { reason: "Wrong buyer" }, headers);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("keeps keys apart per organisation", async () => {
    const a = await senderWithKey();
    const b = await senderWithKey();
    const headers = { "Idempotency-Key": "shared-key-name" };
    const docA = await uploadPdf(a.api);
    const docB = await uploadPdf(b.api);
    const resA = await a.api.json("POST", "/api/v1/envelopes", { title: "A", documentId: docA.id, recipients: [newSigner("Ann A")] }, headers);
    const resB = await b.api.json("POST", "/api/v1/envelopes", { title: "B", documentId: docB.id, recipients: [newSigner("Bob B")] }, headers);
    expect(resA.status).toBe(201);
    expect(resB.status).toBe(201);
    expect(resB.headers.get("Idempotent-Replayed")).toBeNull();
    expect(((await resB.json()) as { title: string }).title).toBe("B");
  });

  it("answers 409 to a retry while the first request is still running, and creates one envelope", async () => {
    const { api } = await senderWithKey();
    const doc = await uploadPdf(api);
    const body = { title: "Raced", documentId: doc.id, recipients: [newSigner("Rae Ce")] };
    const headers = { "Idempotency-Key": "race-1" };
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.json("POST", "/api/v1/envelopes", body, headers)));
    // Exactly one ran; the others either waited for nothing (409) or got its stored answer.
    const ran = answers.filter((r) => r.status === 201 && r.headers.get("Idempotent-Replayed") === null);
    expect(ran.length).toBe(1);
    for (const r of answers) {
      if (r.status === 409) {
        await expectProblem(r.clone(), 409, "idempotency_key_in_use");
        expect(r.headers.get("Retry-After")).toBe("1");
      } else {
        expect(r.status).toBe(201);
      }
    }
    expect(await countEnvelopes([doc.id])).toBe(1);
  });

  it("refuses a key that is empty, too long or not printable with 400", async () => {
    const { api } = await senderWithKey();
    for (const key of ["", "x".repeat(256), "tab\there"]) {
      const res = await api.call("/api/v1/envelopes", { method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": key }, body: "{}" });
      await expectProblem(res, 400, "invalid_idempotency_key");
    }
    expect((await api.json("POST", "/api/v1/envelopes", { title: "" }, { "Idempotency-Key": "x".repeat(255) })).status).toBe(422);
  });

  it("lets a key go when the request holding it died more than five minutes ago", async () => {
    const { api } = await senderWithKey();
    const headers = { "Idempotency-Key": "will-release" };
    // A claim left behind by a request that never finished (the isolate was killed).
    await env.DB.prepare("INSERT INTO api_idempotency (org_id, key_hash, request_hash, state, created_at, expires_at) SELECT org_id, ?, 'x', 'pending', ?, ? FROM api_keys WHERE key_hash = ?")
      .bind(hashToken(headers["Idempotency-Key"]), new Date(Date.now() - 10 * 60_000).toISOString(), new Date(Date.now() + 3600_000).toISOString(), hashToken(api.key))
      .run();
    const res = await api.json("POST", "/api/v1/envelopes", { title: "" }, headers);
    await expectProblem(res, 422, "validation_failed");
    expect(res.headers.get("Idempotent-Replayed")).toBeNull();
  });
});
