// axe-core in Chromium on every page state of the signer's journey, in English and
// Norwegian: the landing page with the PDF frame and with an agreement as HTML, the
// email-code step (before and after sending, wrong code), eID start, the sign and decline
// forms with errors, signed (waiting and completed), declined, cancelled and an invalid
// link; then the sender's main pages. Any WCAG 2.x A/AA violation fails, listed by rule
// and element. axe is injected through the DevTools protocol, so the strict nonce CSP
// stays exactly as it is.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { axeViolations as violations, BASE_URL, launch, openInvitation as open, press, sendEnvelope, shot, tick, signUpSender, uniqueEmail } from "./browser.mjs";

const work = mkdtempSync(path.join(tmpdir(), "pactly-e2e-a11y-"));
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Audits the current page and fails with every violation found (not just the first). */
async function audit(page, state) {
  const found = await violations(page, state);
  await shot(page, `a11y-${state}`);
  assert.deepEqual(found, [], `axe found WCAG violations:\n${found.join("\n")}`);
}

/** Both languages of the same state: reload the page with ?lang=, run `reach` to get there again, audit. */
async function auditBoth(page, state, reach) {
  for (const lang of ["en", "nb"]) {
    await reach(lang);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    await audit(page, `${state}-${lang}`);
  }
}

async function gotoLang(page, url, lang) {
  const u = new URL(url);
  u.searchParams.set("lang", lang);
  await page.goto(u.href);
}

async function makePdf() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText("Tenancy agreement", { x: 72, y: 760, size: 18, font });
  const file = path.join(work, "tenancy.pdf");
  writeFileSync(file, await doc.save());
  return file;
}

const openInvitation = (email) => open(browser, email);

async function signUp(page) {
  await signUpSender(page);
}

test("the audit itself catches a violation: an unlabelled field on a page with no language", async () => {
  const page = await browser.newPage();
  await page.setContent("<title>x</title><form><input type=text name=q></form>");
  const found = await violations(page, "canary");
  await page.close();
  assert.ok(found.some((v) => v.includes("label")), found.join("\n"));
  assert.ok(found.some((v) => v.includes("html-has-lang")), found.join("\n"));
});

