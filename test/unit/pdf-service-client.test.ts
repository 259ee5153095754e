import { describe, expect, it, vi } from "vitest";
import { DomainError } from "../../src/domain/errors";
import type { Env } from "../../src/env";
import { asResult } from "../../src/pdf-service/contract";
import { inspectUpload, verifyPdf } from "../../src/services/pdf";

const limits = { maxBytes: 1000, maxPages: 10 };
const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46]);
const pdfBinding = (methods: Record<string, (...args: unknown[]) => unknown>) => ({ PDF: methods }) as unknown as Pick<Env, "PDF">;

describe("the page Worker's side of the PDF service", () => {
  it("raises the same DomainError the PDF service refused with: code, message and details", async () => {
    const refusal = await asResult(async () => {
      throw new DomainError("pdf_too_many_pages", "The PDF has 12 pages; at most 10 are allowed", { pages: 12, maxPages: 10 });
    });
    const error = await inspectUpload(pdfBinding({ inspectUpload: async () => refusal }), bytes, limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "pdf_too_many_pages", message: "The PDF has 12 pages; at most 10 are allowed", details: { pages: 12, maxPages: 10 }, status: 422 });
  });

  it("answers the service's value when it accepts", async () => {
    const env = pdfBinding({ inspectUpload: async () => ({ ok: true, value: { pages: 3, version: "1.7" } }) });
    await expect(inspectUpload(env, bytes, limits)).resolves.toEqual({ pages: 3, version: "1.7" });
  });

  it("says try again (503, Retry-After) when the service cannot answer, e.g. its isolate died on a file", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const env = pdfBinding({ verify: async () => Promise.reject(new Error("Worker exceeded memory limit.")) });
    const error = await verifyPdf(env, bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "pdf_unavailable", status: 503, details: { retryAfter: 30 } });
    vi.restoreAllMocks();
  });

  it("leaves errors other than refusals to the caller's error handling inside the service", async () => {
    await expect(asResult(async () => Promise.reject(new TypeError("bug")))).rejects.toThrow(TypeError);
  });
});
