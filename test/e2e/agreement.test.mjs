// An agreement written in Pactly, in Norwegian, in a real browser: choose the loan
// template, see the errors, fill it in while the preview follows (htmx), create the
// envelope, add a signer and send; the signer reads the agreement as HTML (with
// JavaScript off) and signs. The PDF is checked with poppler: Norwegian letters
// come out as text. A second test previews without JavaScript.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BASE_URL, launch, SCREENSHOTS, shot, uniqueEmail, waitForMail } from "./browser.mjs";

const work = mkdtempSync(path.join(tmpdir(), "pactly-e2e-agreement-"));
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A Norwegian-speaking browser: Accept-Language nb, so every page is in Norwegian. */
function norwegian(options = {}) {
  return browser.newContext({ locale: "nb-NO", ...options });
}

async function signUp(page, name) {
  const email = uniqueEmail("avtale");
  await page.goto(`${BASE_URL}/signup`);
  await page.getByLabel("Fullt navn").fill(name);
  await page.getByLabel("E-postadresse").fill(email);
  await page.getByLabel("Passord").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Opprett konto" }).click();
  await page.getByRole("heading", { name: "Konvolutter" }).waitFor();
  // Sending needs a confirmed address: open the link from the email and confirm.
  const mail = await waitForMail(email, "Bekreft e-postadressen din");
  await page.goto(`${BASE_URL}${new URL(mail.link).pathname}`);
  await page.getByRole("button", { name: "Bekreft" }).click();
  await page.getByText("E-postadressen din er bekreftet").first().waitFor();
  await page.getByRole("link", { name: "Konvolutter" }).first().click();
  await page.getByRole("heading", { name: "Konvolutter" }).waitFor();
}

/** The preview's text once it contains `text` (htmx swaps it in after a pause in typing). */
async function previewShows(page, text) {
  await page.waitForFunction((t) => document.querySelector("#agreement-preview")?.textContent?.includes(t), text, { timeout: 10_000 });
}

