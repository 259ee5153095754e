/**
 * "Download all my data": one ZIP archive of everything Pactly keeps about a user: their
 * account, their audit log entries, and every envelope they own (in any organisation,
 * deleted ones included) with its events and, while they still exist, its PDFs.
 *
 * Memory stays bounded for a Worker's 128 MB: the archive is streamed (src/domain/zip.ts
 * asks for the next file only when the reader has taken the previous one), envelopes are
 * read from D1 in pages, and each PDF is decrypted only when its turn comes, so at most
 * one document is in memory. The audit log is the one file built whole; it is small
 * (hundreds of bytes per entry).
 *
 * Authorisation is the caller's: this builds the archive of `userId`, who must be the
 * signed-in user.
 */
import { DomainError } from "../domain/errors";
import type { ZipEntry } from "../domain/zip";
import { zipStream } from "../domain/zip";
import type { Env } from "../env";
import { translator } from "../i18n";
import {
  auditOrgsOf,
  auditPage,
  countOwnedEnvelopes,
  envelopeEvents,
  envelopeOrgsOf,
  envelopePurge,
  envelopeRecipients,
  exportApiKeys,
  exportMemberships,
  exportProfile,
  exportSessions,
  exportTwoFactor,
  ownedEnvelopePage,
  type ExportEnvelopeRow,
} from "../storage/data-export";
import type { Db } from "../storage/db";
import { type DocumentRow, findDocument } from "../storage/documents";
import { readDocument } from "./documents";

const ENVELOPE_PAGE = 50;
const AUDIT_PAGE = 500;

type Profile = NonNullable<Awaited<ReturnType<typeof exportProfile>>>;

export async function accountArchive(env: Env, db: Db, userId: string): Promise<{ filename: string; stream: ReadableStream<Uint8Array>; envelopeCount: number }> {
  const profile = await exportProfile(db, userId);
  if (!profile) throw new DomainError("not_found", "No such account");
  const now = new Date();
  const envelopeCount = await countOwnedEnvelopes(db, userId);
  return { filename: `pactly-data-${now.toISOString().slice(0, 10)}.zip`, stream: zipStream(archiveEntries(env, db, profile, now)), envelopeCount };
}

