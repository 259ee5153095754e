/**
 * The envelope and signer state machine. Pure: no bindings, no clock, no randomness.
 * Every command takes the current state and returns the next state, the evidence
 * events it caused and the messages it wants sent. The Envelope Durable Object
 * persists the result in one transaction.
 */
import { DomainError } from "./errors";

export const envelopeStatuses = ["draft", "sent", "completed", "declined", "cancelled", "expired", "purged"] as const;
export type EnvelopeStatus = (typeof envelopeStatuses)[number];

export const recipientStatuses = ["pending", "notified", "opened", "identified", "signed", "declined"] as const;
export type RecipientStatus = (typeof recipientStatuses)[number];

export type RecipientRole = "signer" | "cc";
/**
 * How a signer proves who they are. `email_link`: possession of the invitation email
 * (the foundation); the code and eID methods arrive with the signing issue.
 */
export type IdentificationMethod = "email_link" | "email_otp" | "sms_otp" | "eid";
export type SigningOrder = "parallel" | "sequential";
export type { Locale } from "../i18n";
import type { Locale } from "../i18n";

export type Recipient = {
  id: string;
  name: string;
  email: string;
  role: RecipientRole;
  method: IdentificationMethod;
  order: number;
  locale: Locale;
  status: RecipientStatus;
  /**
   * SHA-256 (hex) of each live signing-link token (the invitation's, then the one sent
   * with the completed copy); the tokens themselves are never stored.
   */
  linkHashes: string[];
  openedAt: string | null;
  signedAt: string | null;
  declinedAt: string | null;
  declineReason: string | null;
  typedName: string | null;
  ip: string | null;
  userAgent: string | null;
};

export type SignedDocument = { documentId: string; sha256: string; pages: number; size: number };

/** An agreement written in Pactly: its template, language, stored source and the hash of the HTML signers read. */
export type AgreementRef = { templateId: string; locale: Locale; sourceKey: string; htmlSha256: string };

export type EnvelopeState = {
  id: string;
  orgId: string;
  ownerId: string;
  /** Who sent it, for messages back to the sender (declined, completed). */
  sender: { name: string; email: string; locale: Locale };
  title: string;
  message: string;
  document: {
    id: string;
    sha256: string;
    pages: number;
    size: number;
    filename: string;
    /**
     * Set when the document is an agreement written in Pactly: where its source (the
     * structured agreement and the exact HTML signers read, encrypted under the
     * document's data key) is stored, and the SHA-256 (hex) of that HTML's UTF-8 bytes.
     */
    agreement?: AgreementRef;
  };
  status: EnvelopeStatus;
  signingOrder: SigningOrder;
  timeZone: string;
  createdAt: string;
  sentAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  /** none → pending (completion decided, job enqueued) → done (signed PDF recorded). */
  finalisation: "none" | "pending" | "done";
  signedDocument: SignedDocument | null;
  recipients: Recipient[];
  /** Increases with every change; the D1 projection only ever moves forward. */
  version: number;
};

export type Actor =
  | { kind: "sender"; userId: string }
  | { kind: "signer"; recipientId: string }
  | { kind: "system" };

export type RequestContext = { ip: string | null; userAgent: string | null };

export const eventTypes = [
  "envelope_created",
  "recipient_added",
  "recipient_removed",
  "envelope_sent",
  "invitation_queued",
  "document_viewed",
  "recipient_opened",
  "recipient_signed",
  "recipient_declined",
  "envelope_completion_decided",
  "envelope_completed",
  "envelope_declined",
  "envelope_cancelled",
  "envelope_expired",
] as const;
export type EventType = (typeof eventTypes)[number];

/** An event before it is numbered and chained by the Durable Object. */
export type EventDraft = {
  type: EventType;
  at: string;
  actor: Actor;
  recipientId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, string | number | boolean | null>;
};

export type Intent =
  | { kind: "invite"; recipientId: string }
  | { kind: "finalise" }
  | { kind: "completed"; recipientId: string }
  | { kind: "declined"; declinedBy: string };

export type Transition = { state: EnvelopeState; events: EventDraft[]; intents: Intent[] };

export const limits = { maxRecipients: 50, defaultExpiryDays: 30 } as const;
/** Reminders and resends add links; only the newest few stay valid. */
const maxLinksPerRecipient = 5;

