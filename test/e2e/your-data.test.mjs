// "Your data" in a real browser: the archive downloads as a file that the system's
// `unzip` accepts and that holds the account and the sent envelope with its PDF; the
// deletion page says what blocks it; a person with nothing blocking deletes their
// account, lands signed out on a goodbye page, and cannot log in again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { axeViolations, BASE_URL, launch, sendEnvelope, shot, signUpSender, uniqueEmail } from "./browser.mjs";

const PASSWORD = "correct horse battery staple";
const work = mkdtempSync(path.join(tmpdir(), "pactly-e2e-your-data-"));
let browser;
let pdf;

before(async () => {
  browser = await launch();
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText("Sale of a rowing boat", { x: 72, y: 760, size: 18, font });
  pdf = path.join(work, "rowing-boat.pdf");
  writeFileSync(pdf, await doc.save());
});
after(async () => {
  await browser?.close();
});

test("a sender downloads all their data as one ZIP, and is told what must happen before deletion", async () => {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const email = await signUpSender(page, "Rita Rower");
  await sendEnvelope(page, "Rowing boat sale", [{ name: "Ola Buyer", email: uniqueEmail("ola") }], pdf);

  await page.goto(`${BASE_URL}/account?lang=en`);
  await page.getByRole("link", { name: "Your data" }).click();
  await page.getByRole("heading", { level: 1, name: "Your data" }).waitFor();
  assert.deepEqual(await axeViolations(page, "your data"), []);

  // A wrong password: the error summary names the field, and no file comes.
  await page.getByLabel("Current password").fill("not the password at all");
  await page.getByRole("button", { name: "Download my data (ZIP)" }).click();
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  assert.match(await page.title(), /^Error: /);
  await shot(page, "your-data-wrong-password");

  await page.getByLabel("Current password").fill(PASSWORD);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download my data (ZIP)" }).click()]);
  assert.match(download.suggestedFilename(), /^pactly-data-\d{4}-\d{2}-\d{2}\.zip$/);
  const archive = path.join(work, download.suggestedFilename());
  await download.saveAs(archive);

  // The system's unzip checks every entry's CRC and lists what is inside.
  execFileSync("unzip", ["-tq", archive]);
  const names = execFileSync("unzip", ["-Z1", archive], { encoding: "utf8" }).trim().split("\n");
  assert.ok(names.includes("account.json"), names.join(", "));
  assert.ok(names.includes("audit-log.json"), names.join(", "));
  const original = names.find((n) => /^envelopes\/[^/]+\/original\.pdf$/.test(n));
  assert.ok(original, `no original.pdf in ${names.join(", ")}`);
  const account = JSON.parse(execFileSync("unzip", ["-p", archive, "account.json"], { encoding: "utf8" }));
  assert.equal(JSON.stringify(account).includes(email), true);
  const extracted = execFileSync("unzip", ["-p", archive, original]);
  assert.deepEqual(new Uint8Array(extracted), new Uint8Array(readFileSync(pdf)));

  // Deletion is explained first, and refused while the envelope is out for signing.
  await page.goto(`${BASE_URL}/account/data`);
  await page.getByRole("link", { name: "What deleting your account means" }).click();
  await page.getByRole("heading", { name: "Before you can delete your account" }).waitFor();
  await page.getByText("You have 1 envelope(s) out for signing.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Delete my account" }).count(), 0);
  assert.deepEqual(await axeViolations(page, "delete account (blocked)"), []);
  await shot(page, "your-data-delete-blocked");
});

test("a person deletes their account: confirm, password, then signed out everywhere for good", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = await signUpSender(page, "Dag Departing");

  await page.goto(`${BASE_URL}/account/delete?lang=en`);
  await page.getByRole("heading", { name: "What happens when you delete your account" }).waitFor();
  await page.getByText(`We send one last email to ${email}`).waitFor();
  assert.deepEqual(await axeViolations(page, "delete account"), []);
  await shot(page, "your-data-delete-statement");

  // Without the tick: the summary says what to do, and the account is still there.
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  await page.getByRole("link", { name: "Tick the box to confirm that you want to delete your account" }).waitFor();
  assert.deepEqual(await axeViolations(page, "delete account (error)"), []);

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("I understand that my account is deleted for good and cannot be restored").check();
  await page.getByRole("button", { name: "Delete my account" }).click();
  await page.getByRole("heading", { level: 1, name: "Your account is deleted" }).waitFor();
  assert.deepEqual(await axeViolations(page, "account deleted"), []);
  await shot(page, "your-data-deleted");

  // Signed out, and the old password opens nothing.
  await page.goto(`${BASE_URL}/envelopes`);
  assert.match(new URL(page.url()).pathname, /^\/login/);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  await context.close();
});
