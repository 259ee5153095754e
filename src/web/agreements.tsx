/**
 * Writing an agreement from a template: the library, the form with its live
 * preview, and "Create envelope", which leads to the same draft envelope page an
 * upload does. Mounted at /agreements; sender pages only.
 *
 *   GET  /agreements                 the library
 *   GET  /agreements/:template       the form, with an empty preview
 *   POST /agreements/:template/preview  htmx: the preview fragment; otherwise the whole page again
 *   POST /agreements/:template       create the envelope, or the page again with errors (422)
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { draftAgreement, templateList, templates } from "../agreements/draft";
import type { Mode, Values } from "../agreements/fields";
import { isTemplateId, type AgreementTemplate } from "../agreements/template";
import { randomToken } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import type { Locale } from "../i18n";
import { createEnvelopeFromAgreement } from "../services/agreements";
import { database } from "../storage/db";
import { withIdempotency } from "../services/idempotency";
import { renderAgreementHtml } from "../../templates/agreements/agreement";
import { type FieldMessage, issueMessage } from "../../templates/agreements/form";
import { AgreementFormPage, AgreementLibraryPage, AgreementPreview } from "../../templates/pages/agreements";
import type { AppEnv } from "./context";
import { stringFields, view } from "./helpers";
import { requireUser } from "./middleware/session";

export const agreementRoutes = new Hono<AppEnv>();
// A preview request whose session has ended gets a bare 401, which htmx does not swap:
// the login page never lands inside the preview, and the answers stay on the page.
agreementRoutes.use("*", async (c, next) => {
  if (!c.get("user") && c.req.header("HX-Request") === "true") return c.body(null, 401);
  await next();
});
agreementRoutes.use("*", requireUser());

/** The envelope's own questions, asked below the agreement's. */
const envelopeSchema = z.object({
  envelopeTitle: z.string().trim().max(200, "new.error.titleLong").default(""),
  message: z.string().trim().max(2000, "new.error.message").default(""),
  order: z.enum(["parallel", "sequential"]).catch("parallel"),
});

function templateOf(c: Context<AppEnv>): AgreementTemplate {
  const id = c.req.param("template");
  if (!isTemplateId(id)) throw new DomainError("not_found", "No such template");
  return templates[id];
}

/** The date in Norway, for "a date of birth is in the past". */
function today(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo" }).format(new Date());
}

function agreementLocale(values: Values, fallback: Locale): Locale {
  return values.agreementLocale === "en" || values.agreementLocale === "nb" ? values.agreementLocale : fallback;
}

/** The agreement as far as the answers go, and what is wrong with them, in the sender's words. */
function read(c: Context<AppEnv>, template: AgreementTemplate, values: Values, mode: Mode) {
  const v = view(c);
  const day = today();
  const draft = draftAgreement(template, agreementLocale(values, v.locale), values, { mode, today: day });
  const errors: FieldMessage[] = draft.ok ? [] : draft.issues.map((issue) => issueMessage(v.t, v.locale, template, issue, day));
  return { draft, errors };
}

function initialValues(template: AgreementTemplate): Values {
  const values: Values = {};
  for (const group of template.groups) for (const f of group.fields) if (f.initial !== undefined) values[f.name] = f.initial;
  return values;
}

agreementRoutes.get("/", (c) => c.html(<AgreementLibraryPage view={view(c)} templates={templateList} />));

agreementRoutes.get("/:template", (c) => {
  const template = templateOf(c);
  const values = initialValues(template);
  const { draft } = read(c, template, values, "preview");
  return c.html(<AgreementFormPage view={view(c)} template={template} values={values} document={draft.document} idempotencyKey={randomToken()} />);
});

agreementRoutes.post("/:template/preview", async (c) => {
  const template = templateOf(c);
  const values = stringFields(await c.req.parseBody());
  const { draft, errors } = read(c, template, values, "preview");
  // htmx asks for the preview alone; it answers every keystroke pause, so keep it small.
  if (c.req.header("HX-Request") === "true") return c.html(<AgreementPreview view={view(c)} template={template} document={draft.document} />);
  const idempotencyKey = typeof values.idempotency_key === "string" && values.idempotency_key.length >= 16 ? values.idempotency_key : randomToken();
  return c.html(<AgreementFormPage view={view(c)} template={template} values={values} errors={errors} document={draft.document} idempotencyKey={idempotencyKey} />);
});

agreementRoutes.post("/:template", async (c) => {
  const template = templateOf(c);
  const user = c.get("user")!;
  const db = database(c.env.DB);
  const values = stringFields(await c.req.parseBody());
  const { draft, errors } = read(c, template, values, "create");
  const envelope = envelopeSchema.safeParse(values);
  if (!envelope.success) {
    for (const issue of envelope.error.issues) {
      const field = String(issue.path[0]);
      errors.push({ field, key: issue.message === "new.error.message" ? "new.error.message" : "new.error.titleLong" });
    }
  }
  if (!draft.ok || !envelope.success || errors.length > 0) {
    return c.html(<AgreementFormPage view={view(c)} template={template} values={values} errors={errors} document={draft.document} idempotencyKey={randomToken()} />, 422);
  }

  const key = typeof values.idempotency_key === "string" && values.idempotency_key.length >= 16 ? values.idempotency_key : randomToken();
  // Pressing "Create envelope" twice on a slow line makes one envelope, not two.
  const { result } = await withIdempotency(db, { orgId: user.orgId, scope: "agreement", key }, () =>
    createEnvelopeFromAgreement(c.env, c.get("deps"), user, {
      template,
      document: draft.document,
      values: draft.values,
      renderHtml: renderAgreementHtml,
      title: envelope.data.envelopeTitle,
      message: envelope.data.message,
      order: envelope.data.order,
    }),
  );
  return c.redirect(result ? `/envelopes/${result}` : "/envelopes", 303);
});