const terminal: ReadonlySet<EnvelopeStatus> = new Set(["completed", "declined", "cancelled", "expired", "purged"]);

export function isTerminal(status: EnvelopeStatus): boolean {
  return terminal.has(status);
}

function fail(message: string): never {
  throw new DomainError("invalid_transition", message);
}

function event(
  type: EventType,
  at: string,
  actor: Actor,
  extra: Partial<Pick<EventDraft, "recipientId" | "data">> & Partial<RequestContext> = {},
): EventDraft {
  return {
    type,
    at,
    actor,
    recipientId: extra.recipientId ?? null,
    ip: extra.ip ?? null,
    userAgent: extra.userAgent ?? null,
    data: extra.data ?? {},
  };
}

function next(state: EnvelopeState, patch: Partial<EnvelopeState>): EnvelopeState {
  return { ...state, ...patch, version: state.version + 1 };
}

function withRecipient(state: EnvelopeState, id: string, patch: Partial<Recipient>): Recipient[] {
  return state.recipients.map((r) => (r.id === id ? { ...r, ...patch } : r));
}

function findRecipient(state: EnvelopeState, id: string): Recipient {
  const recipient = state.recipients.find((r) => r.id === id);
  if (!recipient) throw new DomainError("not_found", "No such recipient in this envelope");
  return recipient;
}

export const signers = (state: EnvelopeState): Recipient[] =>
  state.recipients.filter((r) => r.role === "signer").sort((a, b) => a.order - b.order);

export type CreateInput = Omit<
  EnvelopeState,
  "status" | "sentAt" | "endedAt" | "finalisation" | "signedDocument" | "recipients" | "version" | "expiresAt"
>;

export function createEnvelope(input: CreateInput, actor: Actor): Transition {
  const state: EnvelopeState = {
    ...input,
    status: "draft",
    sentAt: null,
    expiresAt: null,
    endedAt: null,
    finalisation: "none",
    signedDocument: null,
    recipients: [],
    version: 1,
  };
  return {
    state,
    events: [
      event("envelope_created", input.createdAt, actor, {
        data: {
          documentSha256: input.document.sha256,
          pages: input.document.pages,
          title: input.title,
          // An agreement written in Pactly is also read as HTML: its hash joins the chain too.
          ...(input.document.agreement ? { documentHtmlSha256: input.document.agreement.htmlSha256 } : {}),
        },
      }),
    ],
    intents: [],
  };
}

export type NewRecipient = Pick<Recipient, "id" | "name" | "email" | "role" | "method" | "locale">;

export function addRecipient(state: EnvelopeState, input: NewRecipient, actor: Actor, at: string): Transition {
  if (state.status !== "draft") fail("Recipients can only be added to a draft");
  if (state.recipients.length >= limits.maxRecipients) {
    throw new DomainError("validation_failed", `An envelope has at most ${limits.maxRecipients} recipients`, { reason: "too_many_recipients" });
  }
  const email = input.email.toLowerCase();
  if (state.recipients.some((r) => r.email === email)) {
    throw new DomainError("validation_failed", "This email address is already a recipient", { reason: "duplicate_email" });
  }
  const recipient: Recipient = {
    ...input,
    email,
    order: state.recipients.length + 1,
    status: "pending",
    linkHashes: [],
    openedAt: null,
    signedAt: null,
    declinedAt: null,
    declineReason: null,
    typedName: null,
    ip: null,
    userAgent: null,
  };
  return {
    state: next(state, { recipients: [...state.recipients, recipient] }),
    events: [event("recipient_added", at, actor, { recipientId: input.id, data: { role: input.role } })],
    intents: [],
  };
}

export function removeRecipient(state: EnvelopeState, recipientId: string, actor: Actor, at: string): Transition {
  if (state.status !== "draft") fail("Recipients can only be removed from a draft");
  findRecipient(state, recipientId);
  const recipients = state.recipients
    .filter((r) => r.id !== recipientId)
    .map((r, index) => ({ ...r, order: index + 1 }));
  return {
    state: next(state, { recipients }),
    events: [event("recipient_removed", at, actor, { recipientId })],
    intents: [],
  };
}

