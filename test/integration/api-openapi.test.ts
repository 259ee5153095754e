/**
 * The OpenAPI document: well-formed 3.1 whose every $ref resolves and every operation
 * has responses; it lists every route the API serves; its request schemas describe
 * what the endpoints really accept; and the reference page is rendered from it.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiRoutes } from "../../src/api";
import { operations, requestSchemas } from "../../src/api/openapi";
import { Client } from "../support/client";
import { freshIp, newSigner, titleOf } from "../support/flows";
import { apiClient, expectProblem, senderWithKey, uploadPdf } from "./api-helpers";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; parameters?: unknown[]; requestBody?: unknown; security: unknown[] }>>;
  components: Record<string, Record<string, unknown>>;
};

async function fetchDocument(): Promise<Doc> {
  const res = await apiClient("").call("/api/v1/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  return (await res.json()) as Doc;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

function resolve(doc: Doc, ref: string): unknown {
  expect(ref.startsWith("#/")).toBe(true);
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), doc);
}

describe("GET /api/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document whose operations all have responses and whose $refs all resolve", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.components.securitySchemes!.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const ops = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(ops.length).toBe(operations.length);
    const ids = new Set<string>();
    for (const op of ops) {
      expect(Object.keys(op.responses).length, op.operationId).toBeGreaterThan(0);
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
    }
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(resolve(doc, ref), ref).toBeDefined();
    // No JSON Schema dialect leftovers inside components.
    expect(JSON.stringify(doc.components.schemas)).not.toContain("$defs");
  });

  it("describes every POST with the Idempotency-Key header and problem+json errors, and secures all but the public ones", async () => {
    const doc = await fetchDocument();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const isPublic = ["/api/v1", "/api/v1/openapi.json", "/api/v1/verify"].includes(path);
        expect(op.security.length, `${method} ${path}`).toBe(isPublic ? 0 : 1);
        if (method === "post" && !isPublic) expect(op.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
        if (!isPublic) {
          const unauthorised = op.responses["401"] as { content: Record<string, unknown> };
          expect(Object.keys(unauthorised.content)).toEqual(["application/problem+json"]);
        }
      }
    }
  });

  it("describes the shared input schemas sensibly: required fields, enums, limits and defaults", async () => {
    const schemas = (await fetchDocument()).components.schemas as Record<string, any>;
    const create = schemas.EnvelopeCreate;
    expect(create.required.sort()).toEqual(["documentId", "recipients", "title"]);
    expect(create.properties.recipients).toMatchObject({ type: "array", maxItems: 50 });
    const recipient = create.properties.recipients.items;
    expect(recipient.required.sort()).toEqual(["email", "name"]);
    expect(recipient.properties.email).toMatchObject({ type: "string", format: "email" });
    expect(recipient.properties.role).toMatchObject({ enum: ["signer", "cc"], default: "signer" });
    expect(recipient.properties.method.enum).toContain("sms_otp");
    expect(create.properties.signingOrder).toMatchObject({ enum: ["parallel", "sequential"], default: "parallel" });
    expect(create.properties.reminderEveryDays).toMatchObject({ minimum: 0, maximum: 30 });
    expect(schemas.SendInput.properties.expiresOn).toMatchObject({ type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
    expect(schemas.SendInput.required ?? []).toEqual([]);
    expect(schemas.CancelInput.required).toEqual(["reason"]);
    expect(schemas.Problem.required).toEqual(expect.arrayContaining(["type", "title", "status", "detail", "code"]));
  });

  it("lists exactly the routes the API router serves", async () => {
    const doc = await fetchDocument();
    const served = apiRoutes.routes
      .filter((r) => r.method === "GET" || r.method === "POST")
      .map((r) => `${r.method.toLowerCase()} ${`/api/v1${r.path}`.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(new Set(served)).toEqual(new Set(documented));
  });
});

describe("the request schemas in the document match what the endpoints accept", () => {
  it("accepts a minimal and a full body valid per EnvelopeCreate, and refuses what the schema refuses", async () => {
    const { api } = await senderWithKey();
    const { EnvelopeCreate, SendInput, CancelInput } = requestSchemas();
    const minimal = { title: "Minimal", documentId: (await uploadPdf(api)).id, recipients: [newSigner("Min Imal")] };
    const full = {
      title: "Full",
      message: "Please sign",
      signingOrder: "sequential",
      timeZone: "America/New_York",
      reminderEveryDays: 7,
      documentId: (await uploadPdf(api)).id,
      recipients: [
        { name: "Sam Sms", email: "sam@example.com", phone: "+47 912 34 567", role: "signer", method: "sms_otp", locale: "nb" },
        { name: "Cc Person", email: "cc@example.com", role: "cc" },
      ],
    };
    for (const body of [minimal, full]) {
      expect(EnvelopeCreate.safeParse(body).success).toBe(true);
      const res = await api.json("POST", "/api/v1/envelopes", body);
      expect(res.status, await res.clone().text()).toBe(201);
      const id = ((await res.json()) as { id: string }).id;
      const send = { expiresOn: new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10), timeZone: "Europe/Oslo" };
      expect(SendInput.safeParse(send).success).toBe(true);
      expect((await api.json("POST", `/api/v1/envelopes/${id}/send`, send)).status).toBe(200);
      const cancel = { reason: "Test over" };
      expect(CancelInput.safeParse(cancel).success).toBe(true);
      expect((await api.json("POST", `/api/v1/envelopes/${id}/cancel`, cancel)).status).toBe(200);
    }
    const wrong = { ...minimal, recipients: [{ name: "No Email" }] };
    expect(EnvelopeCreate.safeParse(wrong).success).toBe(false);
    await expectProblem(await api.json("POST", "/api/v1/envelopes", wrong), 422, "validation_failed");
  });

  it("has a JSON Schema for each request body equal to the zod schema's input", async () => {
    const schemas = (await fetchDocument()).components.schemas as Record<string, Record<string, unknown>>;
    for (const [name, schema] of Object.entries(requestSchemas())) {
      const generated = z.toJSONSchema(schema as z.ZodType, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
      expect(Object.keys((schemas[name]!.properties as object) ?? {}).sort(), name).toEqual(Object.keys((generated.properties as object) ?? {}).sort());
    }
  });
});

describe("the API reference page", () => {
  it("renders every endpoint from the document, in English and Norwegian, without scripts", async () => {
    const client = new Client(freshIp());
    const { res, html } = await client.page("/docs/api");
    expect(res.status).toBe(200);
    expect(titleOf(html)).toBe("API reference — Pactly");
    for (const op of operations) {
      expect(html).toContain(`id="${op.operationId}"`);
      expect(html).toContain(`${op.method.toUpperCase()} ${op.path}`);
    }
    expect(html).toContain('href="/api/v1/openapi.json"');
    expect(html).toContain("<code>recipients[].email</code>");
    expect(html).not.toContain("<script");
    const nb = await client.page("/docs/api?lang=nb");
    expect(nb.html).toContain("API-referanse");
    expect(nb.html).toContain("Lag et utkast til konvolutt");
  });

  it("is linked from every page's footer", async () => {
    const { html } = await new Client(freshIp()).page("/login");
    expect(html).toContain('<a href="/docs/api">API reference</a>');
  });
});
