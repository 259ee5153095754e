import { describe, expect, it } from "vitest";
import { verifyEvidenceBundle } from "../../src/domain/evidence";
import { verifySeal } from "../../src/pdf/verify-seal";
import { Client } from "../support/client";
import { freshIp, openLink, sentEnvelope } from "../support/flows";
import { makePdf } from "../support/pdf";
import { generateSealedWithOtherKey } from "../support/other-seal";
import { eventually } from "../support/eventually";

/** A completed envelope's signed PDF, downloaded by its sender. */
async function signedPdf(): Promise<{ bytes: Uint8Array; sender: Client; path: string }> {
  const { sender, path, links } = await sentEnvelope([{ name: "Dmitrij Петров", email: `petrov-${Date.now()}@example.com` }]);
  const signer = links[0]!;
  const opened = await openLink(signer.client, signer.link);
  const res = await signer.client.post(`${opened.signPath}/sign`, { typedName: "Dmitrij Петров", consent: "yes" }, opened.csrf);
  expect(res.status).toBe(303);
  const download = await eventually(
    async () => {
      const res = await sender.client.get(`${path}/signed.pdf`);
      if (res.status === 200) return res;
      await res.body?.cancel();
    },
    { what: "the envelope to complete", within: 20_000 },
  );
  return { bytes: new Uint8Array(await download.arrayBuffer()), sender: sender.client, path };
}

async function verifyPage(client: Client, bytes: Uint8Array): Promise<{ status: number; html: string }> {
  const { csrf } = await client.page("/verify");
  const res = await client.post("/verify", { file: new File([bytes], "signed.pdf", { type: "application/pdf" }) }, csrf, { multipart: true });
  return { status: res.status, html: await res.text() };
}

describe("a completed envelope's signed PDF", () => {
  it("is sealed over the whole file, embeds intact evidence, and passes the public check", async () => {
    const { bytes, sender, path } = await signedPdf();
    const seal = await verifySeal(bytes);
    expect(seal.sealed && seal.valid && seal.coversWholeFile && seal.paddingIsZero).toBe(true);

    const api = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: bytes });
    expect(api.status).toBe(200);
    const outcome = (await api.json()) as Record<string, unknown>;
    expect(outcome).toMatchObject({ genuine: true, sealed: true, sealValid: true, trusted: true, unchanged: true, originalIntact: true, evidenceIntact: true });
    expect(typeof outcome.completedAt).toBe("string");
    // Nothing personal in the answer.
    expect(JSON.stringify(outcome)).not.toMatch(/Петров|@example\.com|Used-car/);

    const page = await verifyPage(new Client(freshIp()), bytes);
    expect(page.status).toBe(200);
    expect(page.html).toContain("This document is genuine and unchanged");

    // The evidence alone is downloadable by the sender, and its chain holds.
    const evidence = await sender.get(`${path}/evidence.json`);
    expect(evidence.status).toBe(200);
    expect(verifyEvidenceBundle(await evidence.json())).toEqual({ ok: true });
  });

  it("is reported as changed when one byte is flipped", async () => {
    const { bytes } = await signedPdf();
    const tampered = bytes.slice();
    tampered[Math.floor(tampered.length / 3)]! ^= 0x01;
    const api = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: tampered });
    const outcome = (await api.json()) as Record<string, unknown>;
    expect(outcome.genuine).toBe(false);
    expect(outcome.completedAt).toBeNull();
    const page = await verifyPage(new Client(freshIp()), tampered);
    expect(page.html).toContain("This document could not be confirmed");
  });

  it("a PDF Pactly never sealed is not genuine, and bad input gets a clear answer", async () => {
    const api = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: await makePdf(1) });
    expect(((await api.json()) as { genuine: boolean; sealed: boolean })).toMatchObject({ genuine: false, sealed: false });
    const empty = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    expect(empty.headers.get("Content-Type")).toContain("application/problem+json");
    const wrongType = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "hello" });
    expect(wrongType.status).toBe(415);
    const noFile = await verifyPage(new Client(freshIp()), new Uint8Array(0));
    expect(noFile.status).toBe(422);
    expect(noFile.html).toContain("Select the signed PDF to check");
  });

  it("a sealed PDF from another Pactly (another seal certificate) is valid but not trusted here", async () => {
    const { bytes } = await signedPdf();
    const resealed = await generateSealedWithOtherKey(bytes);
    const api = await new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: resealed });
    const outcome = (await api.json()) as Record<string, unknown>;
    expect(outcome).toMatchObject({ genuine: false, sealValid: true, trusted: false });
  });
});