/** The signers whose turn it is: all in parallel; the first unsigned one in sequence. */
export function signersDue(state: EnvelopeState): Recipient[] {
  const open = signers(state).filter((r) => r.status !== "signed" && r.status !== "declined");
  if (state.signingOrder === "parallel") return open;
  return open.slice(0, 1);
}

export function send(
  state: EnvelopeState,
  input: { actor: Actor; at: string; expiresAt: string; context: RequestContext },
): Transition {
  if (state.status === "sent") return { state, events: [], intents: [] }; // pressing Send twice is harmless
  if (state.status !== "draft") fail(`An envelope that is ${state.status} cannot be sent`);
  if (signers(state).length === 0) throw new DomainError("validation_failed", "Add at least one signer before sending");
  if (input.expiresAt <= input.at) throw new DomainError("validation_failed", "The expiry must be in the future");
  const sent = next(state, { status: "sent", sentAt: input.at, expiresAt: input.expiresAt });
  const due = signersDue(sent);
  return {
    state: sent,
    events: [
      event("envelope_sent", input.at, input.actor, {
        ...input.context,
        data: { signers: signers(state).length, order: state.signingOrder, expiresAt: input.expiresAt },
      }),
    ],
    intents: due.map((r) => ({ kind: "invite", recipientId: r.id })),
  };
}

/**
 * Gives a recipient a fresh signing link (only its hash is kept): with an invitation
 * while the envelope is out, or with the completion message, when links lead to the
 * signed copy. Earlier links keep working; the envelope's state decides what they show.
 */
export function issueLink(state: EnvelopeState, recipientId: string, tokenHash: string, at: string): Transition {
  const recipient = findRecipient(state, recipientId);
  if (state.status !== "sent" && state.status !== "completed") fail("Links are only issued while the envelope is out or completed");
  const status: RecipientStatus = recipient.status === "pending" ? "notified" : recipient.status;
  return {
    state: next(state, { recipients: withRecipient(state, recipientId, { linkHashes: [...recipient.linkHashes, tokenHash].slice(-maxLinksPerRecipient), status }) }),
    events: state.status === "sent" ? [event("invitation_queued", at, { kind: "system" }, { recipientId })] : [],
    intents: [],
  };
}

function requireActiveSigner(state: EnvelopeState, recipientId: string): Recipient {
  const recipient = findRecipient(state, recipientId);
  if (state.status !== "sent") fail(`This envelope is ${state.status}`);
  if (recipient.role !== "signer") fail("Only signers can act on an envelope");
  if (recipient.status === "signed" || recipient.status === "declined") fail(`This signer has already ${recipient.status}`);
  if (!signersDue(state).some((r) => r.id === recipientId)) fail("It is not this signer's turn yet");
  return recipient;
}

/** "Opened" is recorded on the signer's first real action, never on the link's GET. */
export function open(state: EnvelopeState, recipientId: string, at: string, context: RequestContext): Transition {
  const recipient = requireActiveSigner(state, recipientId);
  if (recipient.openedAt) return { state, events: [], intents: [] };
  return {
    state: next(state, {
      recipients: withRecipient(state, recipientId, {
        openedAt: at,
        status: recipient.status === "identified" ? "identified" : "opened",
      }),
    }),
    events: [event("recipient_opened", at, { kind: "signer", recipientId }, { recipientId, ...context })],
    intents: [],
  };
}

export function viewDocument(state: EnvelopeState, recipientId: string, at: string, context: RequestContext): Transition {
  const opened = open(state, recipientId, at, context);
  return {
    ...opened,
    events: [
      ...opened.events,
      event("document_viewed", at, { kind: "signer", recipientId }, { recipientId, ...context }),
    ],
  };
}

