// The whole first loop in a real browser: sign up, upload, add two signers, send,
// read the dev outbox, sign as both (one with JavaScript off), download the signed
// PDF and check it with poppler: the original pages plus the certificate page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { BASE_URL, launch, SCREENSHOTS, shot, uniqueEmail, waitForMail } from "./browser.mjs";

const work = mkdtempSync(path.join(tmpdir(), "pactly-e2e-files-"));
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function makePdf(pages) {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage([595, 842]).drawText(`Loan agreement, page ${i}`, { x: 72, y: 760, size: 18, font });
  const file = path.join(work, `agreement-${pages}.pdf`);
  writeFileSync(file, await doc.save());
  return file;
}

async function signAs(context, link, name, screenshotName) {
  const page = await context.newPage();
  await page.goto(link);
  // The token left the address bar at the first hop.
  assert.match(new URL(page.url()).pathname, /^\/sign\/rcp_/);
  assert.ok(!page.url().includes(new URL(link).pathname.split("/").pop()));
  // Screenshot before typing: a full-page capture resizes the viewport and re-lays out the PDF frame,
  // which can make headless Chromium drop the next click.
  await shot(page, screenshotName);
  await page.getByLabel("Type your full name").fill(name);
  const consent = page.getByLabel(/I have had the chance to read the document/);
  // Scroll first: the document frame loads as it comes into view, and a click racing that load can miss.
  await consent.scrollIntoViewIfNeeded();
  await consent.check();
  await page.getByRole("button", { name: "Sign the document" }).click();
  await page.getByRole("heading", { name: "You have signed" }).waitFor();
  return page;
}

