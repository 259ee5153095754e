import { describe, expect, it } from "vitest";
import { isLocalDevelopment, isLocalHostname, servesLocalDevelopment } from "../../../src/domain/deployment";

describe("local development", () => {
  it("counts loopback addresses and the names RFC 6761 reserves as local, and nothing a zone could hold", () => {
    for (const host of ["localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.8.9.10", "[::1]", "pactly.test", "localhost."]) expect(isLocalHostname(host), host).toBe(true);
    for (const host of ["sign.pactly.example", "pactly.workers.dev", "localhost.evil.com", "test", "mytest.com", "10.0.0.1", "127.0.0.1.nip.io", "1270.0.0.1", "[::2]"]) expect(isLocalHostname(host), host).toBe(false);
  });

  it("needs ENVIRONMENT=development and a local APP_URL", () => {
    expect(isLocalDevelopment({ ENVIRONMENT: "development", APP_URL: "http://localhost:8787" })).toBe(true);
    expect(isLocalDevelopment({ ENVIRONMENT: "development", APP_URL: "https://sign.pactly.example" })).toBe(false);
    expect(isLocalDevelopment({ ENVIRONMENT: "development" })).toBe(false);
    expect(isLocalDevelopment({ ENVIRONMENT: "development", APP_URL: "not a url" })).toBe(false);
    expect(isLocalDevelopment({ ENVIRONMENT: "production", APP_URL: "http://localhost:8787" })).toBe(false);
    expect(isLocalDevelopment({ ENVIRONMENT: "Development", APP_URL: "http://localhost:8787" })).toBe(false);
  });

  it("serves development-only routes only to a request that came to a local name", () => {
    const dev = { ENVIRONMENT: "development", APP_URL: "http://127.0.0.1:8787" };
    expect(servesLocalDevelopment(dev, "http://127.0.0.1:8787/dev/outbox")).toBe(true);
    expect(servesLocalDevelopment(dev, "https://pactly.test/dev/outbox")).toBe(true);
    expect(servesLocalDevelopment(dev, "https://sign.pactly.example/dev/outbox")).toBe(false);
    expect(servesLocalDevelopment({ ...dev, ENVIRONMENT: "staging" }, "http://127.0.0.1:8787/dev/outbox")).toBe(false);
  });
});
