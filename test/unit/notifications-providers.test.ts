import { describe, expect, it } from "vitest";
import { mailerFor } from "../../src/services/mail/mailer";
import { ConfigurationError, isRetryableStatus, ProviderError, type Fetcher } from "../../src/services/mail/provider-error";
import { resendMailer } from "../../src/services/mail/resend";
import { smsSenderFor } from "../../src/services/sms/sms";
import { twilioSmsSender } from "../../src/services/sms/twilio";
import type { Env } from "../../src/env";

/** A provider stand-in: records each request and answers with the given status and body. */
function standIn(status = 200, body: unknown = { id: "prov_1" }) {
  const requests: Request[] = [];
  const fetcher: Fetcher = async (input, init) => {
    requests.push(new Request(input, init));
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  return { requests, fetcher };
}

const email = { id: "msg_abc12345", orgId: "org_1", to: "kari@example.com", subject: "Sign “Bilsalg”", html: "<p>Hei</p>", text: "Hei", link: null };
const sms = { id: "msg_sms12345", orgId: "org_1", to: "+4791234567", text: "123456 is your Pactly code for 'X'. Valid 10 minutes." };

describe("Resend mailer", () => {
  it("posts JSON with the bearer key, our message id as idempotency key, and every field", async () => {
    const { requests, fetcher } = standIn();
    await resendMailer({ apiKey: "re_secret_key", from: "Pactly <sign@example.com>" }, fetcher).send(email);
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://api.resend.com/emails");
    expect(req.headers.get("Authorization")).toBe("Bearer re_secret_key");
    expect(req.headers.get("Idempotency-Key")).toBe("msg_abc12345");
    expect(req.headers.get("Content-Type")).toBe("application/json");
    expect(await req.json()).toEqual({ from: "Pactly <sign@example.com>", to: ["kari@example.com"], subject: "Sign “Bilsalg”", html: "<p>Hei</p>", text: "Hei" });
  });

  it("gives up at once on an address the provider will never accept, and never puts the key in the error", async () => {
    const { fetcher } = standIn(422, { statusCode: 422, name: "validation_error", message: "Invalid `to` field: kari@example" });
    const error = await resendMailer({ apiKey: "re_secret_key", from: "sign@example.com" }, fetcher).send(email).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 422, permanent: true, code: "validation_error" });
    expect(String(error)).not.toContain("re_secret_key");
    expect(String(error)).not.toContain("kari@example");
  });

  it.each([429, 500, 502, 503, 409])("retries when the provider answers %i", async (status) => {
    const { fetcher } = standIn(status, { name: "rate_limit_exceeded" });
    await expect(resendMailer({ apiKey: "k", from: "sign@example.com" }, fetcher).send(email)).rejects.toMatchObject({ status, permanent: false });
  });

  it("lets a network failure through as retryable", async () => {
    const fetcher: Fetcher = async () => {
      throw new TypeError("network connection lost");
    };
    const error = await resendMailer({ apiKey: "k", from: "sign@example.com" }, fetcher).send(email).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ProviderError);
  });
});

describe("Twilio SMS sender", () => {
  it("posts a form to the account's Messages resource with HTTP Basic auth", async () => {
    const { requests, fetcher } = standIn(201, { sid: "SM1" });
    await twilioSmsSender({ accountSid: "AC123", authToken: "tw_secret", from: "+4790000000" }, fetcher).send(sms);
    const req = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
    expect(req.headers.get("Authorization")).toBe(`Basic ${btoa("AC123:tw_secret")}`);
    expect(req.headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
    expect(Object.fromEntries(form)).toEqual({ To: "+4791234567", From: "+4790000000", Body: sms.text });
  });

  it("gives up at once on an invalid number and retries a rate limit", async () => {
    const invalid = standIn(400, { code: 21211, message: "The 'To' number +4791234567 is not a valid phone number." });
    await expect(twilioSmsSender({ accountSid: "AC1", authToken: "t", from: "+1" }, invalid.fetcher).send(sms)).rejects.toMatchObject({ permanent: true, code: "21211" });
    const limited = standIn(429, { code: 20429 });
    await expect(twilioSmsSender({ accountSid: "AC1", authToken: "t", from: "+1" }, limited.fetcher).send(sms)).rejects.toMatchObject({ permanent: false });
  });
});

describe("provider status classification", () => {
  it("retries what may succeed later and gives up on what never will", () => {
    for (const s of [408, 409, 429, 500, 503, 401, 403]) expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [400, 404, 410, 413, 422]) expect(isRetryableStatus(s), String(s)).toBe(false);
  });
});

describe("choosing the provider", () => {
  const envOf = (over: Partial<Env>) => ({ ENVIRONMENT: "production", ...over }) as Env;

  it("refuses to send outside development when no provider is configured, instead of dropping the message", () => {
    expect(() => mailerFor(envOf({}))).toThrow(ConfigurationError);
    expect(() => smsSenderFor(envOf({ ENVIRONMENT: "staging" }))).toThrow(ConfigurationError);
  });

  it("refuses a half configuration", () => {
    expect(() => mailerFor(envOf({ EMAIL_PROVIDER_API_KEY: "re_1" }))).toThrow(/EMAIL_FROM/);
    expect(() => smsSenderFor(envOf({ TWILIO_ACCOUNT_SID: "AC1", TWILIO_AUTH_TOKEN: "t" }))).toThrow(/SMS_FROM/);
  });

  it("sends through the configured providers, in development too", async () => {
    const mail = standIn();
    await mailerFor(envOf({ ENVIRONMENT: "development", EMAIL_PROVIDER_API_KEY: "re_1", EMAIL_FROM: "sign@example.com" }), mail.fetcher).send(email);
    expect(mail.requests[0]!.url).toBe("https://api.resend.com/emails");
    const text = standIn(201);
    await smsSenderFor(envOf({ TWILIO_ACCOUNT_SID: "AC9", TWILIO_AUTH_TOKEN: "t", SMS_FROM: "Pactly" }), text.fetcher).send(sms);
    expect(text.requests[0]!.url).toContain("/Accounts/AC9/Messages.json");
  });
});