test("every page state of the signer's journey, in English and Norwegian, has no axe violations", async () => {
  const senderContext = await browser.newContext();
  const sender = await senderContext.newPage();
  await signUp(sender);
  const pdf = await makePdf();

  const linkSigner = { name: "Lina Link", email: uniqueEmail("a11y-link") };
  const codeSigner = { name: "Kåre Kode", email: uniqueEmail("a11y-code"), method: "Code by email" };
  const eidSigner = { name: "Eli Eid", email: uniqueEmail("a11y-eid"), method: "Electronic ID (such as BankID)" };
  const decliner = { name: "Dag Decline", email: uniqueEmail("a11y-decline") };
  await sendEnvelope(sender, "Tenancy agreement", [linkSigner, codeSigner, eidSigner, decliner], pdf);

  // Landing page with the PDF frame; sign form with both errors; decline form with its error.
  const link = await openInvitation(linkSigner.email);
  const sign = link.url().split("?")[0];
  await auditBoth(link, "landing-pdf", (lang) => gotoLang(link, sign, lang));
  await auditBoth(link, "sign-errors", async (lang) => {
    await gotoLang(link, sign, lang);
    await press(link.locator("form[action$='/sign'] button[type=submit]"));
    await link.locator(".error-summary").waitFor();
  });
  await auditBoth(link, "decline-error", async (lang) => {
    await gotoLang(link, sign, lang);
    // Open the decline section (it is already open when the page shows a decline error).
    if (!(await link.locator("details.danger-zone").evaluate((d) => d.open))) await link.locator("details.danger-zone summary").press("Enter");
    await press(link.locator("form[action$='/decline'] button[type=submit]"));
    await link.locator(".error-summary").waitFor();
  });

  // Email code: before sending, after sending, a wrong code.
  const code = await openInvitation(codeSigner.email);
  const codeSign = code.url().split("?")[0];
  await auditBoth(code, "code-before-send", (lang) => gotoLang(code, codeSign, lang));
  await gotoLang(code, codeSign, "en");
  await press(code.getByRole("button", { name: "Send code" }));
  await code.getByLabel("Enter the 6-digit code").waitFor();
  await auditBoth(code, "code-sent", (lang) => gotoLang(code, codeSign, lang));
  await auditBoth(code, "code-wrong", async (lang) => {
    await gotoLang(code, codeSign, lang);
    await code.locator("#code").fill("000000");
    await press(code.locator("form[action$='/code/confirm'] button[type=submit]"));
    await code.locator(".error-summary").waitFor();
  });

  // eID (the local stand-in broker): the way in, the chooser, and a cancel at the broker.
  const eid = await openInvitation(eidSigner.email);
  const eidSign = eid.url().split("?")[0];
  await auditBoth(eid, "eid-identify", (lang) => gotoLang(eid, eidSign, lang));
  const choose = async (lang) => {
    await gotoLang(eid, eidSign, lang);
    await press(eid.locator("#eid-start"));
    await eid.locator("input[name=scheme]").first().waitFor();
  };
  await auditBoth(eid, "eid-chooser", choose);
  await choose("en");
  await tick(eid.getByLabel("Swedish BankID"));
  await press(eid.getByRole("button", { name: "Continue" }));
  await eid.getByRole("heading", { name: "You cancelled the identification" }).waitFor();
  const problem = eid.url();
  await auditBoth(eid, "eid-cancelled", (lang) => gotoLang(eid, problem, lang));

  // Signed, waiting for the others; and the same page when the link is opened again.
  await gotoLang(link, sign, "en");
  await link.getByLabel("Type your full name").fill(linkSigner.name);
  await link.getByLabel(/I have had the chance to read the document/).scrollIntoViewIfNeeded();
  await tick(link.getByLabel(/I have had the chance to read the document/));
  await press(link.getByRole("button", { name: "Sign the document" }));
  await link.getByRole("heading", { name: "You have signed" }).waitFor();
  await auditBoth(link, "signed-waiting", (lang) => gotoLang(link, sign, lang));

  // Declined (the decliner's own page), then what the others see: the envelope ended.
  const decline = await openInvitation(decliner.email);
  const declineSign = decline.url().split("?")[0];
  await decline.locator("details.danger-zone summary").press("Enter");
  await decline.getByLabel("Why do you decline?").fill("The rent is wrong.");
  await press(decline.getByRole("button", { name: "Decline", exact: true }));
  await decline.getByRole("heading", { name: "You declined to sign" }).waitFor();
  await auditBoth(decline, "declined", (lang) => gotoLang(decline, declineSign, lang));
  await auditBoth(code, "ended-for-others", (lang) => gotoLang(code, codeSign, lang));

  // A link that leads nowhere: the 404 page.
  await auditBoth(link, "link-invalid", async (lang) => {
    await link.goto(`${BASE_URL}/s/not-a-real-link-${lang}?lang=${lang}`);
  });

  // Cancelled by the sender.
  const cancelled = { name: "Cora Cancel", email: uniqueEmail("a11y-cancel") };
  const cancelledEnvelope = await sendEnvelope(sender, "Cancelled lease", [cancelled], pdf);
  const gone = await openInvitation(cancelled.email);
  const goneSign = gone.url().split("?")[0];
  await sender.goto(cancelledEnvelope);
  await sender.getByText("Cancel this envelope").click();
  await sender.getByLabel("Reason (shown to signers)").fill("Wrong flat.");
  await sender.getByRole("button", { name: "Cancel envelope" }).click();
  await sender.getByText("Cancelled").first().waitFor();
  await auditBoth(gone, "cancelled", (lang) => gotoLang(gone, goneSign, lang));

  // Completed: the only signer signs and downloads the signed copy, with how long it is kept.
  const only = { name: "Ola Only", email: uniqueEmail("a11y-only") };
  await sendEnvelope(sender, "Parking space", [only], pdf);
  const done = await openInvitation(only.email);
  const doneSign = done.url().split("?")[0];
  await done.getByLabel("Type your full name").fill(only.name);
  await done.getByLabel(/I have had the chance to read the document/).scrollIntoViewIfNeeded();
  await tick(done.getByLabel(/I have had the chance to read the document/));
  await press(done.getByRole("button", { name: "Sign the document" }));
  await done.getByRole("heading", { name: "You have signed" }).waitFor();
  const until = Date.now() + 60_000;
  while (!(await done.getByRole("link", { name: "Download the signed PDF" }).count())) {
    assert.ok(Date.now() < until, "the signed PDF is offered within a minute");
    await new Promise((r) => setTimeout(r, 1000));
    await done.reload();
  }
  await auditBoth(done, "completed", (lang) => gotoLang(done, doneSign, lang));
  await gotoLang(done, doneSign, "en");
  assert.match(await done.locator("main").innerText(), /Available to download until .+ \(\d+ days left\)\. Then it is deleted\./);
  await gotoLang(done, doneSign, "nb");
  assert.match(await done.locator("main").innerText(), /Kan lastes ned til .+ \(\d+ dager igjen\)\. Deretter slettes den\./);

  // The sender's pages: the list, an envelope sent and one completed, the account.
  await auditBoth(sender, "sender-envelopes", (lang) => gotoLang(sender, `${BASE_URL}/envelopes`, lang));
  await auditBoth(sender, "sender-envelope-cancelled", (lang) => gotoLang(sender, cancelledEnvelope, lang));
  await auditBoth(sender, "sender-account", (lang) => gotoLang(sender, `${BASE_URL}/account`, lang));
});

