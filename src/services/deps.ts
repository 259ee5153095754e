/**
 * What a use case may reach, built once per request (web/middleware/deps.ts) or once per
 * job: the database, the document store, the Envelope Durable Objects, the PDF service,
 * the queues, the audit log, the clock and the configuration. Use cases take this object
 * instead of `env`, so a test can hand one in with real bindings or stand-ins, and a
 * route never needs to know which binding backs what.
 */
import type { AuditAction, AuditDetails, AuditEntry, AuditTarget } from "../domain/audit";
import type { ClientInfo } from "../domain/client-info";
import { retentionPolicy, type RetentionPolicy } from "../domain/retention";
import type { Env } from "../env";
import type { UploadLimits } from "../pdf-service/contract";
import { database, type Db } from "../storage/db";
import { deleteBlobs, type DocumentRow } from "../storage/documents";
import type { SessionUser } from "./accounts";
import { audit, type AuditInput } from "./audit";
import { readDocument, storeNewDocument } from "./documents";
import { envelopeStub } from "./envelope-stub";
import { inspectUpload } from "./pdf";

/** Who acts in a use case: a signed-in person, or the person behind an API key (session id `api:<key id>`). */
export type Actor = SessionUser;

export type Deps = {
  /** D1 through drizzle: every storage/ function takes it. */
  readonly db: Db;
  /** Encrypted documents: R2 bytes paired with their D1 rows. */
  documents: {
    store(input: Parameters<typeof storeNewDocument>[2]): Promise<DocumentRow>;
    read(row: DocumentRow): Promise<Uint8Array>;
    deleteBlobs(keys: string[]): Promise<void>;
  };
  /** The Envelope Durable Object for an envelope id: the authority for its state. */
  envelopeObject(envelopeId: string): ReturnType<typeof envelopeStub>;
  /** The PDF service Worker. */
  pdf: { inspectUpload(bytes: Uint8Array, limits: UploadLimits): ReturnType<typeof inspectUpload> };
  queues: { notifications: Queue<unknown>; finalisation: Queue<unknown> };
  audit: {
    /** One entry by the actor, with the IP and browser of this request. */
    record(actor: Actor, action: AuditAction, target: AuditTarget | null, details?: AuditDetails): Promise<AuditEntry | null>;
  };
  /** The IP and browser of the request (empty outside one): evidence in the envelope and the audit log. */
  client: ClientInfo;
  now(): Date;
  config: { appUrl: string | undefined; environment: string; readonly retention: RetentionPolicy };
};

const NO_CLIENT: ClientInfo = { ip: null, userAgent: null };

/** Cheap to call: the database handle and the retention policy are made on first use. */
export function depsFor(env: Env, request: { client?: ClientInfo } = {}): Deps {
  let db: Db | undefined;
  const client = request.client ?? NO_CLIENT;
  const deps: Deps = {
    get db() {
      return (db ??= database(env.DB));
    },
    documents: {
      store: (input) => storeNewDocument(env, deps.db, input),
      read: (row) => readDocument(env, row),
      deleteBlobs: (keys) => deleteBlobs(env.DOCUMENTS, keys),
    },
    envelopeObject: (envelopeId) => envelopeStub(env, envelopeId),
    pdf: { inspectUpload: (bytes, limits) => inspectUpload(env, bytes, limits) },
    queues: { notifications: env.NOTIFICATIONS, finalisation: env.FINALISATION },
    audit: {
      record: (actor, action, target, details) => audit(deps.db, { user: actor, action, target, client, details } satisfies AuditInput),
    },
    client,
    now: () => new Date(),
    config: {
      appUrl: env.APP_URL,
      environment: env.ENVIRONMENT,
      get retention() {
        return retentionPolicy(env);
      },
    },
  };
  return deps;
}
