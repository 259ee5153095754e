/**
 * Bad input, through the real forms: the page comes back with a 4xx status, a title
 * starting "Error: ", an error summary linking to each field, the message beside the
 * field, the answers kept (never the password) — and nothing changes.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, uniqueEmail } from "../support/client";
import {
  PASSWORD,
  createEnvelope,
  decode,
  envelopeStatus,
  freshIp,
  newSender,
  newSigner,
  openLink,
  outboxMessages,
  sentEnvelope,
  signerRows,
  timeline,
  titleOf,
} from "../support/flows";
import { makePdf } from "../support/pdf";
import { ownerRestrictedPdf, userPasswordObjectStreamsPdf, userPasswordPdf } from "../fixtures/pdf/qpdf";

// ---------------------------------------------------------------------------
// helpers

/** The opening tag of the form control with this id. */
function controlTag(html: string, id: string): string | undefined {
  return new RegExp(`<(?:input|textarea)\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
}

/** What the page re-shows in a field: an input's value or a textarea's text. */
function fieldValue(html: string, id: string): string | undefined {
  const tag = controlTag(html, id);
  if (!tag) return undefined;
  if (tag.startsWith("<textarea")) {
    const text = new RegExp(`<textarea\\b[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
    return text === undefined ? undefined : decode(text);
  }
  const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
  return value === undefined ? undefined : decode(value);
}

function textOf(fragment: string): string {
  return decode(fragment.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim();
}

/**
 * The page is an error page for exactly these fields: 4xx, "Error: " title, an error
 * summary whose links lead to the fields, and the same message beside each field.
 */
async function expectFieldErrors(res: Response, expected: Record<string, RegExp>): Promise<string> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
  const html = await res.text();
  expect(titleOf(html)).toMatch(/^Error: /);

  const summary = /<div class="error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0];
  expect(summary, "an error summary").toBeDefined();
  const links = [...summary!.matchAll(/<a href="#([^"]+)">([\s\S]*?)<\/a>/g)].map((m) => ({ field: m[1]!, text: textOf(m[2]!) }));
  expect(links.map((l) => l.field).sort()).toEqual(Object.keys(expected).sort());

  for (const { field, text } of links) {
    expect(text, `summary message for ${field}`).toMatch(expected[field]!);
    // The link leads somewhere: a control with that id, marked invalid and described by its error.
    const tag = controlTag(html, field);
    expect(tag, `a control with id="${field}"`).toBeDefined();
    expect(tag).toContain('aria-invalid="true"');
    expect(tag).toMatch(new RegExp(`aria-describedby="[^"]*\\b${field}-error\\b`));
    const inline = new RegExp(`<p id="${field}-error" class="field-error">([\\s\\S]*?)</p>`).exec(html)?.[1];
    expect(inline, `an error beside ${field}`).toBeDefined();
    expect(textOf(inline!)).toContain(text);
  }
  return html;
}

async function documentsOwnedBy(email: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM documents WHERE owner_id = (SELECT id FROM users WHERE email = ?)")
    .bind(email)
    .first<{ n: number }>();
  return row!.n;
}

async function canLogIn(email: string, password: string): Promise<boolean> {
  const client = new Client(freshIp());
  const { csrf } = await client.page("/login");
  const res = await client.post("/login", { email, password }, csrf);
  return res.status === 303;
}

const MSG = {
  name: /full name/i,
  email: /email address in the correct format/i,
  passwordShort: /12 characters or more/i,
  passwordCommon: /too common/i,
  taken: /already exists/i,
  loginInvalid: /email address or password is not correct/i,
  title: /enter a title/i,
  titleLong: /200 characters or fewer/i,
  file: /select a pdf/i,
  notPdf: /not a pdf/i,
  damaged: /damaged/i,
  encrypted: /password-protected/i,
  signerName: /signer.s full name/i,
  duplicate: /already/i,
  expiryFormat: /real date/i,
  expiryPast: /must be in the future/i,
  expiryFar: /within a year/i,
  phone: /international format/i,
  phoneRequired: /SMS code/i,
  reminders: /whole number of days between 0 and 30/i,
  tooMany: /at most 50 recipients/i,
  typedName: /type your full name/i,
  consent: /confirm that you have read/i,
  reason: /why you decline/i,
};

// ---------------------------------------------------------------------------

describe("sign-up", () => {
  async function postSignUp(fields: Record<string, string>) {
    const client = new Client(freshIp());
    const { csrf } = await client.page("/signup");
    const res = await client.post("/signup", fields, csrf);
    return { client, res };
  }

  it("with every field empty names each missing answer", async () => {
    const { client, res } = await postSignUp({ name: "", email: "", password: "", locale: "en" });
    await expectFieldErrors(res, { name: MSG.name, email: MSG.email, password: MSG.passwordShort });
    expect(client.cookies.has("__Host-pactly-session")).toBe(false);
  });

  it("with a bad email says so and keeps the other answers, never the password", async () => {
    const { client, res } = await postSignUp({ name: "Kari Nordmann", email: "kari.example.com", password: PASSWORD, locale: "nb" });
    const html = await expectFieldErrors(res, { email: MSG.email });
    expect(fieldValue(html, "name")).toBe("Kari Nordmann");
    expect(fieldValue(html, "email")).toBe("kari.example.com");
    expect(fieldValue(html, "password")).toBeUndefined();
    expect(html).not.toContain(PASSWORD);
    expect(html).toMatch(/<input[^>]*id="locale-nb"[^>]*checked/);
    expect(client.cookies.has("__Host-pactly-session")).toBe(false);
  });

  it("with a short password says how long it must be and creates no account", async () => {
    const email = uniqueEmail("short");
    const { res } = await postSignUp({ name: "Short Password", email, password: "abc123", locale: "en" });
    const html = await expectFieldErrors(res, { password: MSG.passwordShort });
    expect(fieldValue(html, "email")).toBe(email);
    expect(html).not.toContain("abc123");
    expect(await canLogIn(email, "abc123")).toBe(false);
    // The address is still free.
    expect((await postSignUp({ name: "Short Password", email, password: PASSWORD, locale: "en" })).res.status).toBe(303);
  });

  it("with a common password refuses it and creates no account", async () => {
    const email = uniqueEmail("common");
    const { res } = await postSignUp({ name: "Common Password", email, password: "Password1234", locale: "en" });
    const html = await expectFieldErrors(res, { password: MSG.passwordCommon });
    expect(fieldValue(html, "name")).toBe("Common Password");
    expect(html).not.toContain("Password1234");
    expect((await postSignUp({ name: "Common Password", email, password: PASSWORD, locale: "en" })).res.status).toBe(303);
  });

  it("with an email already in use (in any letter case) says so and leaves the existing account alone", async () => {
    const email = uniqueEmail("taken");
    expect((await postSignUp({ name: "First Owner", email, password: PASSWORD, locale: "en" })).res.status).toBe(303);
    for (const again of [email, email.toUpperCase()]) {
      const { client, res } = await postSignUp({ name: "Second Comer", email: again, password: "another long passphrase", locale: "en" });
      const html = await expectFieldErrors(res, { email: MSG.taken });
      expect(fieldValue(html, "name")).toBe("Second Comer");
      expect(fieldValue(html, "email")).toBe(again);
      expect(client.cookies.has("__Host-pactly-session")).toBe(false);
    }
    expect(await canLogIn(email, PASSWORD)).toBe(true);
    expect(await canLogIn(email, "another long passphrase")).toBe(false);
  });
});

describe("login", () => {
  async function postLogIn(email: string, password: string) {
    const client = new Client(freshIp());
    const { csrf } = await client.page("/login");
    const res = await client.post("/login", { email, password }, csrf);
    return { client, res };
  }

  it("with a wrong password or an unknown email gives the same generic message", async () => {
    const { email } = await newSender();
    const unknown = uniqueEmail("nobody");
    const wrong = await postLogIn(email, "not the right password");
    const wrongHtml = await expectFieldErrors(wrong.res, { email: MSG.loginInvalid });
    const missing = await postLogIn(unknown, "not the right password");
    const missingHtml = await expectFieldErrors(missing.res, { email: MSG.loginInvalid });

    // No hint whether the account exists: same status, and the same page apart from the echoed address.
    expect(missing.res.status).toBe(wrong.res.status);
    const main = (html: string, address: string) =>
      /<main[^>]*>([\s\S]*?)<\/main>/.exec(html)![1]!.replaceAll(address, "ADDRESS").replace(/name="_csrf" value="[^"]*"/g, "");
    expect(main(missingHtml, unknown)).toBe(main(wrongHtml, email));
    for (const [{ client }, html, address] of [[wrong, wrongHtml, email], [missing, missingHtml, unknown]] as const) {
      expect(fieldValue(html, "email")).toBe(address);
      expect(fieldValue(html, "password")).toBeUndefined();
      expect(html).not.toContain("not the right password");
      expect(client.cookies.has("__Host-pactly-session")).toBe(false);
      const after = await client.get("/envelopes");
      expect(after.status).toBe(303);
      expect(after.headers.get("Location")).toBe("/login");
    }
  });
});

describe("new envelope", () => {
  async function upload(fields: { title?: string; file?: File | null }) {
    const sender = await newSender();
    const { csrf, html } = await sender.client.page("/envelopes/new");
    const idem = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
    const body: Record<string, string | Blob> = { idempotency_key: idem, title: fields.title ?? "", message: "Kept message", signingOrder: "sequential", timeZone: "Europe/Stockholm", reminderEveryDays: "5" };
    if (fields.file) body.file = fields.file;
    const res = await sender.client.post("/envelopes", body, csrf, { multipart: true });
    return { ...sender, res };
  }

  async function expectNothingCreated(sender: { client: Client; email: string }) {
    const list = await sender.client.page("/envelopes");
    expect(list.html).toContain("You have not sent anything yet.");
    expect(await documentsOwnedBy(sender.email)).toBe(0);
  }

  const pdfFile = async () => new File([await makePdf(1)], "agreement.pdf", { type: "application/pdf" });

  it("without a title asks for one and keeps the other answers", async () => {
    const sender = await upload({ title: "   ", file: await pdfFile() });
    const html = await expectFieldErrors(sender.res, { title: MSG.title });
    expect(fieldValue(html, "message")).toBe("Kept message");
    expect(html).toMatch(/<input[^>]*id="signingOrder-sequential"[^>]*checked/);
    expect(html).toMatch(/<option value="Europe\/Stockholm" selected/);
    expect(fieldValue(html, "reminderEveryDays")).toBe("5");
    await expectNothingCreated(sender);
  });

  it("without a file asks for a PDF and keeps the title", async () => {
    const sender = await upload({ title: "Room rental", file: null });
    const html = await expectFieldErrors(sender.res, { file: MSG.file });
    expect(fieldValue(html, "title")).toBe("Room rental");
    await expectNothingCreated(sender);
  });

  it("with an empty file asks for a PDF", async () => {
    const sender = await upload({ title: "Room rental", file: new File([], "empty.pdf", { type: "application/pdf" }) });
    await expectFieldErrors(sender.res, { file: MSG.file });
    await expectNothingCreated(sender);
  });

  it("with a text file renamed .pdf says it is not a PDF", async () => {
    const text = new File(["Dear landlord,\nI agree to everything.\n"], "agreement.pdf", { type: "application/pdf" });
    const sender = await upload({ title: "Renamed text", file: text });
    const html = await expectFieldErrors(sender.res, { file: MSG.notPdf });
    expect(fieldValue(html, "title")).toBe("Renamed text");
    await expectNothingCreated(sender);
  });

  it("with a text file named .txt says it is not a PDF", async () => {
    const text = new File(["just some notes\n"], "notes.txt", { type: "text/plain" });
    const sender = await upload({ title: "Plain text", file: text });
    await expectFieldErrors(sender.res, { file: MSG.notPdf });
    await expectNothingCreated(sender);
  });

  it("with a truncated PDF says it is damaged", async () => {
    const whole = await makePdf(2);
    const truncated = new File([whole.subarray(0, Math.floor(whole.length * 0.6))], "cut.pdf", { type: "application/pdf" });
    const sender = await upload({ title: "Cut short", file: truncated });
    const html = await expectFieldErrors(sender.res, { file: MSG.damaged });
    expect(fieldValue(html, "title")).toBe("Cut short");
    await expectNothingCreated(sender);
  });

  it.each([
    ["a user password", userPasswordPdf],
    ["only an owner password (editing restrictions)", ownerRestrictedPdf],
    ["a user password and object streams", userPasswordObjectStreamsPdf],
  ])("with a PDF encrypted with %s says it is password-protected", async (_label, bytes) => {
    const sender = await upload({ title: "Locked", file: new File([bytes], "locked.pdf", { type: "application/pdf" }) });
    const html = await expectFieldErrors(sender.res, { file: MSG.encrypted });
    expect(fieldValue(html, "title")).toBe("Locked");
    await expectNothingCreated(sender);
  });

  it("with a title over 200 characters says the limit and keeps the title", async () => {
    const long = "Loan agreement ".repeat(14).slice(0, 201);
    expect(long.length).toBe(201);
    const sender = await upload({ title: long, file: await pdfFile() });
    const html = await expectFieldErrors(sender.res, { title: MSG.titleLong });
    expect(fieldValue(html, "title")).toBe(long);
    await expectNothingCreated(sender);
  });

  it("accepts a title of exactly 200 characters", async () => {
    const sender = await upload({ title: "x".repeat(200), file: await pdfFile() });
    expect(sender.res.status).toBe(303);
    expect(await documentsOwnedBy(sender.email)).toBe(1);
  });
});

describe("add signer", () => {
  async function draftWith(signers = [newSigner("Existing Signer")]) {
    const sender = await newSender();
    const { path } = await createEnvelope(sender.client, { signers });
    return { ...sender, path, signers };
  }

  async function postSigner(client: Client, path: string, fields: Record<string, string>) {
    const { csrf } = await client.page(path);
    return client.post(`${path}/recipients`, fields, csrf);
  }

  it("with a bad email says so, keeps the name and adds no one", async () => {
    const { client, path } = await draftWith();
    const before = { rows: await signerRows(client, path), events: await timeline(client, path) };
    const res = await postSigner(client, path, { name: "Ola Nordmann", email: "ola@", locale: "en" });
    const html = await expectFieldErrors(res, { email: MSG.email });
    expect(fieldValue(html, "name")).toBe("Ola Nordmann");
    expect(fieldValue(html, "email")).toBe("ola@");
    expect(await signerRows(client, path)).toEqual(before.rows);
    expect(await timeline(client, path)).toEqual(before.events);
  });

  it("with an empty name asks for the signer's name, keeps the email and adds no one", async () => {
    const { client, path } = await draftWith();
    const before = await signerRows(client, path);
    const email = uniqueEmail("noname");
    const res = await postSigner(client, path, { name: "  ", email, locale: "en" });
    const html = await expectFieldErrors(res, { name: MSG.signerName });
    expect(fieldValue(html, "email")).toBe(email);
    expect(await signerRows(client, path)).toEqual(before);
  });

  it("with an email already on the envelope says it is already a signer and adds no one", async () => {
    const existing = newSigner("Existing Signer");
    const { client, path } = await draftWith([existing]);
    const before = { rows: await signerRows(client, path), events: await timeline(client, path) };
    for (const email of [existing.email, existing.email.toUpperCase()]) {
      const res = await postSigner(client, path, { name: "Same Person Again", email, locale: "en" });
      const html = await expectFieldErrors(res, { email: MSG.duplicate });
      expect(fieldValue(html, "name")).toBe("Same Person Again");
      expect(fieldValue(html, "email")).toBe(email);
    }
    expect(await signerRows(client, path)).toEqual(before.rows);
    expect(await timeline(client, path)).toEqual(before.events);
  });

  it("with a phone number not in international format says so and keeps the answers", async () => {
    const { client, path } = await draftWith();
    const before = await signerRows(client, path);
    const email = uniqueEmail("phone");
    for (const phone of ["912 34 567", "+47 12", "+47 912 34 567 890 123", "call me"]) {
      const res = await postSigner(client, path, { name: "Phone Person", email, phone, role: "signer", method: "email_link", locale: "en" });
      const html = await expectFieldErrors(res, { phone: MSG.phone });
      expect(fieldValue(html, "phone")).toBe(phone);
      expect(fieldValue(html, "email")).toBe(email);
    }
    expect(await signerRows(client, path)).toEqual(before);
  });

  it("choosing SMS codes without a phone number asks for one", async () => {
    const { client, path } = await draftWith();
    const before = await signerRows(client, path);
    const res = await postSigner(client, path, { name: "Sms Person", email: uniqueEmail("sms"), phone: "", role: "signer", method: "sms_otp", locale: "en" });
    const html = await expectFieldErrors(res, { phone: MSG.phoneRequired });
    expect(html).toMatch(/<input[^>]*id="method-sms_otp"[^>]*checked/);
    expect(await signerRows(client, path)).toEqual(before);
  });

  it("refuses the 51st recipient and keeps 50", async () => {
    const sender = await newSender();
    const { path, id } = await createEnvelope(sender.client);
    const { csrf } = await sender.client.page(path);
    for (let i = 1; i <= 50; i++) {
      const res = await sender.client.post(`${path}/recipients`, { name: `Person ${i}`, email: uniqueEmail(`p${i}`), role: i % 5 === 0 ? "cc" : "signer", locale: "en" }, csrf);
      expect(res.status).toBe(303);
    }
    const res = await sender.client.post(`${path}/recipients`, { name: "One Too Many", email: uniqueEmail("p51"), locale: "en" }, csrf);
    const html = await expectFieldErrors(res, { email: MSG.tooMany });
    expect(fieldValue(html, "name")).toBe("One Too Many");
    const n = await env.DB.prepare("SELECT count(*) AS n FROM recipients WHERE envelope_id = ?").bind(id).first<{ n: number }>();
    expect(n!.n).toBe(50);
  });
});

describe("send", () => {
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  it.each([
    ["in the past", day(-1), MSG.expiryPast],
    ["not a real date", "2027-02-30", MSG.expiryFormat],
    ["not a date at all", "next friday", MSG.expiryFormat],
    ["more than a year ahead", day(400), MSG.expiryFar],
  ])("with an expiry date %s says so, keeps the date and sends nothing", async (_label, expiresOn, message) => {
    const signer = newSigner("Never Invited");
    const sender = await newSender();
    const { path } = await createEnvelope(sender.client, { signers: [signer] });
    const before = await timeline(sender.client, path);
    const { csrf } = await sender.client.page(path);
    const res = await sender.client.post(`${path}/send`, { expiresOn }, csrf);
    const html = await expectFieldErrors(res, { expiresOn: message });
    expect(fieldValue(html, "expiresOn")).toBe(expiresOn);
    expect(await envelopeStatus(sender.client, path)).toBe("Draft");
    expect(await timeline(sender.client, path)).toEqual(before);
    expect((await outboxMessages(sender.client)).some((m) => m.to === signer.email)).toBe(false);
  });

  it("with only copy recipients offers no send form and refuses a hand-made send", async () => {
    const sender = await newSender();
    const { path } = await createEnvelope(sender.client);
    const copy = newSigner("Copy Only");
    const { csrf } = await sender.client.page(path);
    expect((await sender.client.post(`${path}/recipients`, { name: copy.name, email: copy.email, role: "cc", locale: "en" }, csrf)).status).toBe(303);
    const page = await sender.client.page(path);
    expect(page.html).not.toContain(`action="${path}/send"`);
    expect(page.html).toContain("Add at least one signer before sending");
    const res = await sender.client.post(`${path}/send`, {}, page.csrf);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(html).toContain("Add at least one signer");
    expect(await envelopeStatus(sender.client, path)).toBe("Draft");
    expect((await outboxMessages(sender.client)).some((m) => m.to === copy.email)).toBe(false);
  });
});

describe("draft settings", () => {
  it("with an empty title, a bad time zone and a bad reminder cadence names each and changes nothing", async () => {
    const sender = await newSender();
    const { path } = await createEnvelope(sender.client, { title: "Kept title" });
    const before = await timeline(sender.client, path);
    const { csrf } = await sender.client.page(path);
    const res = await sender.client.post(`${path}/settings`, { title: " ", message: "New words", signingOrder: "sequential", timeZone: "Mars/Olympus", reminderEveryDays: "31" }, csrf);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: /);
    expect(html).toContain('href="#title"');
    expect(html).toContain('href="#timeZone"');
    expect(html).toContain('href="#reminderEveryDays"');
    expect(html).toMatch(/id="timeZone-error"/);
    expect(fieldValue(html, "message")).toBe("New words");
    expect(fieldValue(html, "reminderEveryDays")).toBe("31");
    expect(html).toMatch(/<input[^>]*id="signingOrder-sequential"[^>]*checked/);
    expect(await timeline(sender.client, path)).toEqual(before);
    expect(decode(/<h1>([^<]*)<\/h1>/.exec(html)![1]!)).toBe("Kept title");
  });
});

