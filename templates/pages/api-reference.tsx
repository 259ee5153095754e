/**
 * The API reference, rendered on the server from the OpenAPI document itself, so the
 * page and the machine-readable description cannot disagree. Plain HTML: headings per
 * endpoint, tables with headers and captions, no JavaScript.
 */
import type { MessageKey, Translate } from "../../src/i18n";
import { Layout } from "../layout";
import type { View } from "../view";

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
};
type Parameter = { $ref?: string; name: string; in: string; required?: boolean; description?: string; schema: Schema };
type ResponseObject = { description: string; content?: Record<string, { schema?: Schema }> };
type OperationObject = {
  operationId: string;
  summary: string;
  description: string;
  "x-required-scope": string | null;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, ResponseObject>;
};
export type OpenApiDocument = {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> };
};

type Row = { name: string; type: string; required: boolean; details: string[] };

const refName = (ref: string) => ref.split("/").pop()!;

function typeOf(schema: Schema, doc: OpenApiDocument): string {
  if (schema.$ref) return refName(schema.$ref);
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(s, doc)).join(" | ");
  if (schema.type === "array") return `array of ${schema.items ? typeOf(schema.items, doc) : "any"}`;
  return Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
}

function detailsOf(t: Translate, schema: Schema): string[] {
  const out: string[] = [];
  if (schema.description) out.push(schema.description);
  if (schema.enum) out.push(t("apiDocs.oneOf", { values: schema.enum.map((v) => JSON.stringify(v)).join(", ") }));
  if (schema.minLength !== undefined || schema.maxLength !== undefined) out.push(t("apiDocs.length", { min: schema.minLength ?? 0, max: schema.maxLength ?? "∞" }));
  if (schema.minimum !== undefined || schema.maximum !== undefined) out.push(t("apiDocs.range", { min: schema.minimum ?? "−∞", max: schema.maximum ?? "∞" }));
  if (schema.maxItems !== undefined) out.push(t("apiDocs.maxItems", { max: schema.maxItems }));
  if (schema.format) out.push(schema.format);
  if (schema.pattern) out.push(schema.pattern);
  if (schema.default !== undefined) out.push(t("apiDocs.default", { value: JSON.stringify(schema.default) }));
  return out;
}

