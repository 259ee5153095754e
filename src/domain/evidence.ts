/**
 * The evidence bundle: one JSON document that holds everything Pactly knows
 * about how an envelope was signed, embedded in the signed PDF as an attachment
 * and downloadable on its own. Pure: no bindings, no clock, no randomness.
 *
 * ## Evidence bundle, version 1
 *
 * A UTF-8 JSON object. Times are ISO 8601 in UTC ("2026-11-22T14:03:05.123Z");
 * hashes are lowercase hex SHA-256. Readers must ignore fields they do not
 * know: fields may be added within a version; anything that changes the
 * meaning of an existing field increments `version`.
 *
 * | field | meaning |
 * | --- | --- |
 * | `schema` | Always `"https://pactly.dev/schemas/evidence-bundle"`. |
 * | `version` | `1`. |
 * | `generatedAt` | When the bundle was written. |
 * | `envelope.id` | The envelope's id (`env_…`); also the `envelopeId` of every event. |
 * | `envelope.title` | The title the sender gave it. |
 * | `envelope.status` | `draft`, `sent`, `completed`, `declined`, `cancelled`, `expired` or `purged`. An envelope whose completion has been decided (every signer signed) is `completed`: the signed PDF records that moment. |
 * | `envelope.signingOrder` | `parallel` or `sequential`. |
 * | `envelope.timeZone` | IANA time zone used for local times on the certificate ("Europe/Oslo"). |
 * | `envelope.createdAt`, `sentAt`, `expiresAt` | When it was created, sent, and when it expires(d); `null` if not (yet). |
 * | `envelope.completedAt` | When the last signer signed and completion was decided; `null` if it was not completed. |
 * | `document.filename` | The original file's name as uploaded. |
 * | `document.sha256` | SHA-256 of the original PDF, byte for byte. In the signed PDF the original is a byte prefix: its first `document.size` bytes hash to this value. |
 * | `document.size` | The original's size in bytes. |
 * | `document.pages` | The original's page count. |
 * | `document.htmlSha256` | For agreements written in Pactly: SHA-256 of the accessible HTML the signers could read instead of the PDF; otherwise `null`. |
 * | `recipients[]` | Every recipient in signing order, signers and copy (`cc`) recipients. |
 * | `recipients[].id`, `order`, `role` | Recipient id (as in the events), position, `signer` or `cc`. |
 * | `recipients[].name`, `email` | As the sender entered them (email lowercased). |
 * | `recipients[].method` | How the signer proved who they are: `email_link`, `email_otp`, `sms_otp` or `eid`. |
 * | `recipients[].eidScheme`, `assuranceLevel` | For `eid`: the eID scheme (`no_bankid`, `se_bankid`, `dk_mitid`, `fi_ftn`) and the assurance (`acr`) the ID token carried; otherwise `null`. |
 * | `recipients[].identification` | How the signer identified, once they did; otherwise `null`. Codes: `method` (`email_otp`/`sms_otp`), `channel` (the address or number the code went to), `at`. eID: `method` `eid`, `provider` (the broker's issuer), `scheme`, `assurance`, `name` as the eID returned it, `subject` (the broker's pseudonymous id), `nationalIdHash` (HMAC-SHA-256 of the national identity number under a deployment key, or `null`; never the number), `nameMismatch`, `at`. |
 * | `recipients[].status` | `pending`, `notified`, `opened`, `identified`, `signed` or `declined`. |
 * | `recipients[].openedAt`, `signedAt`, `declinedAt` | When they first acted, signed, declined; `null` if not. |
 * | `recipients[].declineReason` | The reason a decliner gave; otherwise `null`. |
 * | `recipients[].typedName` | The name the signer typed to confirm; otherwise `null`. |
 * | `recipients[].ip`, `userAgent` | IP address and browser user agent when they signed or declined; otherwise `null`. |
 * | `events[]` | Every event of the envelope in order, exactly as stored (see below). |
 * | `chain.algorithm` | `"sha256-canonical-json"`: each event's `hash` is SHA-256 of its canonical JSON (every field except `hash`, object keys sorted at every level, no whitespace); `prevHash` is the previous event's `hash`, the first event's is 64 zeros. |
 * | `chain.head` | The last event's `hash` (64 zeros when there are no events). The certificate page prints it. |
 * | `chain.count` | Number of events. |
 *
 * Each event: `envelopeId`, `seq` (1, 2, 3, … without gaps), `type`
 * (`envelope_created`, `recipient_signed`, …), `at`, `actor` (`{kind:"sender",
 * userId}`, `{kind:"signer", recipientId}` or `{kind:"system"}`), `recipientId`,
 * `ip`, `userAgent`, `data` (a flat object of strings, numbers, booleans and
 * nulls; for `recipient_signed` it holds the typed name and the SHA-256 of the
 * document that was signed), `prevHash` and `hash`.
 *
 * Never in the bundle: signing-link tokens or their hashes, one-time codes,
 * session data, the sender's message, or anything from the document itself.
 */