export function sign(
  state: EnvelopeState,
  input: { recipientId: string; typedName: string; at: string; context: RequestContext },
): Transition {
  const current = findRecipient(state, input.recipientId);
  // A second press, or a reload after a slow POST, is answered with the first result.
  if (current.status === "signed") return { state, events: [], intents: [] };
  const opened = open(state, input.recipientId, input.at, input.context);
  const typedName = input.typedName.trim();
  if (typedName.length === 0) throw new DomainError("validation_failed", "Type your full name to sign", { field: "typedName" });
  let state2 = next(opened.state, {
    recipients: withRecipient(opened.state, input.recipientId, {
      status: "signed",
      signedAt: input.at,
      typedName,
      ip: input.context.ip,
      userAgent: input.context.userAgent,
    }),
  });
  const events = [
    ...opened.events,
    event("recipient_signed", input.at, { kind: "signer", recipientId: input.recipientId }, {
      recipientId: input.recipientId,
      ...input.context,
      data: {
        typedName,
        documentSha256: state.document.sha256,
        ...(state.document.agreement ? { documentHtmlSha256: state.document.agreement.htmlSha256 } : {}),
      },
    }),
  ];
  const intents: Intent[] = [];
  const allSigned = signers(state2).every((r) => r.status === "signed");
  if (allSigned) {
    // Completion is decided exactly once, here; the envelope becomes `completed` when the signed PDF is recorded.
    state2 = next(state2, { finalisation: "pending" });
    events.push(event("envelope_completion_decided", input.at, { kind: "system" }));
    intents.push({ kind: "finalise" });
  } else if (state.signingOrder === "sequential") {
    const nextSigner = signersDue(state2)[0];
    if (nextSigner && nextSigner.status === "pending") intents.push({ kind: "invite", recipientId: nextSigner.id });
  }
  return { state: state2, events, intents };
}

export function decline(
  state: EnvelopeState,
  input: { recipientId: string; reason: string; at: string; context: RequestContext },
): Transition {
  const current = findRecipient(state, input.recipientId);
  if (current.status === "declined" && state.status === "declined") return { state, events: [], intents: [] };
  const opened = open(state, input.recipientId, input.at, input.context);
  const reason = input.reason.trim();
  if (reason.length === 0) throw new DomainError("validation_failed", "Tell the sender why you decline", { field: "reason" });
  const declined = next(opened.state, {
    status: "declined",
    endedAt: input.at,
    recipients: withRecipient(opened.state, input.recipientId, {
      status: "declined",
      declinedAt: input.at,
      declineReason: reason,
      ip: input.context.ip,
      userAgent: input.context.userAgent,
    }),
  });
  return {
    state: declined,
    events: [
      ...opened.events,
      event("recipient_declined", input.at, { kind: "signer", recipientId: input.recipientId }, {
        recipientId: input.recipientId,
        ...input.context,
        data: { reason },
      }),
      event("envelope_declined", input.at, { kind: "system" }),
    ],
    intents: [{ kind: "declined", declinedBy: input.recipientId }],
  };
}

export function cancel(state: EnvelopeState, input: { actor: Actor; reason: string; at: string; context: RequestContext }): Transition {
  if (state.status === "cancelled") return { state, events: [], intents: [] };
  if (state.status !== "sent" && state.status !== "draft") fail(`An envelope that is ${state.status} cannot be cancelled`);
  if (state.finalisation !== "none") fail("Every signer has signed; the envelope is being completed");
  return {
    state: next(state, { status: "cancelled", endedAt: input.at }),
    events: [event("envelope_cancelled", input.at, input.actor, { ...input.context, data: { reason: input.reason } })],
    intents: [],
  };
}

export function expire(state: EnvelopeState, at: string): Transition {
  if (state.status !== "sent" || state.finalisation !== "none") return { state, events: [], intents: [] };
  if (!state.expiresAt || state.expiresAt > at) return { state, events: [], intents: [] };
  return {
    state: next(state, { status: "expired", endedAt: at }),
    events: [event("envelope_expired", at, { kind: "system" })],
    intents: [],
  };
}

/** The finalisation job reports back; recorded once, later reports are ignored. */
export function recordFinalised(state: EnvelopeState, signed: SignedDocument, at: string): Transition {
  if (state.finalisation === "done") return { state, events: [], intents: [] };
  if (state.finalisation !== "pending") fail("Completion has not been decided");
  const completed = next(state, { status: "completed", finalisation: "done", signedDocument: signed, endedAt: at });
  return {
    state: completed,
    events: [
      event("envelope_completed", at, { kind: "system" }, {
        data: { signedDocumentId: signed.documentId, signedSha256: signed.sha256, pages: signed.pages },
      }),
    ],
    intents: state.recipients.map((r) => ({ kind: "completed", recipientId: r.id })),
  };
}
