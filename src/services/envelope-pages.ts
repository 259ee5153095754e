/**
 * The API's envelope list: pages of the D1 projection, newest first, scoped to one
 * sender, with an opaque cursor (keyset pagination, so pages stay stable while new
 * envelopes arrive and a page costs the same however deep it is).
 */
import { envelopeScope } from "./envelope-list";
import { base64url, base64urlToBytes } from "../domain/encoding";
import type { EnvelopeStatus } from "../domain/envelope";
import { DomainError } from "../domain/errors";
import type { Db } from "../storage/db";
import { envelopesAfterCursor, recipientStatusesOf } from "../storage/envelope-list";
import type { SessionUser } from "./accounts";

export type EnvelopePageItem = {
  id: string;
  title: string;
  status: EnvelopeStatus;
  createdAt: string;
  sentAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  signers: number;
  signed: number;
};

type Cursor = { createdAt: string; id: string };

function encodeCursor(cursor: Cursor): string {
  return base64url(new TextEncoder().encode(JSON.stringify([cursor.createdAt, cursor.id])));
}

/** A cursor we did not make is a client error, never a 500. */
function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(new TextDecoder().decode(base64urlToBytes(text))) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") return { createdAt: value[0], id: value[1] };
  } catch {
    // fall through
  }
  throw new DomainError("bad_request", "The cursor is not one this API gave out");
}

export async function listEnvelopePage(
  db: Db,
  user: SessionUser,
  query: { limit: number; cursor?: string | undefined; status?: EnvelopeStatus | undefined },
): Promise<{ items: EnvelopePageItem[]; nextCursor: string | null }> {
  const rows = await envelopesAfterCursor(db, {
    scope: envelopeScope(user),
    status: query.status,
    after: query.cursor ? decodeCursor(query.cursor) : undefined,
    limit: query.limit,
  });
  const page = rows.slice(0, query.limit);
  const people = await recipientStatusesOf(db, user.orgId, page.map((r) => r.id));
  const items = page.map((r) => {
    const mine = people.filter((p) => p.envelopeId === r.id && p.role === "signer");
    return {
      id: r.id,
      title: r.title,
      status: r.status as EnvelopeStatus,
      createdAt: r.createdAt,
      sentAt: r.sentAt,
      expiresAt: r.expiresAt,
      endedAt: r.endedAt,
      signers: mine.length,
      signed: mine.filter((p) => p.status === "signed").length,
    };
  });
  const last = page.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
