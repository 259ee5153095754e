/**
 * Documents and envelopes through the JSON API: the same validation as the forms, the
 * whole lifecycle, the signed PDF and evidence, and another tenant's ids answering 404.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { EnvelopeState } from "../../src/domain/envelope";
import { envelopeStub } from "../../src/services/envelope-stub";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { verifyEvidenceBundle } from "../../src/domain/evidence";
import { envelopeSchema, envelopeListSchema, documentSchema } from "../../src/api/schemas";
import { userPasswordPdf } from "../fixtures/pdf/qpdf";
import { Client } from "../support/client";
import { freshIp, invitationLink, newSigner, openLink, outboxMessages, waitForMessage } from "../support/flows";
import { makePdf } from "../support/pdf";
import { uploadLimits } from "../../src/domain/limits";
import { createDraft, expectProblem, senderWithKey, uploadPdf } from "./api-helpers";
import { eventually } from "../support/eventually";

/** Moves every invitation of this envelope two hours into the past, as if time had passed. */
async function ageInvitations(id: string) {
  await runInDurableObject(envelopeStub(env, id), (_instance, state) => {
    const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one();
    const envelope = JSON.parse(row.v) as EnvelopeState;
    const past = new Date(Date.now() - 2 * 3600_000).toISOString();
    for (const r of envelope.recipients) if (r.lastInvitedAt) r.lastInvitedAt = past;
    state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'state'", JSON.stringify(envelope));
  });
}

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe("POST /api/v1/documents", () => {
  it("stores a raw PDF body or a multipart field, answering its hash, pages and a Location", async () => {
    const { api } = await senderWithKey();
    const bytes = await makePdf(3);
    const raw = await api.call("/api/v1/documents", {
      method: "POST",
      headers: { "Content-Type": "application/pdf", "Content-Disposition": "attachment; filename=\"kjopekontrakt.pdf\"; filename*=UTF-8''kj%C3%B8pekontrakt.pdf" },
      body: bytes,
    });
    expect(raw.status).toBe(201);
    const doc = documentSchema.parse(await raw.json());
    expect(doc).toMatchObject({ pages: 3, size: bytes.length, filename: "kjøpekontrakt.pdf" });
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(doc.sha256).toBe(digest);
    expect(raw.headers.get("Location")).toBe(`/api/v1/documents/${doc.id}`);
    expect(await (await api.call(raw.headers.get("Location")!)).json()).toEqual(doc);

    const form = new FormData();
    form.set("file", new File([await makePdf(1)], "form.pdf", { type: "application/pdf" }));
    const multipart = await api.call("/api/v1/documents", { method: "POST", body: form });
    expect(multipart.status).toBe(201);
    expect(await multipart.json()).toMatchObject({ filename: "form.pdf", pages: 1 });
  });

  it("refuses what the web form refuses, each with its own code, and stores nothing", async () => {
    const { api } = await senderWithKey();
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM documents").first<{ n: number }>())!.n;
    const post = (body: BodyInit, type = "application/pdf", headers: Record<string, string> = {}) =>
      // A FormData body brings its own multipart Content-Type with the boundary.
      api.call("/api/v1/documents", { method: "POST", headers: body instanceof FormData ? headers : { "Content-Type": type, ...headers }, body });
    const valid = await makePdf(1);

    const notPdf = await expectProblem(await post("just some text"), 422, "not_pdf");
    expect(notPdf.detail).toBe("The selected file is not a PDF");
    await expectProblem(await post(valid.slice(0, Math.floor(valid.length / 2))), 422, "invalid_pdf");
    await expectProblem(await post(userPasswordPdf), 422, "pdf_encrypted");
    // The declared length is enough to refuse, before a byte is read.
    await expectProblem(await post("%PDF-1.7", "application/pdf", { "Content-Length": String(30 * 1024 * 1024) }), 413, "pdf_too_large");
    await expectProblem(await post(valid, "text/plain"), 415, "unsupported_media_type");
    await expectProblem(await post(new FormData()), 400, "bad_request");
    await expectProblem(await post(new Uint8Array(0)), 422, "not_pdf");
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM documents").first<{ n: number }>())!.n).toBe(before);
  });

  it("refuses a PDF over the page limit with pdf_too_many_pages", async () => {
    const { api } = await senderWithKey();
    await expectProblem(
      await api.call("/api/v1/documents", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: await makePdf(uploadLimits.maxPages + 1, "p") }),
      422,
      "pdf_too_many_pages",
    );
  });
});