import { z } from "zod";
import type { EnvelopeState, Recipient } from "./envelope";
import { type ChainedEvent, GENESIS_HASH, verifyChain } from "./event-chain";

export const EVIDENCE_SCHEMA = "https://pactly.dev/schemas/evidence-bundle";
export const EVIDENCE_VERSION = 1;
export const CHAIN_ALGORITHM = "sha256-canonical-json";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex SHA-256");
const time = z.iso.datetime({ offset: true });
const nullableTime = time.nullable();

const eventValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * An event as stored. Loose on purpose: any field an event carries is kept, so
 * that it is hashed when the chain is checked (an added field breaks the chain
 * rather than being dropped unseen), and event types added later still parse.
 */
const eventSchema = z.looseObject({
  envelopeId: z.string().min(1),
  seq: z.number().int().positive(),
  type: z.string().regex(/^[a-z][a-z0-9_]*$/),
  at: z.string().min(1),
  actor: z.looseObject({ kind: z.string().min(1) }),
  recipientId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  data: z.record(z.string(), eventValue),
  prevHash: sha256Hex,
  hash: sha256Hex,
});

const identificationSchema = z.discriminatedUnion("method", [
  z.object({ method: z.enum(["email_otp", "sms_otp"]), channel: z.string(), at: time }),
  z.object({
    method: z.literal("eid"),
    provider: z.string(),
    scheme: z.string(),
    assurance: z.string(),
    name: z.string(),
    subject: z.string(),
    nationalIdHash: sha256Hex.nullable(),
    nameMismatch: z.boolean(),
    at: time,
  }),
]);