test("a sender gets a PDF signed by two people, with a certificate page that prints any name", async () => {
  const senderEmail = uniqueEmail("sender");
  const lukasz = { name: "Łukasz Ørjansen", email: uniqueEmail("lukasz") };
  const kari = { name: "Kari Nordmann", email: uniqueEmail("kari") };
  const original = await makePdf(2);

  const sender = await browser.newContext();
  const page = await sender.newPage();
  // A CSP violation or script error shows up as a console error: there must be none.
  const consoleErrors = [];
  // (A deliberate 4xx answer to a form, shown as a page, is logged too; that one is expected.)
  page.on("console", (m) => m.type() === "error" && !/status of 4\d\d/.test(m.text()) && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${BASE_URL}/`);
  await shot(page, "01-home");
  await page.getByRole("link", { name: "Create an account" }).first().click();
  await page.getByLabel("Full name").fill("Sara Sender");
  await page.getByLabel("Email address").fill(senderEmail);
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Envelopes" }).waitFor();
  // Until the address is confirmed every page says so; sending needs it confirmed.
  await page.getByRole("heading", { name: "Confirm your email address" }).waitFor();
  const confirmation = await waitForMail(senderEmail, "Confirm your email address");
  await page.goto(`${BASE_URL}${new URL(confirmation.link).pathname}`);
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByText("Your email address is confirmed").first().waitFor();

  await page.getByRole("link", { name: "New envelope" }).first().click();
  // Submitting without anything shows the error summary first.
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  assert.match(await page.title(), /^Error: /);
  await shot(page, "02-new-envelope-errors");
  // A file that is not a PDF, sent by the enhanced upload: the server's error page is shown as written.
  const notPdf = path.join(work, "notes.pdf");
  writeFileSync(notPdf, "Dear landlord, I agree.\n");
  await page.getByLabel("Title").fill("Loan between friends");
  await page.getByLabel("PDF document").setInputFiles(notPdf);
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.getByRole("link", { name: "The selected file is not a PDF" }).waitFor();
  assert.match(await page.title(), /^Error: /);
  assert.equal(await page.getByLabel("Title").inputValue(), "Loan between friends", "answers are kept");
  assert.equal(await page.evaluate(() => document.activeElement?.className), "error-summary", "focus moves to the error summary");

  await page.getByLabel("Title").fill("Loan between friends");
  await page.getByLabel("PDF document").setInputFiles(original);
  // With JavaScript the file is sent by upload-progress.js, which shows a progress bar.
  const uploads = [];
  page.on("request", (r) => r.method() === "POST" && new URL(r.url()).pathname === "/envelopes" && uploads.push(r.resourceType()));
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.getByRole("heading", { name: "Loan between friends" }).waitFor();
  assert.deepEqual(uploads, ["xhr"]); // the page after the error is still enhanced


  for (const s of [lukasz, kari]) {
    await page.getByLabel("Full name").fill(s.name);
    await page.getByLabel("Email address").fill(s.email);
    await page.getByRole("button", { name: "Add signer" }).click();
    await page.getByRole("cell", { name: s.name, exact: true }).waitFor();
  }
  await shot(page, "03-envelope-draft");
  await page.getByRole("button", { name: "Send to signers" }).click();
  await page.getByText("Sent. The signers have been invited.").waitFor();
  await shot(page, "04-envelope-sent");
  // htmx (loaded with the page's nonce) refreshes the signers' status in place.
  assert.equal(await page.evaluate(() => typeof window.htmx), "object");

  const inviteLukasz = await waitForMail(lukasz.email, "asks you to sign");
  const inviteKari = await waitForMail(kari.email, "asks you to sign");
  const outbox = await sender.newPage();
  await outbox.goto(`${BASE_URL}/dev/outbox`);
  await shot(outbox, "05-dev-outbox");

  const lukaszContext = await browser.newContext();
  const signed1 = await signAs(lukaszContext, inviteLukasz.link, lukasz.name, "06-signing-page");
  await shot(signed1, "07-signed-waiting");

  // The second signer has JavaScript turned off: nothing on the journey needs it.
  const kariContext = await browser.newContext({ javaScriptEnabled: false });
  await signAs(kariContext, inviteKari.link, kari.name, "08-signing-no-js");

  // The queue consumer finalises; the sender's page then offers the signed PDF.
  // The sender's open page updates itself (htmx polls every 5 s): no reload.
  const download = page.getByRole("link", { name: "Download the signed PDF" });
  await download.waitFor({ timeout: 45_000 });
  await shot(page, "09-envelope-completed");
  assert.deepEqual(consoleErrors, []);
  const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
  const signedPath = path.join(work, "signed.pdf");
  await file.saveAs(signedPath);

  const info = execFileSync("pdfinfo", [signedPath]).toString();
  assert.match(info, /Pages:\s+3\b/, "two original pages plus one certificate page");
  const text = execFileSync("pdftotext", ["-enc", "UTF-8", signedPath, "-"]).toString();
  assert.match(text, /Loan agreement, page 1/);
  assert.match(text, /Loan agreement, page 2/);
  assert.match(text, /Łukasz Ørjansen/);
  assert.match(text, /Kari Nordmann/);
  const originalHash = execFileSync("sha256sum", [original]).toString().split(" ")[0];
  assert.ok(text.replace(/\s+/g, "").includes(originalHash), "the certificate states the original's SHA-256");
  // The seal: poppler says valid and covering the whole document; qpdf finds nothing wrong;
  // Pactly's offline verifier checks seal, evidence chain and original bytes.
  const pdfsig = execFileSync("pdfsig", [signedPath]).toString();
  assert.match(pdfsig, /Signature Validation: Signature is Valid\./);
  assert.match(pdfsig, /Total document signed/);
  execFileSync("qpdf", ["--check", signedPath]);
  const verified = execFileSync(process.execPath, ["src/cli/verify.mjs", signedPath]).toString();
  assert.match(verified, /Result: VALID/);
  assert.deepEqual(readFileSync(signedPath).subarray(0, readFileSync(original).length), readFileSync(original), "the original bytes are a prefix of the signed file");

  // A picture of the certificate page, for people reviewing the run.
  execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "3", "-l", "3", signedPath, path.join(SCREENSHOTS, "11-certificate")]);

  // Anyone holding the file can check it on the public page.
  const checker = await (await browser.newContext()).newPage();
  await checker.goto(`${BASE_URL}/verify`);
  await checker.getByLabel("Signed PDF").setInputFiles(signedPath);
  await checker.getByRole("button", { name: "Check the document" }).click();
  await checker.getByRole("heading", { name: "This document is genuine and unchanged" }).waitFor();
  await shot(checker, "12-verify-genuine");

  // Everyone gets the completed copy, and the link in that email leads to it.
  const completed = await waitForMail(lukasz.email, "signed by everyone");
  const copyPage = await lukaszContext.newPage();
  await copyPage.goto(completed.link);
  await copyPage.getByRole("link", { name: "Download the signed PDF" }).waitFor();
  await shot(copyPage, "10-signer-completed");
});