describe("POST /api/v1/envelopes validation, the same as the builder's", () => {
  async function invalid(body: Record<string, unknown>) {
    const { api } = await senderWithKey();
    const doc = await uploadPdf(api);
    const res = await api.json("POST", "/api/v1/envelopes", { title: "Sale", documentId: doc.id, ...body });
    const problem = await expectProblem(res, 422, "validation_failed");
    // Nothing half-written: no envelope for this document.
    const row = await env.DB.prepare("SELECT id FROM envelopes WHERE document_id = ?").bind(doc.id).first();
    expect(row).toBeNull();
    return problem.errors as { pointer: string; detail: string }[];
  }
  const kari = { name: "Kari Nordmann", email: "kari@example.com" };

  it("points at an invalid email", async () => {
    expect(await invalid({ recipients: [kari, { name: "Ola", email: "not-an-email" }] })).toEqual([
      { pointer: "/recipients/1/email", detail: "Enter an email address in the correct format, like name@example.com" },
    ]);
  });

  it("points at a duplicate address, whatever its case", async () => {
    expect(await invalid({ recipients: [kari, { name: "Kari again", email: "KARI@example.com" }] })).toEqual([
      { pointer: "/recipients/1/email", detail: "This email address is already a signer on this envelope" },
    ]);
  });

  it("points at an invalid phone number and a missing one for SMS codes", async () => {
    const errors = await invalid({ recipients: [{ ...kari, phone: "12345" }, { name: "Ola", email: "ola@example.com", method: "sms_otp" }] });
    expect(errors).toEqual([
      { pointer: "/recipients/0/phone", detail: "Enter a phone number in international format, like +47 912 34 567" },
      { pointer: "/recipients/1/phone", detail: "Enter a mobile number: this signer identifies with an SMS code" },
    ]);
  });

  it("refuses an envelope with no signers (only a copy) or none at all", async () => {
    expect(await invalid({ recipients: [{ ...kari, role: "cc" }] })).toEqual([{ pointer: "/recipients", detail: "Add at least one signer" }]);
    expect(await invalid({ recipients: [] })).toEqual([{ pointer: "/recipients", detail: "Add at least one signer" }]);
  });

  it("refuses more than 50 recipients", async () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `Signer ${i}`, email: `s${i}@example.com` }));
    expect(await invalid({ recipients: many })).toContainEqual({ pointer: "/recipients", detail: "An envelope can have at most 50 recipients" });
  });

  it("names every wrong field: title, order, time zone, reminders, wrong types", async () => {
    const errors = await invalid({ title: "", signingOrder: "random", timeZone: "Mars/Olympus", reminderEveryDays: 31, recipients: [{ name: 7, email: "a@example.com" }] });
    expect(errors.map((e) => e.pointer).sort()).toEqual(["/recipients/0/name", "/reminderEveryDays", "/signingOrder", "/timeZone", "/title"]);
    expect(errors.find((e) => e.pointer === "/title")!.detail).toBe("Enter a title");
  });

  it("answers 400 to malformed JSON, 415 to a form body and 404 to someone else's document", async () => {
    const { api } = await senderWithKey();
    await expectProblem(await api.call("/api/v1/envelopes", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"title": ' }), 400, "malformed_json");
    await expectProblem(await api.call("/api/v1/envelopes", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "title=x" }), 415, "unsupported_media_type");
    await expectProblem(await api.json("POST", "/api/v1/envelopes", ["not", "an", "object"]), 422, "validation_failed");
    const other = await senderWithKey();
    const theirs = await uploadPdf(other.api);
    await expectProblem(await api.json("POST", "/api/v1/envelopes", { title: "Mine now", documentId: theirs.id, recipients: [kari] }), 404, "not_found");
  });
});

