import { describe, expect, it } from "vitest";
import { buildAgreement, draftAgreement, templates } from "../../../src/agreements/draft";
import type { Locale } from "../../../src/i18n";
import { AgreementArticle, renderAgreementHtml } from "../../../templates/agreements/agreement";
import { samples, TODAY } from "./samples";

const create = { mode: "create" as const, today: TODAY };
const hostile = `<script>alert("x")</script> & <img src=x onerror=alert(1)> "Ola" 'O'Brien'`;

function html(id: keyof typeof templates, patch: Record<string, string> = {}, locale: Locale = "nb") {
  const draft = draftAgreement(templates[id], locale, { ...samples[id], ...patch }, create);
  if (!draft.ok) throw new Error(JSON.stringify(draft.issues));
  return renderAgreementHtml(draft.document);
}

describe("the agreement as HTML", () => {
  it("is an article in the agreement's own language with numbered section headings", () => {
    const out = html("loan");
    expect(out).toMatch(/^<article class="agreement" lang="nb" aria-labelledby="agreement-title"><h2 id="agreement-title">Låneavtale mellom privatpersoner<\/h2>/);
    const headings = [...out.matchAll(/<h3 id="[^"]+">([^<]+)<\/h3>/g)].map((m) => m[1]);
    expect(headings).toEqual(["1. Parter", "2. Lånet", "3. Renter", "4. Tilbakebetaling", "5. Forsinket betaling", "6. Andre vilkår", "7. Underskrifter"]);
    expect(html("loan", {}, "en")).toContain('lang="en"');
  });

  it("lists each party under a heading, with its details as a description list", () => {
    const out = html("loan");
    expect(out).toContain('<div class="agreement-party"><h4>Långiver</h4><p class="agreement-party-name">Kari Nordmann</p><dl><div><dt>Adresse</dt><dd>Storgata 1, 0150 Oslo</dd></div>');
    expect(out).toContain("<dt>Fødselsdato</dt><dd>1.\u00A0mai 1980</dd>");
  });

  it("shows key facts as a table with row headers and a caption", () => {
    const out = html("car-sale");
    expect(out).toContain('<table class="agreement-table"><caption>Opplysninger om bilen</caption><tbody><tr><th scope="row">Registreringsnummer</th><td>AB 12345</td></tr>');
  });

  it("shows duties and exceptions as lists", () => {
    const out = html("nda");
    expect(out).toMatch(/<ul><li>holde den hemmelig[^<]*<\/li><li>bare bruke den/);
  });

  it("keeps the sender's paragraphs and line breaks", () => {
    const out = html("car-sale");
    expect(out).toContain('<div class="agreement-own-words"><p>Ripe i lakken på bakre støtfanger.<br/>Lyspære i venstre baklys må byttes.</p></div>');
  });

  it("lists the parties in the signature block", () => {
    const out = html("rental", {}, "en");
    expect(out).toContain('<ul class="agreement-signatures"><li><span class="agreement-signature-role">Landlord</span> <strong>Kari Nordmann</strong></li><li><span class="agreement-signature-role">Tenant</span> <strong>Ola Ærlig Østby</strong></li></ul>');
  });

  it("escapes everything the sender typed, in names, short answers and free text", () => {
    const out = html("loan", { lenderName: hostile, lenderAddress: hostile, otherTerms: `${hostile}\n\n</article><h1>Fake</h1>` });
    expect(out).not.toContain("<script");
    expect(out).not.toContain("<img");
    expect(out).not.toContain("</article><h1>");
    expect(out).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;");
    expect(out).toContain("&lt;/article&gt;&lt;h1&gt;Fake&lt;/h1&gt;");
    expect(out.match(/<article/g)).toHaveLength(1);
    expect(out.match(/<\/article>/g)).toHaveLength(1);
  });

  it("is the same string every time for the same agreement, so its hash is stable", () => {
    expect(html("freelance")).toBe(html("freelance"));
  });

  it("is never rendered for signing with blanks; a preview names them in the sender's words", () => {
    const doc = buildAgreement(templates.loan, "nb", { lenderName: "Kari" });
    expect(() => renderAgreementHtml(doc)).toThrow(/blanks/);
    const preview = String(AgreementArticle({ doc, blank: (field) => (field === "amount" ? "Loan amount" : field) }));
    expect(preview).toContain('<mark class="agreement-blank">[Loan amount]</mark>');
  });
});