/** Every field of an object schema, nested objects and arrays of objects flattened as a.b and list[].c. */
function fieldRows(t: Translate, doc: OpenApiDocument, schema: Schema, prefix = "", depth = 0): Row[] {
  const resolved = schema.$ref && depth > 0 ? doc.components.schemas[refName(schema.$ref)] ?? schema : schema;
  const rows: Row[] = [];
  for (const [name, field] of Object.entries(resolved.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push({ name: path, type: typeOf(field, doc), required: resolved.required?.includes(name) ?? false, details: detailsOf(t, field) });
    const inner = field.type === "array" ? field.items : field;
    const innerResolved = inner?.$ref ? undefined : inner;
    if (depth < 3 && innerResolved?.properties) rows.push(...fieldRows(t, doc, innerResolved, field.type === "array" ? `${path}[].` : `${path}.`, depth + 1));
  }
  return rows;
}

function FieldTable({ t, caption, rows }: { t: Translate; caption: string; rows: Row[] }) {
  return (
    <div class="table-wrap" role="region" aria-label={caption} tabindex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("apiDocs.col.field")}</th>
            <th scope="col">{t("apiDocs.col.type")}</th>
            <th scope="col">{t("apiDocs.col.required")}</th>
            <th scope="col">{t("apiDocs.col.details")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <th scope="row"><code>{r.name}</code></th>
              <td><code>{r.type}</code></td>
              <td>{r.required ? t("apiDocs.yes") : t("apiDocs.no")}</td>
              <td lang="en">{r.details.join("; ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const EXAMPLE = `curl https://sign.example.com/api/v1/documents \\
  -H "Authorization: Bearer $PACTLY_KEY" \\
  -H "Content-Type: application/pdf" \\
  -H "Idempotency-Key: $(uuidgen)" \\
  --data-binary @contract.pdf

curl https://sign.example.com/api/v1/envelopes \\
  -H "Authorization: Bearer $PACTLY_KEY" \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: $(uuidgen)" \\
  -d '{"title": "Used-car sale", "documentId": "doc_…",
       "recipients": [{"name": "Kari Nordmann", "email": "kari@example.com"}]}'

curl -X POST https://sign.example.com/api/v1/envelopes/env_…/send \\
  -H "Authorization: Bearer $PACTLY_KEY" -H "Idempotency-Key: $(uuidgen)"`;

export function ApiReferencePage({ view, doc }: { view: View; doc: OpenApiDocument }) {
  const { t, locale } = view;
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const objectNames = ["Document", "Envelope", "Recipient", "EnvelopeSummary", "Problem"].filter((n) => doc.components.schemas[n]);
  const english = locale === "en" ? undefined : "en";
  return (
    <Layout view={view} title={t("apiDocs.title")}>
      <h1>{t("apiDocs.title")}</h1>
      <p>
        {t("apiDocs.intro")} <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>
      </p>
      {english ? <p>{t("apiDocs.englishOnly")}</p> : null}
      <h2>{t("apiDocs.auth.heading")}</h2>
      <p>{t("apiDocs.auth.body")} <a href="/settings/api-keys">{t("nav.apiKeys")}</a></p>
      <h2>{t("apiDocs.idempotency.heading")}</h2>
      <p>{t("apiDocs.idempotency.body")}</p>
      <h2>{t("apiDocs.errors.heading")}</h2>
      <p>{t("apiDocs.errors.body")}</p>
      <h2>{t("apiDocs.limits.heading")}</h2>
      <p>{t("apiDocs.limits.body")}</p>
      <h2>{t("apiDocs.example.heading")}</h2>
      <pre class="api-example" tabindex={0} lang="en"><code>{EXAMPLE}</code></pre>

      <h2 id="endpoints">{t("apiDocs.operations")}</h2>
      <ul>
        {operations.map(({ path, method, op }) => (
          <li><a href={`#${op.operationId}`}><code>{method.toUpperCase()} {path}</code></a> — {t(`apiDocs.op.${op.operationId}` as MessageKey)}</li>
        ))}
      </ul>

      {operations.map(({ path, method, op }) => {
        const parameters = (op.parameters ?? []).map((p) => (p.$ref ? doc.components.parameters[refName(p.$ref)]! : p));
        const json = op.requestBody?.content["application/json"]?.schema;
        const bodyName = json?.$ref ? refName(json.$ref) : null;
        const bodyRows = json ? fieldRows(t, doc, json.$ref ? doc.components.schemas[refName(json.$ref)]! : json) : [];
        return (
          <section class="api-operation" aria-labelledby={op.operationId}>
            <h3 id={op.operationId}>
              <code>{method.toUpperCase()} {path}</code>
              <span class="api-operation__summary"> — {t(`apiDocs.op.${op.operationId}` as MessageKey)}</span>
            </h3>
            <p>{op["x-required-scope"] ? t("apiDocs.scope", { scope: op["x-required-scope"] }) : t("apiDocs.public")}</p>
            <p lang={english}>{op.description}</p>
            {parameters.length > 0 ? (
              <div class="table-wrap" role="region" aria-label={`${t("apiDocs.parameters")}: ${method.toUpperCase()} ${path}`} tabindex={0}>
                <table>
                  <caption>{t("apiDocs.parameters")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("apiDocs.col.name")}</th>
                      <th scope="col">{t("apiDocs.col.in")}</th>
                      <th scope="col">{t("apiDocs.col.type")}</th>
                      <th scope="col">{t("apiDocs.col.required")}</th>
                      <th scope="col">{t("apiDocs.col.details")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {parameters.map((p) => (
                      <tr>
                        <th scope="row"><code>{p.name}</code></th>
                        <td>{p.in}</td>
                        <td><code>{typeOf(p.schema, doc)}</code></td>
                        <td>{p.required ? t("apiDocs.yes") : t("apiDocs.no")}</td>
                        <td lang="en">{[p.description, ...detailsOf(t, p.schema)].filter(Boolean).join("; ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {op.requestBody && !json ? <p><strong>{t("apiDocs.body")}:</strong> {t("apiDocs.bodyPdf")}</p> : null}
            {json ? (
              <>
                {!op.requestBody?.required ? <p>{t("apiDocs.bodyOptional")}</p> : null}
                <FieldTable t={t} caption={`${t("apiDocs.body")} (application/json${bodyName ? `, ${bodyName}` : ""})`} rows={bodyRows} />
              </>
            ) : null}
            <div class="table-wrap" role="region" aria-label={`${t("apiDocs.responses")}: ${method.toUpperCase()} ${path}`} tabindex={0}>
              <table>
                <caption>{t("apiDocs.responses")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("apiDocs.col.status")}</th>
                    <th scope="col">{t("apiDocs.col.type")}</th>
                    <th scope="col">{t("apiDocs.col.meaning")}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(op.responses).map(([status, r]) => {
                    const [media, content] = Object.entries(r.content ?? {})[0] ?? ["", {}];
                    const schema = content.schema?.$ref ? refName(content.schema.$ref) : null;
                    return (
                      <tr>
                        <th scope="row">{status}</th>
                        <td>{schema && objectNames.includes(schema) ? <a href={`#schema-${schema}`}><code>{schema}</code></a> : <code>{schema ?? media}</code>}</td>
                        <td lang="en">{r.description}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}

      <h2>{t("apiDocs.schemas")}</h2>
      {objectNames.map((name) => (
        <section aria-labelledby={`schema-${name}`}>
          <h3 id={`schema-${name}`}><code>{name}</code></h3>
          <FieldTable t={t} caption={name} rows={fieldRows(t, doc, doc.components.schemas[name]!)} />
        </section>
      ))}
    </Layout>
  );
}