describe("the envelope lifecycle through the API", () => {
  it("creates, sends, reminds (at most hourly) and cancels, each answered with the envelope", async () => {
    const { api } = await senderWithKey();
    const a = newSigner("Ada Lovelace");
    const created = envelopeSchema.parse(
      await createDraft(api, [a, { name: "Copy Person", email: "copy@example.com", role: "cc" }], { signingOrder: "sequential", timeZone: "Europe/London", reminderEveryDays: 0 }),
    );
    expect(created).toMatchObject({ status: "draft", signingOrder: "sequential", timeZone: "Europe/London", reminderEveryDays: 0, sentAt: null });
    expect(created.recipients.map((r) => [r.email, r.role, r.status])).toEqual([[a.email, "signer", "pending"], ["copy@example.com", "cc", "pending"]]);
    const text = JSON.stringify(await (await api.call(`/api/v1/envelopes/${created.id}`)).json());
    expect(text).not.toMatch(/linkHashes|userAgent|"ip"/);

    // An expiry in the past is refused in the envelope's own time zone words.
    const past = await expectProblem(await api.json("POST", `/api/v1/envelopes/${created.id}/send`, { expiresOn: "2020-01-01" }), 422, "validation_failed");
    expect(past.errors).toEqual([{ pointer: "/expiresOn", detail: "The expiry date must be in the future" }]);
    await expectProblem(await api.json("POST", `/api/v1/envelopes/${created.id}/send`, { expiresOn: "31.12.2030" }), 422, "validation_failed");

    const sent = await api.json("POST", `/api/v1/envelopes/${created.id}/send`, { expiresOn: future(10) });
    expect(sent.status, await sent.clone().text()).toBe(200);
    const afterSend = envelopeSchema.parse(await sent.json());
    expect(afterSend.status).toBe("sent");
    expect(afterSend.expiresAt!.slice(0, 10)).toBe(future(10));

    // Sending again (a retry without an Idempotency-Key) changes nothing.
    const again = await api.json("POST", `/api/v1/envelopes/${created.id}/send`, {});
    expect(again.status).toBe(200);
    expect(envelopeSchema.parse(await again.json())).toMatchObject({ status: "sent", sentAt: afterSend.sentAt, expiresAt: afterSend.expiresAt });
    // The invitation went out a moment ago: a reminder now is too soon, and says when.
    const soon = await api.call(`/api/v1/envelopes/${created.id}/remind`, { method: "POST" });
    const tooSoon = await expectProblem(soon.clone(), 409, "invalid_transition");
    expect(tooSoon.reason).toBe("remind_too_soon");
    expect(Number(soon.headers.get("Retry-After"))).toBeGreaterThan(3000);

    await expectProblem(await api.json("POST", `/api/v1/envelopes/${created.id}/cancel`, { reason: "" }), 422, "validation_failed");
    const cancelled = await api.json("POST", `/api/v1/envelopes/${created.id}/cancel`, { reason: "Sold to someone else" });
    expect(cancelled.status).toBe(200);
    expect(envelopeSchema.parse(await cancelled.json()).status).toBe("cancelled");
    await expectProblem(await api.call(`/api/v1/envelopes/${created.id}/remind`, { method: "POST" }), 409, "invalid_transition");
    await expectProblem(await api.call(`/api/v1/envelopes/${created.id}/signed.pdf`), 409, "not_completed");

    const evidence = (await (await api.call(`/api/v1/envelopes/${created.id}/evidence.json`)).json()) as { events: { type: string }[] };
    expect(evidence.events.map((e) => e.type)).toEqual(expect.arrayContaining(["envelope_created", "envelope_sent", "envelope_cancelled"]));
  });

  it("sends with an empty body, and a reminder after the hour reaches the signer with a fresh link", async () => {
    const { api, client } = await senderWithKey();
    const a = newSigner("Remi Nder");
    const draft = await createDraft(api, [a]);
    const sent = await api.call(`/api/v1/envelopes/${draft.id}/send`, { method: "POST" });
    expect(sent.status, await sent.clone().text()).toBe(200);
    const first = await invitationLink(client, a.email);
    await ageInvitations(draft.id);
    const reminded = await api.call(`/api/v1/envelopes/${draft.id}/remind`, { method: "POST" });
    expect(reminded.status, await reminded.clone().text()).toBe(200);
    const links = await eventually(
      async () => {
        const found = (await outboxMessages(client)).filter((m) => m.to === a.email && m.link).map((m) => m.link!);
        return found.length >= 2 && found;
      },
      { what: `the reminder to ${a.email}` },
    );
    expect(links.length).toBe(2);
    expect(links.some((l) => !l.endsWith(first))).toBe(true);
  });

  it("follows an envelope to completion: the signer signs, then signed.pdf and evidence.json", async () => {
    const { api, client } = await senderWithKey();
    const a = newSigner("Kari Nordmann");
    const draft = await createDraft(api, [a]);
    expect((await api.json("POST", `/api/v1/envelopes/${draft.id}/send`, { expiresOn: future(30), timeZone: "Europe/Oslo" })).status).toBe(200);
    await expectProblem(await api.call(`/api/v1/envelopes/${draft.id}/signed.pdf`), 409, "not_completed");

    const signer = new Client(freshIp());
    const { signPath, csrf } = await openLink(signer, await invitationLink(client, a.email));
    expect((await signer.post(`${signPath}/sign`, { typedName: a.name, consent: "yes" }, csrf)).status).toBe(303);

    let envelope = await eventually(
      async () => {
        const found = envelopeSchema.parse(await (await api.call(`/api/v1/envelopes/${draft.id}`)).json());
        return found.signedDocument && found;
      },
      { what: "the signed document", within: 20_000 },
    );
    expect(envelope.status).toBe("completed");
    expect(envelope.recipients[0]).toMatchObject({ email: a.email, status: "signed" });
    expect(envelope.signedDocument).not.toBeNull();

    const pdf = await api.call(`/api/v1/envelopes/${draft.id}/signed.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThan(1);
    expect([...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(envelope.signedDocument!.sha256);

    const evidence = await api.call(`/api/v1/envelopes/${draft.id}/evidence.json`);
    expect(evidence.headers.get("Content-Type")).toMatch(/^application\/json/);
    const bundle = await evidence.json();
    expect(verifyEvidenceBundle(bundle)).toMatchObject({ ok: true });
    await waitForMessage(client, a.email, "signed by everyone");
  });
});

describe("GET /api/v1/envelopes", () => {
  it("pages with an opaque cursor, newest first, and filters by status", async () => {
    const { api } = await senderWithKey();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createDraft(api, [{ name: `S ${i}`, email: `s${i}@example.com` }], { title: `Envelope ${i}` })).id);
    await api.json("POST", `/api/v1/envelopes/${ids[1]}/cancel`, { reason: "Not needed" });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.call(`/api/v1/envelopes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const page = envelopeListSchema.parse(await res.json());
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const cancelled = envelopeListSchema.parse(await (await api.call("/api/v1/envelopes?status=cancelled")).json());
    expect(cancelled.data.map((e) => e.id)).toEqual([ids[1]]);
    expect(cancelled.nextCursor).toBeNull();

    for (const query of ["limit=0", "limit=51", "limit=two", "status=lost", "cursor=nonsense"]) {
      await expectProblem(await api.call(`/api/v1/envelopes?${query}`), 400, query.startsWith("cursor") ? "bad_request" : "validation_failed");
    }
  });
});

describe("another tenant", () => {
  it("gets 404 for every envelope and document id of this one, and changes nothing", async () => {
    const owner = await senderWithKey();
    const draft = await createDraft(owner.api, [newSigner("Owner Signer")]);
    const docId = draft.document.id as string;
    const intruder = await senderWithKey();
    const gets = [`/api/v1/envelopes/${draft.id}`, `/api/v1/envelopes/${draft.id}/signed.pdf`, `/api/v1/envelopes/${draft.id}/evidence.json`, `/api/v1/documents/${docId}`];
    for (const path of gets) await expectProblem(await intruder.api.call(path), 404, "not_found");
    for (const action of ["send", "cancel", "remind"]) {
      await expectProblem(await intruder.api.json("POST", `/api/v1/envelopes/${draft.id}/${action}`, action === "cancel" ? { reason: "Mine" } : {}), 404, "not_found");
    }
    await expectProblem(await intruder.api.json("POST", "/api/v1/envelopes", { title: "Stolen", documentId: docId, recipients: [newSigner("X")] }), 404, "not_found");
    const listed = envelopeListSchema.parse(await (await intruder.api.call("/api/v1/envelopes")).json());
    expect(listed.data.map((e) => e.id)).not.toContain(draft.id);
    expect(envelopeSchema.parse(await (await owner.api.call(`/api/v1/envelopes/${draft.id}`)).json()).status).toBe("draft");
  });
});
