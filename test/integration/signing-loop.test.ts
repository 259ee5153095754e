import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PDFDocument } from "pdf-lib";
import { Client, signUp, uniqueEmail } from "../support/client";
import { verifyEmail } from "../support/flows";
import { makePdf } from "../support/pdf";
import { eventually } from "../support/eventually";

type OutboxMessage = { to: string; subject: string; text: string; link: string | null };

async function outboxFor(client: Client, to: string, subjectPart: string, timeoutMs = 15_000): Promise<OutboxMessage> {
  return eventually(
    async () => {
      const res = await client.get("/dev/outbox.json");
      const { messages } = (await res.json()) as { messages: OutboxMessage[] };
      return messages.find((m) => m.to === to && m.subject.includes(subjectPart));
    },
    { what: `a message to ${to} about ${subjectPart}`, within: timeoutMs },
  );
}

async function createEnvelope(sender: Client, signers: { name: string; email: string }[], title = "Loan between friends") {
  const { csrf, html } = await sender.page("/envelopes/new");
  const idem = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
  const pdf = await makePdf(2);
  const created = await sender.post(
    "/envelopes",
    { idempotency_key: idem, title, message: "Please sign", order: "parallel", file: new File([pdf], "loan.pdf", { type: "application/pdf" }) },
    csrf,
    { multipart: true },
  );
  expect(created.status).toBe(303);
  const path = created.headers.get("Location")!;
  expect(path).toMatch(/^\/envelopes\/env_/);
  for (const s of signers) {
    const page = await sender.page(path);
    const added = await sender.post(`${path}/recipients`, { name: s.name, email: s.email, locale: "en" }, page.csrf);
    expect(added.status).toBe(303);
  }
  return { path, id: path.split("/").pop()!, pdf, idem };
}

async function signAs(signer: Client, link: string, typedName: string) {
  const opened = await signer.get(new URL(link).pathname);
  expect(opened.status).toBe(303);
  const signPath = opened.headers.get("Location")!.split("?")[0]!;
  expect(signPath).not.toContain(new URL(link).pathname.split("/").pop()); // the token left the URL
  const page = await signer.page(signPath);
  expect(page.html).toContain("Sign the document");
  const signed = await signer.post(`${signPath}/sign`, { typedName, consent: "yes" }, page.csrf);
  expect(signed.status).toBe(303);
  return signPath;
}

describe("the first signing loop", () => {
  it("takes an upload to a signed PDF with a certificate, for two signers", async () => {
    const sender = new Client();
    await verifyEmail(sender, (await signUp(sender)).email);
    const a = { name: "Łukasz Ørjansen", email: uniqueEmail("lukasz") };
    const b = { name: "Kari Nordmann", email: uniqueEmail("kari") };
    const { path } = await createEnvelope(sender, [a, b]);

    const page = await sender.page(path);
    const sent = await sender.post(`${path}/send`, { expiryDays: "30" }, page.csrf);
    expect(sent.status).toBe(303);

    const inviteA = await outboxFor(sender, a.email, "asks you to sign");
    const inviteB = await outboxFor(sender, b.email, "asks you to sign");
    expect(inviteA.link).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);

    const signerA = new Client("198.51.100.1");
    const signerB = new Client("198.51.100.2");
    await signAs(signerA, inviteA.link!, a.name);
    const pathB = await signAs(signerB, inviteB.link!, b.name);

    // The queue consumer finalises; the sender's page then offers the signed PDF.
    const status = await eventually(async () => (await sender.page(path)).html.includes("signed.pdf") && "completed", { what: "the signed PDF on the sender's page", within: 20_000 });
    expect(status).toBe("completed");
    const download = await sender.get(`${path}/signed.pdf`);
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Type")).toBe("application/pdf");
    const signed = await PDFDocument.load(new Uint8Array(await download.arrayBuffer()));
    expect(signed.getPageCount()).toBeGreaterThanOrEqual(3);

    // The signer's page now leads to their copy.
    const done = await signerB.page(pathB);
    expect(done.html).toContain("Download the signed PDF");
    const copy = await signerB.get(`${pathB}/signed.pdf`);
    expect(copy.status).toBe(200);

    // Everyone is told, with a link that leads to the signed copy.
    const completed = await outboxFor(sender, a.email, "signed by everyone");
    expect(completed.link).toMatch(/\/s\//);
  });

  it("never stores a document in plaintext", async () => {
    const sender = new Client();
    await verifyEmail(sender, (await signUp(sender)).email);
    const { id } = await createEnvelope(sender, []);
    const listed = await env.DOCUMENTS.list();
    expect(listed.objects.length).toBeGreaterThan(0);
    for (const object of listed.objects) {
      const bytes = new Uint8Array(await (await env.DOCUMENTS.get(object.key))!.arrayBuffer());
      expect(new TextDecoder("latin1").decode(bytes.subarray(0, 64))).not.toContain("%PDF");
    }
    expect(id).toMatch(/^env_/);
  });

  it("creates one envelope when the upload is submitted twice with the same form", async () => {
    const sender = new Client();
    await verifyEmail(sender, (await signUp(sender)).email);
    const { idem } = await createEnvelope(sender, [], "Only once");
    const { csrf } = await sender.page("/envelopes/new");
    const again = await sender.post(
      "/envelopes",
      { idempotency_key: idem, title: "Only once", order: "parallel", file: new File([await makePdf(1)], "x.pdf", { type: "application/pdf" }) },
      csrf,
      { multipart: true },
    );
    expect(again.status).toBe(303);
    const list = await sender.page("/envelopes");
    expect(list.html.match(/Only once/g)?.length).toBe(1);
  });
});
