// Three signer journeys in a real browser: signing with the keyboard alone (focus always
// visible), identifying with an email code (a wrong code costs a try; five lock the code
// even for the right one), and identifying with Norwegian BankID through the local OIDC
// stand-in broker, whose name ends up on the signed PDF's certificate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { BASE_URL, launch, openInvitation, press, sendEnvelope, shot, signUpSender, tick, uniqueEmail, waitForMail } from "./browser.mjs";

const work = mkdtempSync(path.join(tmpdir(), "pactly-e2e-journeys-"));
let browser;
let sender;
let pdf;

before(async () => {
  browser = await launch();
  sender = await (await browser.newContext()).newPage();
  await signUpSender(sender);
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText("Boat sale agreement", { x: 72, y: 760, size: 18, font });
  pdf = path.join(work, "boat.pdf");
  writeFileSync(pdf, await doc.save());
});
after(async () => {
  await browser?.close();
});

/** What has focus, and whether the focus style shows (an outline that is not transparent, or a box-shadow). */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0 && !/rgba\(\d+, \d+, \d+, 0\)|transparent/.test(cs.outlineColor);
    const shadow = cs.boxShadow !== "none";
    return {
      id: el.id,
      tag: el.tagName.toLowerCase(),
      type: el.getAttribute("type") ?? "",
      text: (el.textContent ?? "").trim().slice(0, 40),
      focusVisible: el.matches(":focus-visible"),
      visible: outline || shadow,
    };
  });
}

/** Presses Tab until `want(focus)` holds, checking that every stop shows its focus; returns the stops. */
async function tabUntil(page, want, stops, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (!f) continue;
    stops.push(f);
    // Inside the PDF frame, focus belongs to the browser's own PDF viewer, which draws its own.
    if (f.tag !== "iframe") assert.ok(f.focusVisible && f.visible, `focus is not visible on ${JSON.stringify(f)}`);
    if (want(f)) return f;
  }
  assert.fail(`never reached the control; stops: ${JSON.stringify(stops.map((s) => s.id || s.text))}`);
}

/** Ticks the consent box (with the keyboard: see press() in browser.mjs). */
async function consent(page) {
  const box = page.getByLabel(/I have had the chance to read the document/);
  await tick(box);
}

test("a signer signs with the keyboard alone, and focus is visible on every control on the way", async () => {
  const signer = { name: "Kim Keyboard", email: uniqueEmail("keyboard") };
  await sendEnvelope(sender, "Boat sale", [signer], pdf);
  const page = await openInvitation(browser, signer.email);
  await page.getByRole("heading", { name: "Boat sale" }).waitFor();
  const stops = [];

  // The first stop is the skip link; Enter moves to the main content.
  const skip = await tabUntil(page, () => true, stops);
  assert.equal(skip.text, "Skip to main content");

  // Try signing without a name or consent: Enter on the button, then the error summary has focus.
  await tabUntil(page, (f) => f.id === "typedName", stops);
  await tabUntil(page, (f) => f.tag === "button" && f.text === "Sign the document", stops);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.className), "error-summary");
  await shot(page, "keyboard-01-errors");

  // Into the name field, type, then on to the consent box (Space ticks it); Shift+Tab goes back.
  await tabUntil(page, (f) => f.id === "typedName", stops);
  await page.keyboard.type(signer.name);
  await tabUntil(page, (f) => f.id === "consent", stops);
  await page.keyboard.press("Shift+Tab");
  assert.equal((await focused(page))?.id, "typedName", "Shift+Tab goes back to the name");
  await page.keyboard.press("Tab");
  assert.equal((await focused(page))?.id, "consent");
  await page.keyboard.press("Space");
  assert.equal(await page.locator("#consent").isChecked(), true);
  await shot(page, "keyboard-02-consent-focused");
  await tabUntil(page, (f) => f.tag === "button" && f.text === "Sign the document", stops);
  await shot(page, "keyboard-03-button-focused");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "You have signed" }).waitFor();
  // Links, fields, the checkbox and buttons were all reached.
  assert.ok(stops.some((s) => s.tag === "a") && stops.some((s) => s.tag === "input") && stops.some((s) => s.tag === "button"));
});

