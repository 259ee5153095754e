/**
 * Agreements written in Pactly, through the real routes: the library, the form
 * and its preview (with and without htmx), validation, "Create envelope", and a
 * signer reading the very agreement as HTML, checked against the envelope's hash.
 */
import { env } from "cloudflare:workers";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/encoding";
import type { EnvelopeState } from "../../src/domain/envelope";
import { readEmbeddedFiles } from "../../src/pdf/attachment";
import { sourceObjectKey } from "../../src/services/agreements";
import { envelopeStub } from "../../src/services/envelope-stub";
import { Client } from "../support/client";
import { addSigner, decode, freshIp, invitationLink, mainOf, newSender, newSigner, openLink, sendEnvelope, titleOf } from "../support/flows";
import { extractText } from "../fixtures/pdf/pdfs";
import { samples } from "../unit/agreements/samples";
import { eventually } from "../support/eventually";

const HOSTILE = `Kari <script>alert("pwned")</script> & Co`;

async function form(client: Client, template = "loan") {
  const page = await client.page(`/agreements/${template}`);
  expect(page.res.status).toBe(200);
  const idem = /name="idempotency_key" value="([^"]+)"/.exec(page.html)![1]!;
  return { ...page, idem };
}

async function stateOf(envelopeId: string): Promise<EnvelopeState> {
  return (await envelopeStub(env, envelopeId).getState())!;
}

/** A Norwegian loan agreement, created through the form; returns the envelope page's path and id. */
async function createLoan(client: Client, patch: Record<string, string> = {}) {
  const { csrf, idem } = await form(client);
  const res = await client.post("/agreements/loan", { ...samples.loan, agreementLocale: "nb", idempotency_key: idem, ...patch }, csrf);
  expect(res.status, await res.clone().text()).toBe(303);
  const path = res.headers.get("Location")!;
  expect(path).toMatch(/^\/envelopes\/env_[A-Za-z0-9_-]+$/);
  return { path, id: path.split("/").pop()!, idem, csrf };
}