test("a sender writes a Norwegian loan agreement from a template, and the signer reads it as HTML and signs", async () => {
  const context = await norwegian();
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && !/status of 4\d\d/.test(m.text()) && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await signUp(page, "Kari Ærlig Nordmann");

  await page.getByRole("link", { name: "Skriv en avtale fra en mal" }).click();
  await page.getByRole("heading", { name: "Skriv en avtale" }).waitFor();
  await shot(page, "agreement-01-library");
  await page.getByRole("link", { name: "Lån mellom privatpersoner" }).click();
  await page.getByRole("heading", { name: "Lån mellom privatpersoner", level: 1 }).waitFor();
  await shot(page, "agreement-02-form");

  // Creating with nothing filled in: the error summary first, the title says "Feil:".
  await page.getByRole("button", { name: "Opprett konvolutt" }).click();
  await page.getByRole("heading", { name: "Det er et problem" }).waitFor();
  assert.match(await page.title(), /^Feil: /);
  assert.equal(await page.evaluate(() => document.activeElement?.className), "error-summary");
  await shot(page, "agreement-03-errors");
  // The summary's first link leads to the lender's name.
  await page.getByRole("link", { name: "Skriv inn navnet på långiver" }).click();
  assert.equal(new URL(page.url()).hash, "#lenderName");

  // Fill it in; htmx updates the preview as the sender types.
  const lender = page.getByRole("group", { name: "Långiver" });
  await lender.getByLabel("Fullt navn").pressSequentially("Kari Ærlig Nordmann");
  await previewShows(page, "Kari Ærlig Nordmann (långiver)");
  await lender.getByLabel("Gateadresse").fill("Storgata 1");
  await lender.getByLabel("Postnummer").fill("0150");
  await lender.getByLabel("Poststed").fill("Oslo");
  const borrower = page.getByRole("group", { name: "Låntaker" });
  await borrower.getByLabel("Fullt navn").fill("Øystein Åsmund Bø");
  await borrower.getByLabel("Gateadresse").fill("Bryggen 12");
  await borrower.getByLabel("Postnummer").fill("5003");
  await borrower.getByLabel("Poststed").fill("Bergen");
  await page.getByLabel("Lånebeløp").pressSequentially("25 000,50");
  await previewShows(page, "25\u00a0000,50\u00a0kr");
  await page.getByLabel("Dato for utbetaling").fill("1.12.2026");
  await page.getByLabel("Rente per år, i prosent (valgfritt)").fill("3,5");
  await page.getByLabel("Med månedlige avdrag").check();
  await page.getByLabel("Månedlig avdrag").fill("2 500");
  await page.getByLabel("Dato for første avdrag").fill("15.01.2027");
  // Choosing back and forth between radios updates the preview each time.
  await page.getByLabel("Alt på én gang, innen en bestemt dato").check();
  await previewShows(page, "Låntaker betaler tilbake hele lånet senest");
  await page.getByLabel("Med månedlige avdrag").check();
  await previewShows(page, "månedlige avdrag på 2\u00a0500\u00a0kr");
  await page.getByLabel("Andre vilkår (valgfritt)").fill("Lånet kan ikke overdras til andre.\n\nPartene går gjennom nedbetalingen hvert kvartal.");
  await previewShows(page, "Lånet kan ikke overdras til andre.");
  await previewShows(page, "Første avdrag forfaller 15.\u00a0januar 2027");
  // What the sender sees: the form and, beside it, the preview (a viewport, not the whole page).
  await page.getByLabel("Andre vilkår (valgfritt)").scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SCREENSHOTS, "agreement-04-form-filled.png") });
  assert.equal(await page.locator("#agreement-preview .agreement-blank").count(), 0, "no blanks left in the preview");

  await page.getByRole("button", { name: "Opprett konvolutt" }).click();
  const title = "Låneavtale mellom privatpersoner – Kari Ærlig Nordmann og Øystein Åsmund Bø";
  await page.getByRole("heading", { name: title }).waitFor();
  await shot(page, "agreement-05-envelope-draft");

  // The PDF the parties sign: Norwegian letters are real text.
  const pdfResponse = await page.request.get(new URL("original.pdf", `${page.url()}/`).href);
  assert.equal(pdfResponse.status(), 200);
  const pdfPath = path.join(work, "agreement.pdf");
  writeFileSync(pdfPath, await pdfResponse.body());
  const text = execFileSync("pdftotext", ["-enc", "UTF-8", pdfPath, "-"]).toString();
  assert.match(text, /Låneavtale mellom privatpersoner/);
  assert.match(text, /Øystein Åsmund Bø/);
  assert.match(text, /Kari Ærlig Nordmann \(långiver\) låner ut penger/);
  assert.match(text, /Underskrifter/);
  assert.match(execFileSync("pdffonts", [pdfPath]).toString(), /DejaVuSans/);
  execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", pdfPath, path.join(path.dirname(pdfPath), "page")]);
  execFileSync("cp", [path.join(path.dirname(pdfPath), "page-1.png"), path.join(SCREENSHOTS, "agreement-09-pdf-page-1.png")]);

  // Add the borrower as signer and send.
  const signer = { name: "Øystein Åsmund Bø", email: uniqueEmail("oystein") };
  await page.getByLabel("Fullt navn").fill(signer.name);
  await page.getByLabel("E-postadresse").fill(signer.email);
  await page.getByRole("button", { name: "Legg til signatar" }).click();
  await page.getByRole("cell", { name: signer.name, exact: true }).waitFor();
  await page.getByRole("button", { name: "Send til signatarene" }).click();
  await page.getByText("Sendt. Signatarene er invitert.").waitFor();
  assert.deepEqual(consoleErrors, []);
  const envelopeUrl = page.url().split("?")[0];

  // The sender follows it on the dashboard: listed as out for signing, found by the signer's name.
  await page.getByRole("navigation", { name: "Hovedmeny" }).getByRole("link", { name: "Konvolutter" }).click();
  await page.getByRole("heading", { name: "Konvolutter", level: 1 }).waitFor();
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: title }) });
  assert.match(await row.innerText(), /Til signering/);
  assert.match(await row.innerText(), /0 av 1 har signert/);
  const filters = page.getByRole("navigation", { name: "Filtrer etter status" });
  assert.equal(await filters.getByRole("link", { name: /^Alle/ }).getAttribute("aria-current"), "page");
  // Live search (htmx) as the sender types, in lower case: the list, the counts and the address follow.
  await page.getByLabel("Søk etter tittel, eller navn eller e-post til en signatar").pressSequentially("øystein");
  await page.waitForURL(/[?&]q=%C3%B8ystein/);
  await page.locator("#results-status", { hasText: "Viser 1 konvolutt" }).waitFor();
  await row.waitFor();
  await shot(page, "agreement-10-dashboard-search");
  await page.getByLabel("Søk etter tittel, eller navn eller e-post til en signatar").fill("ingen slik avtale");
  await page.locator("#results-status", { hasText: "Ingen konvolutter passer til «ingen slik avtale»." }).waitFor();
  await page.getByRole("link", { name: "Tøm søket" }).click();
  await row.waitFor();
  assert.deepEqual(consoleErrors, []);

  // The signer, with JavaScript off, reads the agreement as HTML.
  const invite = await waitForMail(signer.email, "ber deg signere");
  const signerContext = await norwegian({ javaScriptEnabled: false });
  const signing = await signerContext.newPage();
  await signing.goto(invite.link);
  await signing.getByRole("heading", { name: "Låneavtale mellom privatpersoner", level: 2 }).waitFor();
  const article = signing.locator("article.agreement");
  assert.equal(await article.getAttribute("lang"), "nb");
  for (const heading of ["1. Parter", "2. Lånet", "3. Renter", "4. Tilbakebetaling", "7. Underskrifter"]) {
    await article.getByRole("heading", { name: heading }).waitFor();
  }
  const read = await article.innerText();
  assert.match(read, /Långiver låner ut 25\s000,50\skr til låntaker\./);
  assert.match(read, /Lånet kan ikke overdras til andre\./);
  assert.ok(await signing.getByRole("link", { name: /Last ned dokumentet/ }).isVisible(), "the PDF is still a download away");
  await shot(signing, "agreement-06-signer-reads");

  await signing.getByLabel("Skriv fullt navn").fill(signer.name);
  await signing.getByLabel(/Jeg har hatt anledning til å lese dokumentet/).check();
  await signing.getByRole("button", { name: "Signer dokumentet" }).click();
  await signing.getByRole("heading", { name: "Du har signert" }).waitFor();
  await shot(signing, "agreement-07-signed");

  // Back on the dashboard, "Fullført" shows it once the signed PDF is stored (a queue job).
  await page.goto(`${BASE_URL}/envelopes`);
  await page.getByRole("navigation", { name: "Filtrer etter status" }).getByRole("link", { name: /^Fullført/ }).click();
  assert.match(page.url(), /status=completed/);
  for (let tries = 0; !(await row.count()) && tries < 45; tries++) {
    await new Promise((r) => setTimeout(r, 1000));
    await page.reload();
  }
  assert.match(await row.innerText(), /Fullført/);
  assert.match(await row.innerText(), /1 av 1 har signert/);
  assert.match(await row.innerText(), /\d+ dager igjen/);
  assert.equal(await page.getByRole("link", { name: /^Fullført/ }).getAttribute("aria-current"), "page");
  await shot(page, "agreement-11-dashboard-completed");

  // The envelope page's timeline lists the signing, in order, with times.
  await row.getByRole("link", { name: title }).click();
  assert.equal(page.url(), envelopeUrl);
  const timeline = page.locator("ol.timeline");
  const entries = await timeline.locator("li").allInnerTexts();
  const signedAt = entries.findIndex((e) => e.startsWith("Signert — Øystein Åsmund Bø"));
  assert.ok(signedAt > 0, `the signing is in the timeline: ${entries.join(" | ")}`);
  assert.ok(entries.findIndex((e) => e.startsWith("Sendt til signering")) < signedAt, "sent before signed");
  assert.equal(await timeline.locator("li").nth(signedAt).locator("time").count(), 1);
  assert.match(await page.locator("#main").innerText(), /Kan lastes ned til \d+\. \w+ \d{4} \(\d+ dager igjen\)/);
  await timeline.scrollIntoViewIfNeeded();
  await shot(page, "agreement-12-envelope-timeline");
  await context.close();
  await signerContext.close();
});