async function* archiveEntries(env: Env, db: Db, profile: Profile, now: Date): AsyncGenerator<ZipEntry> {
  yield textEntry("README.txt", readme(profile, now), now);
  yield jsonEntry("account.json", await accountJson(db, profile, now), now);
  yield jsonEntry("audit-log.json", await auditJson(db, profile.id, now), now);
  for (const orgId of await envelopeOrgsOf(db, profile.id)) {
    let after: { createdAt: string; id: string } | null = null;
    for (;;) {
      const page: ExportEnvelopeRow[] = await ownedEnvelopePage(db, { userId: profile.id, orgId, after, limit: ENVELOPE_PAGE });
      for (const row of page) yield* envelopeEntries(env, db, row, now);
      const last = page.at(-1);
      if (!last || page.length < ENVELOPE_PAGE) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }
}

// ---------------------------------------------------------------------------
// account and audit log

function readme(profile: Profile, now: Date): string {
  const t = translator(profile.locale);
  const lines = [
    t("dataExport.readme.title"),
    "",
    t("dataExport.readme.intro", { email: profile.email, date: now.toISOString().replace(/\.\d+Z$/, "Z") }),
    "",
    t("dataExport.readme.files"),
    "",
    `- ${t("dataExport.readme.account")}`,
    `  ${t("dataExport.readme.secrets")}`,
    `- ${t("dataExport.readme.audit")}`,
    `- ${t("dataExport.readme.envelopes")}`,
    `  - ${t("dataExport.readme.envelope")}`,
    `  - ${t("dataExport.readme.events")}`,
    `  - ${t("dataExport.readme.original")}`,
    `  - ${t("dataExport.readme.signed")}`,
    `  ${t("dataExport.readme.deleted")}`,
    "",
    t("dataExport.readme.format"),
    t("dataExport.readme.verify", { verifyTitle: t("verify.title") }),
  ];
  // CRLF: Notepad on older Windows shows LF-only text as one line.
  return `${lines.join("\r\n")}\r\n`;
}

async function accountJson(db: Db, profile: Profile, now: Date) {
  return {
    exportedAt: now.toISOString(),
    profile,
    twoFactor: await exportTwoFactor(db, profile.id),
    sessions: await exportSessions(db, profile.id),
    memberships: await exportMemberships(db, profile.id),
    apiKeys: (await exportApiKeys(db, profile.id)).map((k) => ({ ...k, scopes: k.scopes.split(" ").filter(Boolean) })),
  };
}

async function auditJson(db: Db, userId: string, now: Date) {
  const entries = [];
  for (const orgId of await auditOrgsOf(db, userId)) {
    let afterSeq = 0;
    for (;;) {
      const page = await auditPage(db, { userId, orgId, afterSeq, limit: AUDIT_PAGE });
      entries.push(...page);
      const last = page.at(-1);
      if (!last || page.length < AUDIT_PAGE) break;
      afterSeq = last.seq;
    }
  }
  return { exportedAt: now.toISOString(), entries };
}

// ---------------------------------------------------------------------------
// envelopes

/** Why a document is not in the archive. */
type Missing = "deleted" | "unreadable";

async function* envelopeEntries(env: Env, db: Db, row: ExportEnvelopeRow, now: Date): AsyncGenerator<ZipEntry> {
  const folder = `envelopes/${envelopeFolderName(row)}`;
  const documents = [];
  // The PDFs go first so envelope.json can say what actually made it into the archive.
  for (const [file, documentId] of [["original.pdf", row.documentId], ["signed.pdf", row.signedDocumentId]] as const) {
    if (!documentId) continue;
    const doc = await findDocument(db, row.orgId, documentId);
    let read: { bytes: Uint8Array } | { missing: Missing } | null = doc ? await readKept(env, doc) : { missing: "deleted" };
    documents.push({
      file,
      id: documentId,
      filename: doc?.filename || null,
      sha256: doc?.sha256 ?? null,
      pages: doc?.pages ?? null,
      size: doc?.size ?? null,
      createdAt: doc?.createdAt ?? null,
      included: "bytes" in read,
      ...("missing" in read ? { missing: read.missing } : {}),
    });
    if ("bytes" in read) {
      let data: Uint8Array | null = read.bytes;
      // Let go of this document before the next one is read (a suspended generator keeps
      // its locals alive): only the stream holds it once it is yielded.
      read = null;
      yield { name: `${folder}/${file}`, modified: new Date(doc!.createdAt), data };
      data = null;
    }
  }
  const eventRows = await envelopeEvents(db, row.orgId, row.id);
  yield jsonEntry(
    `${folder}/events.json`,
    eventRows.map((e) => ({ seq: e.seq, type: e.type, at: e.at, recipientId: e.recipientId, body: parseBody(e.body), hash: e.hash })),
    now,
  );
  yield jsonEntry(
    `${folder}/envelope.json`,
    {
      id: row.id,
      organisationId: row.orgId,
      // A deleted envelope's title was replaced by its id: say there is none rather than repeat the id.
      title: row.title === row.id ? null : row.title,
      status: row.status,
      signingOrder: row.signingOrder,
      timeZone: row.timeZone,
      reminderEveryDays: row.reminderEveryDays,
      createdAt: row.createdAt,
      sentAt: row.sentAt,
      expiresAt: row.expiresAt,
      endedAt: row.endedAt,
      eventHead: row.eventHead,
      version: row.version,
      documents,
      recipients: await envelopeRecipients(db, row.orgId, row.id),
      purge: await envelopePurge(db, row.orgId, row.id),
    },
    now,
  );
}

/** The plaintext, or why there is none: a deleted document is noted, not an error. */
async function readKept(env: Env, doc: DocumentRow): Promise<{ bytes: Uint8Array } | { missing: Missing }> {
  if (!doc.wrappedKey) return { missing: "deleted" };
  try {
    return { bytes: await readDocument(env, doc) };
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return { missing: "deleted" };
    // A tampered or unreadable blob is never given out in part; the rest of the archive still is.
    if (error instanceof DomainError && error.code === "decryption_failed") {
      console.error(JSON.stringify({ msg: "data export: document could not be decrypted", documentId: doc.id, error: error.message }));
      return { missing: "unreadable" };
    }
    throw error;
  }
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** "2026-03-14-laneavtale-mellom-venner-env_…": the day, an ASCII slug of the title, the id. */
export function envelopeFolderName(row: Pick<ExportEnvelopeRow, "id" | "title" | "createdAt">): string {
  // A deleted envelope's title is its id (anonymised); repeating it says nothing.
  const slug = row.title === row.id ? "" : titleSlug(row.title);
  return [row.createdAt.slice(0, 10), slug, row.id].filter(Boolean).join("-");
}

const LETTERS: Record<string, string> = { æ: "ae", ø: "o", œ: "oe", ß: "ss", đ: "d", ð: "d", ł: "l", þ: "th" };

/** ASCII letters and digits joined by "-", at most 40 characters: a name every file system and unzip tool accepts. */
export function titleSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[æøœßđðłþ]/g, (c) => LETTERS[c]!)
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

const encoder = new TextEncoder();

function textEntry(name: string, text: string, modified: Date): ZipEntry {
  return { name, modified, data: encoder.encode(text) };
}

function jsonEntry(name: string, value: unknown, modified: Date): ZipEntry {
  return textEntry(name, `${JSON.stringify(value, null, 2)}\n`, modified);
}
