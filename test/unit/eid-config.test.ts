import { describe, expect, it } from "vitest";
import { eidConfig, isLoopbackHttp } from "../../src/services/eid/config";
import type { Env } from "../../src/env";

const base = { APP_URL: "http://localhost:8787", EID_CLIENT_ID: "client", EID_CLIENT_SECRET: "secret", EID_NATIONAL_ID_KEY: "k".repeat(32), EID_SCHEMES: "no_bankid" };
const env = (vars: Record<string, string>) => ({ ...base, ...vars }) as unknown as Env;

describe("eID issuer over plain http", () => {
  it("is allowed for a loopback issuer in development only (the end-to-end tests' stand-in broker)", () => {
    expect(eidConfig(env({ ENVIRONMENT: "development", EID_ISSUER: "http://127.0.0.1:4321" }))).toMatchObject({ issuer: "http://127.0.0.1:4321", allowLoopbackHttp: true });
    expect(eidConfig(env({ ENVIRONMENT: "production", EID_ISSUER: "http://127.0.0.1:4321" }))).toBeNull();
    expect(eidConfig(env({ ENVIRONMENT: "development", EID_ISSUER: "http://broker.example" }))).toBeNull();
    // Development vars deployed with a public APP_URL are not local development.
    expect(eidConfig(env({ ENVIRONMENT: "development", APP_URL: "https://sign.pactly.example", EID_ISSUER: "http://127.0.0.1:4321" }))).toBeNull();
    expect(eidConfig(env({ ENVIRONMENT: "production", EID_ISSUER: "https://broker.example" }))).toMatchObject({ allowLoopbackHttp: false });
  });

  it("recognises loopback only by its exact host, not a look-alike", () => {
    expect(isLoopbackHttp("http://localhost:8080/x")).toBe(true);
    expect(isLoopbackHttp("http://127.0.0.1.evil.example/")).toBe(false);
    expect(isLoopbackHttp("http://localhost.evil.example/")).toBe(false);
    expect(isLoopbackHttp("https://127.0.0.1/")).toBe(false);
    expect(isLoopbackHttp("not a url")).toBe(false);
  });
});