test("without JavaScript, “Update preview” shows the agreement with the answers so far", async () => {
  const context = await norwegian({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, "Nora Uten Skript");
  await page.goto(`${BASE_URL}/agreements/car-sale`);
  await page.getByRole("group", { name: "Selger" }).getByLabel("Fullt navn").fill("Nora Uten Skript");
  await page.getByLabel("Registreringsnummer").fill("ab12345");
  await page.getByLabel("Kjøpesum").fill("89.500,-");
  await page.getByLabel("Merke", { exact: true }).fill("Škoda");
  await page.getByLabel("Postnummer").first().fill("12");
  await page.getByRole("button", { name: "Oppdater forhåndsvisningen" }).click();
  await page.getByRole("heading", { name: "Det er et problem" }).waitFor();
  const preview = await page.locator("#agreement-preview").innerText();
  assert.match(preview, /Nora Uten Skript \(selger\) selger bilen/);
  assert.match(preview, /AB 12345/);
  assert.match(preview, /Kjøpesummen er 89\s500\skr\./);
  assert.match(preview, /Škoda/);
  // Answers not given yet are blanks; a wrong one is reported, not guessed.
  assert.match(preview, /\[Fullt navn \(kjøper\)\]/);
  assert.match(await page.locator(".error-summary").innerText(), /Postnummer \(selger\) må være 4 sifre, for eksempel 0150/);
  assert.equal(await page.getByLabel("Kjøpesum").inputValue(), "89.500,-");
  await shot(page, "agreement-08-no-js-preview");
  await context.close();
});
