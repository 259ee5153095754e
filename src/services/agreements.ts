/**
 * Agreements written in Pactly: a complete agreement becomes a PDF and a draft
 * envelope, exactly as an upload would, with its source kept beside the PDF so
 * signers can read the very same agreement as HTML.
 *
 * The source is encrypted under the PDF's own data key (one key per document, so
 * crypto-shredding the document shreds both) with its own additional data, so the
 * two blobs cannot stand in for each other.
 */
import { type AgreementDocument } from "../agreements/document";
import { agreementSource, agreementSourceSchema, envelopeTitleFor } from "../agreements/draft";
import type { Values } from "../agreements/fields";
import type { AgreementLocale } from "../agreements/formats";
import type { AgreementTemplate } from "../agreements/template";
import type { EnvelopeState, SigningOrder } from "../domain/envelope";
import { newId, sha256Hex } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { decryptDocument, encryptDocument, unwrapDataKey } from "../storage/document-crypto";
import { type DocumentRow, findDocument, getBlob, putBlob } from "../storage/documents";
import type { SessionUser } from "./accounts";
import { storeNewDocument } from "./documents";
import { renderAgreement } from "./pdf";
import type { Deps } from "./deps";
import { createDraftEnvelope } from "./envelopes/create-draft-envelope";
import { keyring } from "./keyring";

/** The source's object: write-once, next to the PDF (`documents/{org}/{doc}.v1`). */
export function sourceObjectKey(orgId: string, documentId: string): string {
  return `documents/${orgId}/${documentId}.source.v1`;
}

// Bound as additional data: "doc:{id}:source", never equal to the PDF's "doc:{id}".
const sourceAad = (documentId: string) => `${documentId}:source`;

export type NewAgreementEnvelope = {
  template: AgreementTemplate;
  /** A complete agreement (no blanks), as built from `values`. */
  document: AgreementDocument;
  values: Values;
  /** The HTML fragment signers will read (the pages' renderer, passed in). */
  renderHtml: (document: AgreementDocument) => string;
  /** Blank: "{agreement title} – {party} and {party}". */
  title: string;
  message: string;
  order: SigningOrder;
};

/** Renders, stores (PDF and source, encrypted) and creates the draft envelope; returns its id. */
export async function createEnvelopeFromAgreement(env: Env, deps: Deps, user: SessionUser, input: NewAgreementEnvelope): Promise<string> {
  const { db } = deps;
  const createdAt = new Date().toISOString();
  const html = input.renderHtml(input.document);
  const htmlSha256 = await sha256Hex(html);
  const pdf = await renderAgreement(env, input.document, { createdAt });

  const documentId = newId("doc");
  const row = await storeNewDocument(env, db, {
    id: documentId,
    orgId: user.orgId,
    ownerId: user.id,
    kind: "original",
    filename: `${filenameOf(input.document.title)}.pdf`,
    bytes: pdf.bytes,
    pages: pdf.pages,
  });

  const sourceKey = sourceObjectKey(user.orgId, documentId);
  const source = agreementSource({ template: input.template, document: input.document, values: input.values, html, htmlSha256, createdAt });
  const key = await dataKeyOf(env, row);
  const sealed = await encryptDocument(key, sourceAad(documentId), new TextEncoder().encode(JSON.stringify(source)));
  await putBlob(env.DOCUMENTS, sourceKey, sealed, { kekId: row.kekId });

  return createDraftEnvelope(deps, user, {
    envelopeId: newId("env"),
    title: input.title.trim() || envelopeTitleFor(input.template, input.document, input.values),
    message: input.message,
    signingOrder: input.order,
    document: {
      id: row.id,
      sha256: row.sha256,
      pages: row.pages,
      size: row.size,
      filename: row.filename,
      agreement: { templateId: input.template.id, locale: input.document.locale, sourceKey, htmlSha256 },
    },
  });
}

export type AgreementHtml = { html: string; locale: AgreementLocale; htmlSha256: string };

/**
 * The HTML of an envelope's agreement, or null for an uploaded PDF. It is shown
 * only if its SHA-256 is the one recorded on the envelope: what signers read is
 * what the evidence names.
 */
export async function agreementHtmlOf(env: Env, db: Db, state: EnvelopeState): Promise<AgreementHtml | null> {
  const ref = state.document.agreement;
  if (!ref) return null;
  if (ref.sourceKey !== sourceObjectKey(state.orgId, state.document.id)) throw new DomainError("not_found", "No such agreement");
  const row = await findDocument(db, state.orgId, state.document.id);
  if (!row?.wrappedKey) throw new DomainError("not_found", "This document has been deleted");
  const blob = await getBlob(env.DOCUMENTS, ref.sourceKey);
  if (!blob) throw new DomainError("not_found", "This agreement is no longer stored");
  const plaintext = await decryptDocument(await dataKeyOf(env, row), sourceAad(row.id), blob);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    throw new DomainError("decryption_failed", "The stored agreement is not readable");
  }
  const source = agreementSourceSchema.safeParse(parsed);
  if (!source.success) throw new DomainError("decryption_failed", "The stored agreement is not in a known format");
  const htmlSha256 = await sha256Hex(source.data.html);
  if (htmlSha256 !== ref.htmlSha256 || source.data.htmlSha256 !== ref.htmlSha256) {
    throw new DomainError("decryption_failed", "The stored agreement does not match the hash recorded on the envelope");
  }
  return { html: source.data.html, locale: source.data.locale, htmlSha256 };
}

async function dataKeyOf(env: Env, row: DocumentRow): Promise<CryptoKey> {
  if (!row.wrappedKey) throw new DomainError("not_found", "This document has been deleted");
  return unwrapDataKey(await keyring(env), row.id, { kekId: row.kekId, wrapped: row.wrappedKey });
}

/** "Låneavtale mellom privatpersoner": letters, digits and a few safe marks only. */
function filenameOf(title: string): string {
  const cleaned = title.replace(/[^\p{L}\p{N} ._()-]/gu, "").replace(/\s+/g, " ").trim().slice(0, 100);
  return cleaned || "agreement";
}