test("an email code: a wrong code costs a try, five lock it even for the right code, and a fresh signer identifies and signs", async () => {
  const locked = { name: "Lars Lås", email: uniqueEmail("locked"), method: "Code by email" };
  const right = { name: "Randi Rett", email: uniqueEmail("right"), method: "Code by email" };
  await sendEnvelope(sender, "Cabin rental", [locked, right], pdf);

  const page = await openInvitation(browser, locked.email);
  await press(page.getByRole("button", { name: "Send code" }));
  await page.getByLabel("Enter the 6-digit code").waitFor();
  const mail = await waitForMail(locked.email, "Your code for");
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  assert.ok(code, "the email carries a 6-digit code");
  const wrong = code === "000000" ? "111111" : "000000";
  for (let left = 4; left >= 1; left--) {
    await page.getByLabel("Enter the 6-digit code").fill(wrong);
    await press(page.getByRole("button", { name: "Confirm" }));
    await page.getByRole("link", { name: left === 1 ? "The code is not right. You have 1 try left" : `The code is not right. You have ${left} tries left` }).waitFor();
  }
  await page.getByLabel("Enter the 6-digit code").fill(wrong);
  await press(page.getByRole("button", { name: "Confirm" }));
  await page.getByRole("link", { name: "The code is locked after 5 wrong tries. Send a new code" }).waitFor();
  // The right code no longer helps: brute force ends at five guesses.
  await page.getByLabel("Enter the 6-digit code").fill(code);
  await press(page.getByRole("button", { name: "Confirm" }));
  await page.getByRole("link", { name: "The code is locked after 5 wrong tries. Send a new code" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Sign the document" }).count(), 0, "no sign form while unidentified");
  await shot(page, "code-01-locked");

  const other = await openInvitation(browser, right.email);
  await press(other.getByRole("button", { name: "Send code" }));
  const otherMail = await waitForMail(right.email, "Your code for");
  const otherCode = /\b(\d{6})\b/.exec(otherMail.text)?.[1];
  // The first signer's code is theirs alone.
  if (otherCode !== code) {
    await other.getByLabel("Enter the 6-digit code").fill(code);
    await press(other.getByRole("button", { name: "Confirm" }));
    await other.getByRole("link", { name: "The code is not right. You have 4 tries left" }).waitFor();
  }
  await other.getByLabel("Enter the 6-digit code").fill(otherCode);
  await press(other.getByRole("button", { name: "Confirm" }));
  await other.getByText("Identified by email code").waitFor();
  await other.getByLabel("Type your full name").fill(right.name);
  await consent(other);
  await press(other.getByRole("button", { name: "Sign the document" }));
  await other.getByRole("heading", { name: "You have signed" }).waitFor();
  await shot(other, "code-02-signed");
});

test("a signer identifies with Norwegian BankID through the broker, signs, and the certificate names the eID", async () => {
  const signer = { name: "Eli Eid", email: uniqueEmail("eid"), method: "Electronic ID (such as BankID)" };
  const envelope = await sendEnvelope(sender, "Car sale", [signer], pdf);
  const page = await openInvitation(browser, signer.email);
  // Signing needs the eID first: there is no sign form yet.
  assert.equal(await page.getByRole("button", { name: "Sign the document" }).count(), 0);
  await press(page.getByRole("button", { name: "Identify with BankID / MitID / …" }));
  await page.getByRole("heading", { name: "Choose your eID" }).waitFor();
  await shot(page, "eid-01-choose");
  await page.getByLabel("Norwegian BankID").check();
  // Off to the broker (the stand-in on 127.0.0.1), which posts the answer back (form_post).
  const visited = [];
  page.on("framenavigated", (f) => f === page.mainFrame() && visited.push(f.url()));
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByText("Identified by electronic ID").waitFor();
  assert.ok(visited.some((u) => u.startsWith(`${process.env.EID_ISSUER}/oauth2/authorize`)), `went through the broker: ${visited.join(", ")}`);
  assert.match(new URL(page.url()).pathname, /^\/sign\/rcp_/);
  await shot(page, "eid-02-identified");
  await page.getByLabel("Type your full name").fill(signer.name);
  await consent(page);
  await press(page.getByRole("button", { name: "Sign the document" }));
  await page.getByRole("heading", { name: "You have signed" }).waitFor();

  // The sender sees how the signer identified; the signed PDF's certificate says so too.
  await sender.goto(envelope);
  const download = sender.getByRole("link", { name: "Download the signed PDF" });
  const until = Date.now() + 60_000;
  while (!(await download.count())) {
    assert.ok(Date.now() < until, "the envelope completes within a minute");
    await new Promise((r) => setTimeout(r, 1000));
    await sender.reload();
  }
  await sender.getByText("Identified with Norwegian BankID").first().waitFor();
  const res = await sender.request.get(new URL(await download.getAttribute("href"), BASE_URL).href);
  assert.equal(res.status(), 200);
  const signedPath = path.join(work, "car-sale-signed.pdf");
  writeFileSync(signedPath, await res.body());
  const text = execFileSync("pdftotext", ["-enc", "UTF-8", signedPath, "-"]).toString();
  assert.match(text, /Norwegian BankID/);
  assert.match(text, /Eli Eid/);
  assert.doesNotMatch(text, /01017012345/, "the national identity number is never printed");
});

/**
 * WCAG 1.4.10 (reflow) and 2.5.8 (target size): at 320 CSS pixels wide — a 1280 px window at
 * 400 % zoom — the page scrolls only vertically, and every control is at least 24 × 24 px.
 */
async function reflowProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
    for (const el of document.querySelectorAll("button, input:not([type=hidden]), select, textarea, summary, a.button")) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue; // not rendered (e.g. inside a closed <details>)
      // A radio or checkbox counts with its label, which is part of its target.
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.getBoundingClientRect() : null;
      const height = Math.max(box.height, label?.height ?? 0);
      const wide = Math.max(box.width, label ? label.right - box.left : 0);
      if (height < 24 || wide < 24) problems.push(`${el.tagName.toLowerCase()}#${el.id || el.name || el.textContent?.trim().slice(0, 20)} is ${Math.round(wide)}×${Math.round(height)}`);
      if (box.right > width + 1) problems.push(`${el.tagName.toLowerCase()}#${el.id || el.name} sticks out to ${Math.round(box.right)}px`);
    }
    return problems;
  });
}

test("at 320 px wide (400 % zoom) the signing pages reflow without sideways scrolling, with targets of at least 24 px", async () => {
  const signer = { name: "Nina Narrow", email: uniqueEmail("narrow") };
  await sendEnvelope(sender, "Narrow screen agreement", [signer], pdf);
  const page = await openInvitation(browser, signer.email, { viewport: { width: 320, height: 640 } });
  await page.getByRole("heading", { name: "Narrow screen agreement" }).waitFor();
  const signingPage = page.url().split("?")[0];
  assert.deepEqual(await reflowProblems(page), [], "signing page");
  await shot(page, "journeys-320-signing");
  // With errors shown, too: the error summary and messages must reflow as well.
  await press(page.getByRole("button", { name: "Sign the document" }));
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  assert.deepEqual(await reflowProblems(page), [], "signing page with errors");
  // And in Norwegian, whose words are longer.
  await page.goto(`${signingPage}?lang=nb`);
  await page.getByRole("heading", { name: "Narrow screen agreement" }).waitFor();
  assert.deepEqual(await reflowProblems(page), [], "signing page in Norwegian");
  await page.context().close();
});