test("an agreement read as HTML on the signing page has no axe violations, in English and Norwegian", async () => {
  const context = await browser.newContext({ locale: "nb-NO" });
  const page = await context.newPage();
  await signUp(page);
  await page.goto(`${BASE_URL}/agreements?lang=nb`);
  await page.getByRole("link", { name: "Lån mellom privatpersoner" }).click();
  await page.getByRole("heading", { name: "Lån mellom privatpersoner", level: 1 }).waitFor();
  await auditBoth(page, "sender-agreement-form", (lang) => gotoLang(page, page.url(), lang));
  await gotoLang(page, page.url(), "nb");
  const lender = page.getByRole("group", { name: "Långiver" });
  await lender.getByLabel("Fullt navn").fill("Kari Ærlig Nordmann");
  await lender.getByLabel("Gateadresse").fill("Storgata 1");
  await lender.getByLabel("Postnummer").fill("0150");
  await lender.getByLabel("Poststed").fill("Oslo");
  const borrower = page.getByRole("group", { name: "Låntaker" });
  await borrower.getByLabel("Fullt navn").fill("Øystein Åsmund Bø");
  await borrower.getByLabel("Gateadresse").fill("Bryggen 12");
  await borrower.getByLabel("Postnummer").fill("5003");
  await borrower.getByLabel("Poststed").fill("Bergen");
  await page.getByLabel("Lånebeløp").fill("25 000");
  await page.getByLabel("Dato for utbetaling").fill("1.12.2026");
  await page.getByLabel("Alt på én gang, innen en bestemt dato").check();
  const dueDate = page.getByLabel("Tilbakebetales senest");
  if (await dueDate.count()) await dueDate.fill("1.12.2027");
  await page.getByRole("button", { name: "Opprett konvolutt" }).click();
  await page.getByRole("heading", { name: /Låneavtale mellom privatpersoner/ }).waitFor();
  const envelope = page.url().split("?")[0];
  // The draft with errors: adding a signer with nothing filled in.
  await auditBoth(page, "sender-draft-errors", async (lang) => {
    await gotoLang(page, envelope, lang);
    await page.locator("form[action$='/recipients'] button[type=submit]").first().click();
    await page.locator(".error-summary").waitFor();
  });
  await gotoLang(page, envelope, "nb");
  const signer = { name: "Øystein Åsmund Bø", email: uniqueEmail("a11y-oystein") };
  await page.getByLabel("Fullt navn").fill(signer.name);
  await page.getByLabel("E-postadresse").fill(signer.email);
  await page.getByRole("button", { name: "Legg til signatar" }).click();
  await page.getByRole("cell", { name: signer.name, exact: true }).waitFor();
  await page.getByRole("button", { name: "Send til signatarene" }).click();
  await page.getByText("Sendt. Signatarene er invitert.").waitFor();
  await auditBoth(page, "sender-envelope-sent", (lang) => gotoLang(page, envelope, lang));

  // A Norwegian sender's signer is invited in Norwegian.
  const reader = await open(browser, signer.email, {}, "ber deg signere");
  const sign = reader.url().split("?")[0];
  await auditBoth(reader, "landing-agreement", async (lang) => {
    await gotoLang(reader, sign, lang);
    await reader.locator(".agreement-read").waitFor();
  });
});