describe("agreements written in Pactly", () => {
  it("lists the templates, for signed-in senders only", async () => {
    const anonymous = new Client(freshIp());
    const away = await anonymous.get("/agreements");
    expect(away.status).toBe(303);
    expect(away.headers.get("Location")).toBe("/login");
    // htmx, after the session ended: a bare 401, nothing to swap into the preview.
    const { csrf } = await anonymous.page("/login");
    const preview = await anonymous.fetch("/agreements/loan/preview", {
      method: "POST",
      headers: { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded", Origin: "https://pactly.test", "Sec-Fetch-Site": "same-origin" },
      body: new URLSearchParams({ _csrf: csrf, lenderName: "Kari" }),
    });
    expect(preview.status).toBe(401);
    expect(await preview.text()).toBe("");

    const { client } = await newSender();
    const { res, html } = await client.page("/agreements");
    expect(res.status).toBe(200);
    for (const id of ["loan", "car-sale", "rental", "freelance", "nda"]) expect(html).toContain(`href="/agreements/${id}"`);
    expect(html).toContain("not legal advice");
    expect((await client.get("/agreements/mortgage")).status).toBe(404);
    // The envelope list offers it next to "New envelope".
    expect((await client.page("/envelopes")).html).toContain('href="/agreements"');
  });

  it("shows the form with an empty preview that htmx keeps up to date, without inline script", async () => {
    const { client } = await newSender();
    const { html } = await form(client);
    expect(titleOf(html)).toMatch(/^Loan between private persons — Pactly$/);
    expect(html).toContain('hx-post="/agreements/loan/preview"');
    expect(html).toContain('hx-trigger="input changed delay:500ms, change from:(#agreement-form input[type=radio])"');
    expect(html).toContain('hx-target="#agreement-preview"');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/); // only the nonce'd htmx file
    expect(html).not.toContain("hx-on");
    // Label, hint, input in order, described by the hint; optional questions say so.
    expect(html).toMatch(/<label for="amount">Amount lent<\/label><div id="amount-hint" class="hint">[^<]+<\/div><input[^>]*id="amount"[^>]*aria-describedby="amount-hint"/);
    expect(html).toContain('<label for="payoutAccount">Borrower’s account number (optional)</label>');
    expect(html).toContain("<legend>Lender</legend>");
    // Missing answers show in the preview as blanks named in the sender's words.
    expect(html).toContain('<mark class="agreement-blank">[Amount lent]</mark>');
    expect(html).toContain('<mark class="agreement-blank">[Full name (lender)]</mark>');
  });

  it("previews as the sender types: htmx gets the agreement alone, escaped", async () => {
    const { client } = await newSender();
    const { csrf } = await form(client);
    const res = await client.fetch("/agreements/loan/preview", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://pactly.test", "Sec-Fetch-Site": "same-origin", "HX-Request": "true" },
      body: new URLSearchParams({ _csrf: csrf, agreementLocale: "nb", lenderName: HOSTILE, amount: "25 000,50", lenderPostalCode: "12" }),
    });
    expect(res.status).toBe(200);
    const fragment = await res.text();
    expect(fragment).toMatch(/^<article class="agreement" lang="nb"/);
    expect(fragment).not.toContain("<html");
    expect(fragment).toContain("Långiver låner ut 25\u00A0000,50\u00A0kr til låntaker.");
    expect(fragment).toContain("Kari &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co");
    expect(fragment).not.toContain("<script>");
    // A postcode typed wrongly is a blank, not a guess.
    expect(fragment).toContain("[Postcode (lender)]");
  });

  it("previews without JavaScript: the whole page again, answers kept, only wrong answers reported", async () => {
    const { client } = await newSender();
    const { csrf, idem } = await form(client);
    const res = await client.post("/agreements/loan/preview", { idempotency_key: idem, agreementLocale: "en", lenderName: HOSTILE, amount: "lots", borrowerName: "Ola Nordmann" }, csrf);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: Loan between private persons/);
    const main = mainOf(html);
    // Only the answer given wrongly, not the questions not reached yet.
    const summary = /<div class="error-summary"[\s\S]*?<\/ul>/.exec(main)![0];
    expect(decode(summary)).toContain('<a href="#amount">Amount lent must be an amount in kroner, like 25 000 or 25 000,50</a>');
    expect(summary).not.toContain("#lenderAddress");
    expect(main).toContain('value="Kari &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co"');
    expect(main).toContain('value="lots"');
    expect(main).toContain("<article class=\"agreement\" lang=\"en\"");
    expect(main).toContain("Ola Nordmann (the borrower)");
    expect(main).toContain(`name="idempotency_key" value="${idem}"`);
  });

  it("refuses to create an incomplete agreement, with every problem listed and every answer kept", async () => {
    const { client } = await newSender();
    const { csrf, idem } = await form(client);
    const res = await client.post(
      "/agreements/loan",
      { idempotency_key: idem, agreementLocale: "nb", lenderName: "Kari Nordmann", lenderPostalCode: "150", amount: "25 000", payoutAccount: "1503 12 34563", repayment: "lump", envelopeTitle: "x".repeat(201) },
      csrf,
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    const summary = decode(/<div class="error-summary"[\s\S]*?<\/ul>/.exec(html)![0]);
    const links = [...summary.matchAll(/<a href="#(\w+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([
      ["lenderAddress", "Enter the lender’s street address"],
      ["lenderPostalCode", "Postcode (lender) must be 4 digits, like 0150"],
      ["lenderCity", "Enter the lender’s town or city"],
      ["borrowerName", "Enter the borrower’s name"],
      ["borrowerAddress", "Enter the borrower’s street address"],
      ["borrowerPostalCode", "Enter the borrower’s postcode"],
      ["borrowerCity", "Enter the borrower’s town or city"],
      ["payoutDate", "Enter the date the money is paid out"],
      ["payoutAccount", "Borrower’s account number is not a valid account number. Check the digits"],
      ["repaymentDate", "Enter the date the loan must be repaid by"],
      ["envelopeTitle", "Title must be 200 characters or fewer"],
    ]);
    // The same words beside the field, after label and hint, and the field points at them.
    expect(html).toMatch(/<label for="lenderPostalCode">Postcode<\/label><div id="lenderPostalCode-hint" class="hint">[^<]+<\/div><p id="lenderPostalCode-error" class="field-error"><span class="visually-hidden">Error: <\/span>Postcode \(lender\) must be 4 digits, like 0150<\/p><input[^>]*aria-describedby="lenderPostalCode-hint lenderPostalCode-error"[^>]*aria-invalid="true"/);
    expect(html).toContain('value="150"');
    expect(html).toMatch(/<input id="repayment" name="repayment" type="radio" value="lump" checked=""/);
    expect(html).not.toContain(`name="idempotency_key" value="${idem}"`); // a fresh key for the next try
  });

  it("creates a draft envelope with the agreement as PDF, its source encrypted beside it and the HTML hash recorded", async () => {
    const { client } = await newSender();
    const { path, id, idem, csrf } = await createLoan(client, { lenderName: HOSTILE });

    // The envelope page, like after an upload: a draft, ready for signers.
    const { html } = await client.page(path);
    expect(decode(titleOf(html))).toBe(`Låneavtale mellom privatpersoner – ${HOSTILE} og Ola Ærlig Østby — Pactly`);
    expect(html).toContain("Låneavtale mellom privatpersoner.pdf");
    expect(html).toContain('id="add-heading"');

    // Pressing "Create envelope" again with the same form makes no second envelope.
    const again = await client.post("/agreements/loan", { ...samples.loan, agreementLocale: "nb", idempotency_key: idem, lenderName: HOSTILE }, csrf);
    expect(again.status).toBe(303);
    expect(again.headers.get("Location")).toBe(path);

    const state = await stateOf(id);
    const agreement = state.document.agreement!;
    expect(agreement).toMatchObject({ templateId: "loan", locale: "nb", sourceKey: sourceObjectKey(state.orgId, state.document.id) });
    expect(agreement.htmlSha256).toMatch(/^[0-9a-f]{64}$/);

    // The PDF: Norwegian text, extractable, hashed as stored.
    const pdf = await client.get(`${path}/original.pdf`);
    expect(pdf.status).toBe(200);
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(await sha256Hex(bytes)).toBe(state.document.sha256);
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(state.document.pages);
    const text = Array.from({ length: doc.getPageCount() }, (_, i) => extractText(doc, i)).flat().join("\n");
    expect(text).toContain("Låneavtale mellom privatpersoner");
    expect(text).toContain(HOSTILE);
    expect(text).toContain("Ola Ærlig Østby");

    // The source sits next to the PDF, encrypted: neither the names nor the title are readable in it.
    const stored = await env.DOCUMENTS.get(agreement.sourceKey);
    expect(stored).not.toBeNull();
    const raw = new Uint8Array(await stored!.arrayBuffer());
    const asText = new TextDecoder().decode(raw);
    expect(asText).not.toContain("Låneavtale");
    expect(asText).not.toContain("Ola");
    expect(asText).not.toContain("pactly-agreement-source");

    // The evidence chain names the HTML hash from the start.
    const events = await envelopeStub(env, id).getEvents();
    expect(events[0]!.type).toBe("envelope_created");
    expect(events[0]!.data.documentHtmlSha256).toBe(agreement.htmlSha256);
  });

  it("lets a signer read the very same agreement as HTML, escaped, and sign it", async () => {
    const { client } = await newSender();
    const { path, id } = await createLoan(client, { lenderName: HOSTILE, otherTerms: "Første avsnitt.\n\n<b>Ikke fet</b> & ærlig" });
    const signer = newSigner("Ola Østby");
    await addSigner(client, path, signer);
    await sendEnvelope(client, path);
    const link = await invitationLink(client, signer.email);
    const reader = new Client(freshIp());
    const { html, csrf, signPath } = await openLink(reader, link);

    const article = /<article class="agreement"[\s\S]*?<\/article>/.exec(html)![0];
    expect(article).toContain('lang="nb"');
    expect(article).toContain('<h2 id="agreement-title">Låneavtale mellom privatpersoner</h2>');
    expect(article).toContain("<h3 id=\"agreement-s2\">2. Lånet</h3>");
    expect(article).toContain("Kari &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co");
    expect(article).toContain("&lt;b&gt;Ikke fet&lt;/b&gt; &amp; ærlig");
    expect(html).not.toContain('<script>alert("pwned")');
    expect(html).not.toContain("<b>Ikke fet</b>");
    // What the signer read is what the envelope (and so the evidence) names.
    const state = await stateOf(id);
    expect(await sha256Hex(article)).toBe(state.document.agreement!.htmlSha256);
    // The PDF stays a download away; the frame is not needed.
    expect(html).toContain(`href="${signPath}/document.pdf?download=1"`);
    expect(html).not.toContain("<iframe");

    const signed = await reader.post(`${signPath}/sign`, { typedName: signer.name, consent: "yes" }, csrf);
    expect(signed.status).toBe(303);
    const events = await envelopeStub(env, id).getEvents();
    const signature = events.find((e) => e.type === "recipient_signed")!;
    expect(signature.data).toMatchObject({ documentSha256: state.document.sha256, documentHtmlSha256: state.document.agreement!.htmlSha256 });

    // Completed like any envelope: the signed PDF keeps the agreement's bytes and adds the certificate.
    const signedPdf: Response | null = await eventually(
      async () => {
        const res = await client.get(`${path}/signed.pdf`);
        if (res.status === 200) return res;
        await res.body?.cancel();
      },
      { what: "the signed PDF", within: 20_000 },
    );
    expect(signedPdf).not.toBeNull();
    const signedBytes = new Uint8Array(await signedPdf!.arrayBuffer());
    expect(await sha256Hex(signedBytes.subarray(0, state.document.size))).toBe(state.document.sha256);
    const signedDoc = await PDFDocument.load(signedBytes);
    expect(signedDoc.getPageCount()).toBeGreaterThan(state.document.pages);
    // The evidence embedded in the signed PDF names both hashes: the PDF's and the HTML's.
    const [embedded] = readEmbeddedFiles(signedDoc).filter((f) => f.filename.endsWith(".json"));
    const evidence = JSON.parse(new TextDecoder().decode(embedded!.bytes)) as { document: { sha256: string; htmlSha256: string | null } };
    expect(evidence.document).toMatchObject({ sha256: state.document.sha256, htmlSha256: state.document.agreement!.htmlSha256 });
  });

  it("refuses to show an agreement whose stored source was altered", async () => {
    const { client } = await newSender();
    const { path, id } = await createLoan(client);
    const signer = newSigner("Per Sjekk");
    await addSigner(client, path, signer);
    await sendEnvelope(client, path);
    const state = await stateOf(id);
    await env.DOCUMENTS.put(state.document.agreement!.sourceKey, new Uint8Array(64).fill(7));
    const reader = new Client(freshIp());
    const opened = await reader.get(await invitationLink(client, signer.email));
    const page = await reader.page(opened.headers.get("Location")!.split("?")[0]!);
    expect(page.res.status).toBe(500);
    expect(page.html).not.toContain("<article");
    expect(page.html).not.toContain("Kari Nordmann");
  });

  it("writes every template in both languages through the form", async () => {
    const { client } = await newSender();
    for (const template of ["car-sale", "rental", "freelance", "nda"] as const) {
      for (const agreementLocale of ["nb", "en"]) {
        const { csrf, idem } = await form(client, template);
        const res = await client.post(`/agreements/${template}`, { ...samples[template], agreementLocale, idempotency_key: idem }, csrf);
        expect(res.status, `${template} ${agreementLocale}`).toBe(303);
        const state = await stateOf(res.headers.get("Location")!.split("/").pop()!);
        expect(state.document.agreement).toMatchObject({ templateId: template, locale: agreementLocale });
        expect(state.document.pages).toBeGreaterThan(0);
      }
    }
  });
});