describe("cancel", () => {
  it("without a reason asks for one and cancels nothing", async () => {
    const { sender, path } = await sentEnvelope([newSigner("Still Invited")]);
    const { csrf } = await sender.client.page(path);
    for (const reason of ["", "   ", "x".repeat(501)]) {
      const res = await sender.client.post(`${path}/cancel`, { reason }, csrf);
      const html = await expectFieldErrors(res, { reason: /reason for cancelling/i });
      expect(fieldValue(html, "reason")).toBe(reason);
    }
    expect(await envelopeStatus(sender.client, path)).toBe("Out for signing");
  });
});

describe("signing", () => {
  async function signerOnPage(name: string) {
    const signer = newSigner(name);
    const { sender, path, links } = await sentEnvelope([signer]);
    const { signPath, csrf } = await openLink(links[0]!.client, links[0]!.link);
    return { sender, path, signer, client: links[0]!.client, signPath, csrf };
  }

  async function expectStillOpen(s: Awaited<ReturnType<typeof signerOnPage>>) {
    const events = await timeline(s.sender.client, s.path);
    expect(events.some((e) => e.startsWith("Signed") || e.startsWith("Declined"))).toBe(false);
    expect(await envelopeStatus(s.sender.client, s.path)).toBe("Out for signing");
    const page = await s.client.page(s.signPath);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain(`action="${s.signPath}/sign"`);
  }

  it("without a typed name asks for it, keeps the consent and signs nothing", async () => {
    const s = await signerOnPage("Nameless Signer");
    const res = await s.client.post(`${s.signPath}/sign`, { typedName: " ", consent: "yes" }, s.csrf);
    const html = await expectFieldErrors(res, { typedName: MSG.typedName });
    expect(html).toMatch(/<input[^>]*id="consent"[^>]*checked/);
    await expectStillOpen(s);
  });

  it("without the consent ticked asks for it, keeps the typed name and signs nothing", async () => {
    const s = await signerOnPage("Hasty Signer");
    const res = await s.client.post(`${s.signPath}/sign`, { typedName: "Hasty Signer" }, s.csrf);
    const html = await expectFieldErrors(res, { consent: MSG.consent });
    expect(fieldValue(html, "typedName")).toBe("Hasty Signer");
    expect(html).not.toMatch(/<input[^>]*id="consent"[^>]*checked/);
    await expectStillOpen(s);
  });

  it("declining without a reason asks why, shows the decline form open and declines nothing", async () => {
    const s = await signerOnPage("Silent Decliner");
    const res = await s.client.post(`${s.signPath}/decline`, { reason: "   " }, s.csrf);
    const html = await expectFieldErrors(res, { reason: MSG.reason });
    expect(html).toMatch(/<details class="danger-zone" open/);
    await expectStillOpen(s);
  });
});