const recipientSchema = z.object({
  id: z.string().min(1),
  order: z.number().int().positive(),
  role: z.enum(["signer", "cc"]),
  name: z.string(),
  email: z.string(),
  method: z.string().min(1),
  eidScheme: z.string().nullable(),
  assuranceLevel: z.string().nullable(),
  // Bundles made before identification was recorded have no such field: read as null.
  identification: identificationSchema.nullable().default(null),
  status: z.string().min(1),
  openedAt: nullableTime,
  signedAt: nullableTime,
  declinedAt: nullableTime,
  declineReason: z.string().nullable(),
  typedName: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

export const evidenceBundleSchema = z.object({
  schema: z.literal(EVIDENCE_SCHEMA),
  version: z.literal(EVIDENCE_VERSION),
  generatedAt: time,
  envelope: z.object({
    id: z.string().min(1),
    title: z.string(),
    status: z.enum(["draft", "sent", "completed", "declined", "cancelled", "expired", "purged"]),
    signingOrder: z.enum(["parallel", "sequential"]),
    timeZone: z.string().min(1),
    createdAt: time,
    sentAt: nullableTime,
    expiresAt: nullableTime,
    completedAt: nullableTime,
  }),
  document: z.object({
    filename: z.string(),
    sha256: sha256Hex,
    size: z.number().int().positive(),
    pages: z.number().int().positive(),
    htmlSha256: sha256Hex.nullable(),
  }),
  recipients: z.array(recipientSchema),
  events: z.array(eventSchema),
  chain: z.object({
    algorithm: z.literal(CHAIN_ALGORITHM),
    head: sha256Hex,
    count: z.number().int().nonnegative(),
  }),
});

export type EvidenceBundle = z.infer<typeof evidenceBundleSchema>;
export type EvidenceRecipient = EvidenceBundle["recipients"][number];

function recipientEvidence(r: Recipient): EvidenceRecipient {
  const identification = r.identification ?? null;
  const eid = identification?.method === "eid" ? identification : null;
  // Listed field by field: link hashes (and anything added to Recipient later) stay out unless chosen here.
  return {
    id: r.id,
    order: r.order,
    role: r.role,
    name: r.name,
    email: r.email,
    method: r.method,
    eidScheme: eid?.scheme ?? null,
    assuranceLevel: eid?.assurance ?? null,
    identification,
    status: r.status,
    openedAt: r.openedAt,
    signedAt: r.signedAt,
    declinedAt: r.declinedAt,
    declineReason: r.declineReason,
    typedName: r.typedName,
    ip: r.ip,
    userAgent: r.userAgent,
  };
}

/** The moment completion was decided, from the events (stable across finalisation retries). */
function completionTime(state: EnvelopeState, events: ChainedEvent[]): string | null {
  if (state.status === "completed" && state.endedAt) return state.endedAt;
  if (state.finalisation === "none") return null;
  const decided = events.findLast((e) => e.type === "envelope_completion_decided");
  return decided?.at ?? state.endedAt;
}

export function buildEvidenceBundle(
  state: EnvelopeState,
  events: ChainedEvent[],
  extra: { generatedAt: string; documentHtmlSha256?: string },
): EvidenceBundle {
  const status = state.status === "sent" && state.finalisation !== "none" ? "completed" : state.status;
  return {
    schema: EVIDENCE_SCHEMA,
    version: EVIDENCE_VERSION,
    generatedAt: extra.generatedAt,
    envelope: {
      id: state.id,
      title: state.title,
      status,
      signingOrder: state.signingOrder,
      timeZone: state.timeZone,
      createdAt: state.createdAt,
      sentAt: state.sentAt,
      expiresAt: state.expiresAt,
      completedAt: completionTime(state, events),
    },
    document: {
      filename: state.document.filename,
      sha256: state.document.sha256.toLowerCase(),
      size: state.document.size,
      pages: state.document.pages,
      // An agreement written in Pactly is also read as HTML: its hash is evidence too.
      htmlSha256: (extra.documentHtmlSha256 ?? state.document.agreement?.htmlSha256)?.toLowerCase() ?? null,
    },
    recipients: [...state.recipients].sort((a, b) => a.order - b.order).map(recipientEvidence),
    events: events.map((e) => ({ ...e })),
    chain: {
      algorithm: CHAIN_ALGORITHM,
      head: events.at(-1)?.hash ?? GENESIS_HASH,
      count: events.length,
    },
  };
}

/** The bundle as the bytes of a readable JSON file (two-space indent, trailing newline). */
export function serialiseEvidenceBundle(bundle: EvidenceBundle): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(bundle, null, 2)}\n`);
}

/** The attachment's file name: "pactly-evidence-env_….json". */
export function evidenceFilename(envelopeId: string): string {
  return `pactly-evidence-${envelopeId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`;
}

export type EvidenceVerification = { ok: true } | { ok: false; reason: string };

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "it does not match the schema";
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
  return `${where}: ${issue.message}`;
}

/**
 * Checks a parsed bundle: the schema, the hash chain over every event, that
 * `chain.head` and `chain.count` describe those events, and that the parts the
 * chain does not cover (document, recipients) agree with the events that do.
 */
export function verifyEvidenceBundle(bundle: unknown): EvidenceVerification {
  const fail = (reason: string): EvidenceVerification => ({ ok: false, reason });
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) return fail("the evidence is not a JSON object");
  const header = bundle as { schema?: unknown; version?: unknown };
  if (header.schema !== EVIDENCE_SCHEMA) return fail(`not a Pactly evidence bundle (schema ${JSON.stringify(header.schema ?? null)})`);
  if (header.version !== EVIDENCE_VERSION) {
    return fail(`unsupported evidence bundle version ${JSON.stringify(header.version ?? null)} (this verifier reads version ${EVIDENCE_VERSION})`);
  }
  const parsed = evidenceBundleSchema.safeParse(bundle);
  if (!parsed.success) return fail(`the evidence does not match its schema: ${describeIssue(parsed.error)}`);
  const { envelope, document, recipients, events, chain } = parsed.data;

  const foreign = events.find((e) => e.envelopeId !== envelope.id);
  if (foreign) return fail(`event ${foreign.seq} belongs to envelope ${foreign.envelopeId}, not ${envelope.id}`);
  const broken = verifyChain(events as unknown as ChainedEvent[]);
  if (broken !== null) return fail(`the event chain is broken at event ${broken}: an event was changed, removed or inserted`);
  if (chain.count !== events.length) return fail(`chain.count is ${chain.count} but the bundle holds ${events.length} events`);
  const head = events.at(-1)?.hash ?? GENESIS_HASH;
  if (chain.head !== head) return fail(`chain.head ${chain.head} is not the hash of the last event (${head})`);

  // The document hash is bound into the chain by the events that name it.
  for (const e of events) {
    const named = e.data.documentSha256;
    if ((e.type === "envelope_created" || e.type === "recipient_signed") && named !== undefined && named !== document.sha256) {
      return fail(`event ${e.seq} (${e.type}) names document SHA-256 ${String(named)}, not ${document.sha256}`);
    }
  }
  // Every signature and refusal listed must be the one the chain recorded.
  for (const r of recipients) {
    if (r.signedAt !== null) {
      const signed = events.find((e) => e.type === "recipient_signed" && e.recipientId === r.id);
      if (!signed) return fail(`recipient ${r.id} is listed as signed but no recipient_signed event records it`);
      if (signed.at !== r.signedAt || (r.typedName !== null && signed.data.typedName !== r.typedName) || signed.ip !== r.ip) {
        return fail(`recipient ${r.id}'s signature details differ from event ${signed.seq}`);
      }
    }
    if (r.declinedAt !== null) {
      const declined = events.find((e) => e.type === "recipient_declined" && e.recipientId === r.id);
      if (!declined || declined.at !== r.declinedAt) return fail(`recipient ${r.id} is listed as declined but no matching recipient_declined event records it`);
    }
  }
  return { ok: true };
}
