/**
 * The envelope and signer state machine. Pure: no bindings, no clock, no randomness.
 * Every command takes the current state and returns the next state, the evidence
 * events it caused and the messages it wants sent. The Envelope Durable Object
 * persists the result in one transaction.
 */
import { z } from "zod";
import type { ClientInfo } from "./client-info";
import { DomainError } from "./errors";
import { isEnded, type PurgeReason } from "./retention";
import type { IdentificationEvidence } from "./identification";
import { expiryWarningAt, reminderDueAt } from "./reminders";

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
  /** E.164, for SMS codes; null when not given. */
  phone: string | null;
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
  /** When the newest invitation or reminder was queued: manual reminders wait an hour after it. */
  lastInvitedAt: string | null;
  openedAt: string | null;
  signedAt: string | null;
  declinedAt: string | null;
  declineReason: string | null;
  typedName: string | null;
  ip: string | null;
  userAgent: string | null;
  /** What the signer proved (code or eID) before signing; null until identified, and always for `email_link`. */
  identification: IdentificationEvidence | null;
  /** Automatic reminders sent so far (capped by MAX_AUTOMATIC_REMINDERS); absent means none. */
  automaticReminders?: number;
};

export type Finalisation = "none" | "pending" | "done" | "failed";

/**
 * Why a finalisation failed, as a category people can act on (never a stack trace):
 * the original could not be read, its structure could not take the certificate and seal,
 * the seal key or timestamp authority failed, or the signed copy could not be stored.
 */
export const finalisationFailureReasons = ["document_unreadable", "document_unsealable", "seal_unavailable", "storage_unavailable", "unknown"] as const;
export type FinalisationFailureReason = (typeof finalisationFailureReasons)[number];

export type FinalisationFailure = {
  reason: FinalisationFailureReason;
  /** When the latest failure was recorded. */
  failedAt: string;
  /** Failures recorded so far (the first one tells the sender). */
  failures: number;
  /** Retries the daily cron has made; bounded by MAX_AUTOMATIC_FINALISATION_RETRIES. */
  automaticRetries: number;
};

/** The cron retries a failed finalisation at most this often, waiting 1, 2, 4, then 8 days. */
export const MAX_AUTOMATIC_FINALISATION_RETRIES = 4;
const FINALISATION_RETRY_BASE_MS = 24 * 3600_000;

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
  /** IANA zone for the expiry date and the local times on the certificate. */
  timeZone: string;
  /** Days between automatic reminders; 0 turns them off. */
  reminderEveryDays: number;
  createdAt: string;
  sentAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  /**
   * none → pending (completion decided, job enqueued) → done (signed PDF recorded);
   * pending → failed (the job gave up: the vocabulary's `finalisation_failed`) → pending (a retry).
   * `failed` is a property of a sent envelope, not a status: the status stays `sent`.
   */
  finalisation: Finalisation;
  /** Why and when the seal could not be made; kept through retries, cleared on completion. Absent or null otherwise. */
  finalisationFailure?: FinalisationFailure | null;
  signedDocument: SignedDocument | null;
  recipients: Recipient[];
  /** Increases with every change; the D1 projection only ever moves forward. */
  version: number;
  /** When the signers were warned that signing ends soon (once); absent or null until then. */
  expiryWarnedAt?: string | null;
  /** When the sender was warned that the envelope will be deleted (once); absent or null until then. */
  deletionWarnedAt?: string | null;
};

export type Actor =
  | { kind: "sender"; userId: string }
  | { kind: "signer"; recipientId: string }
  | { kind: "system" };

export const eventTypes = [
  "envelope_created",
  "recipient_added",
  "recipient_removed",
  "recipient_moved",
  "draft_updated",
  "envelope_sent",
  "reminder_requested",
  "invitation_resent",
  "recipient_email_corrected",
  "invitation_queued",
  "document_viewed",
  "recipient_opened",
  "recipient_signed",
  "recipient_declined",
  "envelope_completion_decided",
  // The finalisation job gave up (`finalisation_failed`), and a retry of it (by an operator or the cron).
  "envelope_finalisation_failed",
  "envelope_finalisation_retried",
  "envelope_completed",
  "envelope_declined",
  "envelope_cancelled",
  "envelope_expired",
  // Retention deleted the documents and personal data (src/domain/retention.ts).
  "envelope_purged",
  // Identification (codes by email or SMS, eID): every attempt and result.
  "code_sent",
  "code_failed",
  "code_locked",
  "recipient_identified",
  // Reminders and warnings (src/domain/reminders.ts); automatic reminders are invitation_queued with `reminder`.
  "expiry_warning_queued",
  "cancellation_notice_queued",
  "deletion_warning_queued",
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
  | { kind: "invite"; recipientId: string; reminder?: boolean }
  | { kind: "finalise" }
  | { kind: "completed"; recipientId: string }
  | { kind: "declined"; declinedBy: string }
  /** A one-time code to deliver; the code lives only in this intent and the message it becomes. */
  | { kind: "send_code"; recipientId: string; channel: "email" | "sms"; code: string; expiresInMinutes: number }
  /** Signing ends soon: a fresh link to a signer who has not signed. */
  | { kind: "expiry_warning"; recipientId: string }
  /** The sender cancelled: tells a signer who had been invited, with the sender's reason. */
  | { kind: "cancelled"; recipientId: string; reason: string }
  /** Tells the sender the signed PDF could not be made, and why (a category). */
  | { kind: "finalisation_failed"; reason: FinalisationFailureReason }
  /** Tells the sender the envelope's documents are deleted on `deletesAt`. */
  | { kind: "deletion_warning"; deletesAt: string };

export type Transition = { state: EnvelopeState; events: EventDraft[]; intents: Intent[] };

export const limits = { maxRecipients: 50, defaultExpiryDays: 30, defaultReminderEveryDays: 3 } as const;
/** A signer gets at most one manual reminder or resent invitation per hour. */
export const REMIND_INTERVAL_MS = 3600_000;
/** Reminders and resends add links; only the newest few stay valid. */
const maxLinksPerRecipient = 5;

const terminal: ReadonlySet<EnvelopeStatus> = new Set(["completed", "declined", "cancelled", "expired", "purged"]);

export function isTerminal(status: EnvelopeStatus): boolean {
  return terminal.has(status);
}

/**
 * A refusal: the action is not possible in this state. `reason` is a stable code the
 * pages translate; the message is for logs and the API.
 */
function fail(message: string, reason?: string, extra: Record<string, unknown> = {}): never {
  throw new DomainError("invalid_transition", message, reason ? { reason, ...extra } : undefined);
}

export function event(
  type: EventType,
  at: string,
  actor: Actor,
  extra: Partial<Pick<EventDraft, "recipientId" | "data">> & Partial<ClientInfo> = {},
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
  "status" | "sentAt" | "endedAt" | "finalisation" | "finalisationFailure" | "signedDocument" | "recipients" | "version" | "expiresAt" | "reminderEveryDays"
> & { reminderEveryDays?: number };

/**
 * State as stored by an earlier version of Pactly, brought up to the current shape:
 * fields added later get their defaults, so old Durable Objects keep working.
 */
export function upgradeState(stored: EnvelopeState): EnvelopeState {
  const old = stored as Partial<EnvelopeState> & EnvelopeState;
  return {
    ...old,
    timeZone: old.timeZone ?? "Europe/Oslo",
    reminderEveryDays: old.reminderEveryDays ?? limits.defaultReminderEveryDays,
    recipients: old.recipients.map((r) => ({
      ...r,
      phone: r.phone ?? null,
      lastInvitedAt: r.lastInvitedAt ?? null,
      identification: r.identification ?? null,
      automaticReminders: r.automaticReminders ?? 0,
    })),
    expiryWarnedAt: old.expiryWarnedAt ?? null,
    deletionWarnedAt: old.deletionWarnedAt ?? null,
    finalisationFailure: old.finalisationFailure ?? null,
  };
}

export function createEnvelope(input: CreateInput, actor: Actor): Transition {
  const state: EnvelopeState = {
    ...input,
    reminderEveryDays: input.reminderEveryDays ?? limits.defaultReminderEveryDays,
    status: "draft",
    sentAt: null,
    expiresAt: null,
    endedAt: null,
    finalisation: "none",
    finalisationFailure: null,
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

/** A draft and its first recipients as one transition (the API's one-step create). */
export function createWithRecipients(input: CreateInput, recipients: NewRecipient[], actor: Actor): Transition {
  const created = createEnvelope(input, actor);
  let state = created.state;
  const events = [...created.events];
  for (const r of recipients) {
    const added = addRecipient(state, r, actor, input.createdAt);
    state = added.state;
    events.push(...added.events);
  }
  return { state, events, intents: [] };
}

export type NewRecipient = Pick<Recipient, "id" | "name" | "email" | "role" | "method" | "locale"> & { phone?: string | null };

export function addRecipient(state: EnvelopeState, input: NewRecipient, actor: Actor, at: string): Transition {
  if (state.status !== "draft") fail("Recipients can only be added to a draft", "not_draft");
  if (state.recipients.length >= limits.maxRecipients) {
    throw new DomainError("validation_failed", `An envelope has at most ${limits.maxRecipients} recipients`, { reason: "too_many_recipients" });
  }
  const email = input.email.toLowerCase();
  if (state.recipients.some((r) => r.email === email)) {
    throw new DomainError("validation_failed", "This email address is already a recipient", { reason: "duplicate_email" });
  }
  if (input.method === "sms_otp" && !input.phone) {
    throw new DomainError("validation_failed", "A signer who identifies by SMS needs a phone number", { reason: "phone_required" });
  }
  const recipient: Recipient = {
    ...input,
    email,
    phone: input.phone ?? null,
    // Someone who only gets a copy never identifies.
    method: input.role === "cc" ? "email_link" : input.method,
    order: state.recipients.length + 1,
    status: "pending",
    linkHashes: [],
    lastInvitedAt: null,
    openedAt: null,
    signedAt: null,
    declinedAt: null,
    declineReason: null,
    typedName: null,
    ip: null,
    userAgent: null,
    identification: null,
  };
  return {
    state: next(state, { recipients: [...state.recipients, recipient] }),
    events: [event("recipient_added", at, actor, { recipientId: input.id, data: { role: recipient.role, method: recipient.method } })],
    intents: [],
  };
}

export function removeRecipient(state: EnvelopeState, recipientId: string, actor: Actor, at: string): Transition {
  if (state.status !== "draft") fail("Recipients can only be removed from a draft", "not_draft");
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

/** Moves a recipient one place up or down; sequential signing follows this order. */
export function moveRecipient(state: EnvelopeState, recipientId: string, direction: "up" | "down", actor: Actor, at: string): Transition {
  if (state.status !== "draft") fail("Recipients can only be reordered in a draft", "not_draft");
  findRecipient(state, recipientId);
  const list = [...state.recipients].sort((a, b) => a.order - b.order);
  const from = list.findIndex((r) => r.id === recipientId);
  const to = direction === "up" ? from - 1 : from + 1;
  // Already first or last: nothing to do (a double press is harmless).
  if (to < 0 || to >= list.length) return { state, events: [], intents: [] };
  [list[from], list[to]] = [list[to]!, list[from]!];
  const recipients = list.map((r, index) => ({ ...r, order: index + 1 }));
  return {
    state: next(state, { recipients }),
    events: [event("recipient_moved", at, actor, { recipientId, data: { order: to + 1 } })],
    intents: [],
  };
}

export type DraftSettings = Pick<EnvelopeState, "title" | "message" | "signingOrder" | "timeZone" | "reminderEveryDays">;

/** Changes a draft's settings; the event names what changed. */
export function updateDraft(state: EnvelopeState, settings: DraftSettings, actor: Actor, at: string): Transition {
  if (state.status !== "draft") fail("Only a draft's settings can be changed", "not_draft");
  const changed = (Object.keys(settings) as (keyof DraftSettings)[]).filter((k) => settings[k] !== state[k]);
  if (changed.length === 0) return { state, events: [], intents: [] };
  const data: EventDraft["data"] = {};
  for (const k of changed) data[k] = k === "message" ? true : settings[k]; // the message text itself stays out of the chain
  return {
    state: next(state, { ...settings }),
    events: [event("draft_updated", at, actor, { data })],
    intents: [],
  };
}

/** A draft may be deleted (document, rows and object storage); anything sent is cancelled instead. */
export function assertDeletable(state: EnvelopeState): void {
  if (state.status !== "draft") fail(`An envelope that is ${state.status} cannot be deleted; cancel it instead`, "not_draft");
}

/** The signers whose turn it is: all in parallel; the first unsigned one in sequence. */
export function signersDue(state: EnvelopeState): Recipient[] {
  const open = signers(state).filter((r) => r.status !== "signed" && r.status !== "declined");
  if (state.signingOrder === "parallel") return open;
  return open.slice(0, 1);
}

export function send(
  state: EnvelopeState,
  input: { actor: Actor; at: string; expiresAt: string; context: ClientInfo },
): Transition {
  if (state.status === "sent") return { state, events: [], intents: [] }; // pressing Send twice is harmless
  if (state.status !== "draft") fail(`An envelope that is ${state.status} cannot be sent`, "not_draft");
  if (signers(state).length === 0) throw new DomainError("validation_failed", "Add at least one signer before sending", { reason: "no_signers" });
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
 * Gives a recipient a fresh signing link (only its hash is kept): with an invitation,
 * reminder or expiry warning while the envelope is out, or with the completion message, when links lead to the
 * signed copy. Earlier links keep working; the envelope's state decides what they show.
 */
export function issueLink(
  state: EnvelopeState,
  recipientId: string,
  tokenHash: string,
  at: string,
  opts: { reminder?: boolean; expiryWarning?: boolean } = {},
): Transition {
  const recipient = findRecipient(state, recipientId);
  if (state.status !== "sent" && state.status !== "completed") fail("Links are only issued while the envelope is out or completed");
  const inviting = state.status === "sent";
  const status: RecipientStatus = recipient.status === "pending" && inviting ? "notified" : recipient.status;
  return {
    state: next(state, {
      recipients: withRecipient(state, recipientId, {
        linkHashes: [...recipient.linkHashes, tokenHash].slice(-maxLinksPerRecipient),
        status,
        ...(inviting ? { lastInvitedAt: at } : {}),
      }),
    }),
    events: !inviting
      ? []
      : opts.expiryWarning
        ? [event("expiry_warning_queued", at, { kind: "system" }, { recipientId, data: { expiresAt: state.expiresAt } })]
        : [event("invitation_queued", at, { kind: "system" }, { recipientId, data: opts.reminder ? { reminder: true } : {} })],
    intents: [],
  };
}

/** Sender actions on an envelope that is out: only while sent and before completion is decided. */
function requireOut(state: EnvelopeState, action: string): void {
  if (state.status !== "sent") fail(`An envelope that is ${state.status} cannot ${action}`, "not_sent");
  if (state.finalisation !== "none") fail("Every signer has signed; the envelope is being completed", "finalising");
}

/** When this signer may next be reminded; null if now. */
function tooSoon(recipient: Recipient, at: string): string | null {
  if (!recipient.lastInvitedAt) return null;
  const allowed = Date.parse(recipient.lastInvitedAt) + REMIND_INTERVAL_MS;
  return allowed > Date.parse(at) ? new Date(allowed).toISOString() : null;
}

/**
 * Reminds every signer whose turn it is and who has not signed, each with a fresh link.
 * Signers invited or reminded within the hour are skipped; if that is everyone, refused.
 */
export function remind(state: EnvelopeState, input: { actor: Actor; at: string; context: ClientInfo }): Transition {
  requireOut(state, "send reminders");
  const due = signersDue(state);
  const ready = due.filter((r) => tooSoon(r, input.at) === null);
  if (ready.length === 0) {
    const retryAt = due.map((r) => tooSoon(r, input.at)!).sort()[0]!;
    fail("Everyone who has not signed was invited or reminded less than an hour ago", "remind_too_soon", { retryAt });
  }
  return {
    state: next(state, {}),
    events: [event("reminder_requested", input.at, input.actor, { ...input.context, data: { recipients: ready.length } })],
    intents: ready.map((r) => ({ kind: "invite", recipientId: r.id, reminder: true })),
  };
}

// ---- automatic reminders and warnings (when: src/domain/reminders.ts) ----

/** Only an envelope that is out, with nobody's signature still missing from completion, reminds or warns. */
const isOut = (state: EnvelopeState): boolean => state.status === "sent" && state.finalisation === "none";

/** When this signer's next automatic reminder is due, or null (not due, has acted, cap reached, or past the expiry). */
function automaticReminderAt(state: EnvelopeState, recipient: Recipient): number | null {
  return reminderDueAt(
    { everyDays: state.reminderEveryDays, timeZone: state.timeZone, expiresAt: state.expiresAt },
    { lastInvitedAt: recipient.lastInvitedAt, automaticReminders: recipient.automaticReminders ?? 0 },
  );
}

/** The earliest automatic reminder due for anyone (ms), or null: the Envelope object's due time `reminder`. */
export function nextAutomaticReminderAt(state: EnvelopeState): number | null {
  if (!isOut(state)) return null;
  const times = signersDue(state)
    .map((r) => automaticReminderAt(state, r))
    .filter((t): t is number => t !== null);
  return times.length > 0 ? Math.min(...times) : null;
}

/**
 * The automatic counterpart of `remind`: every signer whose reminder is due at `at` gets one,
 * with a fresh link, and it is counted against the cap. Nothing is due: no change.
 */
export function remindAutomatically(state: EnvelopeState, at: string): Transition {
  if (!isOut(state)) return { state, events: [], intents: [] };
  const atMs = Date.parse(at);
  const ready = signersDue(state).filter((r) => {
    const due = automaticReminderAt(state, r);
    return due !== null && due <= atMs;
  });
  if (ready.length === 0) return { state, events: [], intents: [] };
  let recipients = state.recipients;
  for (const r of ready) recipients = recipients.map((x) => (x.id === r.id ? { ...x, automaticReminders: (x.automaticReminders ?? 0) + 1 } : x));
  return {
    state: next(state, { recipients }),
    events: [event("reminder_requested", at, { kind: "system" }, { data: { recipients: ready.length, automatic: true } })],
    intents: ready.map((r) => ({ kind: "invite", recipientId: r.id, reminder: true })),
  };
}

/** Who the expiry warning goes to: signers whose turn it is, who hold a link and have not signed. */
function expiryWarningTargets(state: EnvelopeState): Recipient[] {
  return signersDue(state).filter((r) => r.linkHashes.length > 0);
}

/** When the expiry warning is due (ms), or null (already sent, not out, nobody to warn, or too short-lived). */
export function nextExpiryWarningAt(state: EnvelopeState): number | null {
  if (!isOut(state) || state.expiryWarnedAt || expiryWarningTargets(state).length === 0) return null;
  return expiryWarningAt(state);
}

/** Warns, once, every signer who has not signed that signing ends soon; each gets a fresh link. */
export function warnBeforeExpiry(state: EnvelopeState, at: string): Transition {
  const due = nextExpiryWarningAt(state);
  if (due === null || due > Date.parse(at) || (state.expiresAt && state.expiresAt <= at)) return { state, events: [], intents: [] };
  // The events (expiry_warning_queued, one per signer) come with the links, as invitations' do.
  return {
    state: next(state, { expiryWarnedAt: at }),
    events: [],
    intents: expiryWarningTargets(state).map((r) => ({ kind: "expiry_warning", recipientId: r.id })),
  };
}

/** Warns the sender, once, that this ended envelope is deleted on `deletesAt`. */
export function warnBeforeDeletion(state: EnvelopeState, input: { at: string; deletesAt: string }): Transition {
  if (!isEnded(state.status) || state.deletionWarnedAt) return { state, events: [], intents: [] };
  return {
    state: next(state, { deletionWarnedAt: input.at }),
    events: [event("deletion_warning_queued", input.at, { kind: "system" }, { data: { deletesAt: input.deletesAt } })],
    intents: [{ kind: "deletion_warning", deletesAt: input.deletesAt }],
  };
}

/** A fresh invitation for one signer whose turn it is, at most once an hour. */
export function resendInvitation(state: EnvelopeState, input: { recipientId: string; actor: Actor; at: string; context: ClientInfo }): Transition {
  requireOut(state, "resend invitations");
  const recipient = findRecipient(state, input.recipientId);
  if (recipient.role !== "signer") fail("Only signers get invitations", "not_signer");
  if (recipient.status === "signed" || recipient.status === "declined") fail(`This signer has already ${recipient.status}`, "already_done");
  if (!signersDue(state).some((r) => r.id === recipient.id)) fail("It is not this signer's turn yet", "not_their_turn");
  const retryAt = tooSoon(recipient, input.at);
  if (retryAt) fail("This signer was invited or reminded less than an hour ago", "resend_too_soon", { retryAt });
  return {
    state: next(state, {}),
    events: [event("invitation_resent", input.at, input.actor, { recipientId: recipient.id, ...input.context })],
    intents: [{ kind: "invite", recipientId: recipient.id }],
  };
}

/** Whether a recipient's address may still be corrected: out for signing, and they have not opened it. */
export function canCorrectEmail(state: EnvelopeState, recipient: Recipient): boolean {
  return state.status === "sent" && state.finalisation === "none" && (recipient.status === "pending" || recipient.status === "notified");
}

/**
 * Corrects the address of a recipient who has not opened the envelope: every earlier link
 * dies, and if it is their turn they get a fresh invitation at the new address.
 */
export function correctEmail(
  state: EnvelopeState,
  input: { recipientId: string; email: string; actor: Actor; at: string; context: ClientInfo },
): Transition {
  requireOut(state, "have addresses corrected");
  const recipient = findRecipient(state, input.recipientId);
  if (!canCorrectEmail(state, recipient)) fail("The address can only be corrected before the recipient has opened the envelope", "already_opened");
  const email = input.email.trim().toLowerCase();
  if (email === recipient.email) throw new DomainError("validation_failed", "That is already their address", { reason: "same_email" });
  if (state.recipients.some((r) => r.email === email)) {
    throw new DomainError("validation_failed", "This email address is already a recipient", { reason: "duplicate_email" });
  }
  const corrected = next(state, {
    recipients: withRecipient(state, recipient.id, { email, linkHashes: [], status: "pending", lastInvitedAt: null }),
  });
  const due = signersDue(corrected).some((r) => r.id === recipient.id);
  return {
    state: corrected,
    events: [
      event("recipient_email_corrected", input.at, input.actor, {
        recipientId: recipient.id,
        ...input.context,
        data: { from: recipient.email, to: email },
      }),
    ],
    intents: recipient.role === "signer" && due ? [{ kind: "invite", recipientId: recipient.id }] : [],
  };
}

export function requireActiveSigner(state: EnvelopeState, recipientId: string): Recipient {
  const recipient = findRecipient(state, recipientId);
  if (state.status !== "sent") fail(`This envelope is ${state.status}`);
  if (recipient.role !== "signer") fail("Only signers can act on an envelope");
  if (recipient.status === "signed" || recipient.status === "declined") fail(`This signer has already ${recipient.status}`);
  if (!signersDue(state).some((r) => r.id === recipientId)) fail("It is not this signer's turn yet", "not_their_turn");
  return recipient;
}

/** "Opened" is recorded on the signer's first real action, never on the link's GET. */
export function open(state: EnvelopeState, recipientId: string, at: string, context: ClientInfo): Transition {
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

/** Whether this signer must still prove who they are before signing. */
export function needsIdentification(recipient: Recipient): boolean {
  return recipient.method !== "email_link" && recipient.identification === null;
}

/** The evidence as an event summary: what was proved, never a secret (no code, no token, no plain national id). */
function identificationSummary(evidence: IdentificationEvidence): EventDraft["data"] {
  if (evidence.method === "eid") {
    return {
      method: "eid",
      provider: evidence.provider,
      scheme: evidence.scheme,
      assurance: evidence.assurance,
      name: evidence.name,
      subject: evidence.subject,
      nationalIdHash: evidence.nationalIdHash,
      nameMismatch: evidence.nameMismatch,
    };
  }
  return { method: evidence.method, channel: evidence.method === "sms_otp" ? maskPhone(evidence.channel) : maskEmail(evidence.channel) };
}

/**
 * Records that the signer whose turn it is proved who they are by the method the sender
 * chose. A repeat (a replayed callback, a second press) changes nothing.
 */
export function identify(
  state: EnvelopeState,
  input: { recipientId: string; evidence: IdentificationEvidence; at: string; context: ClientInfo },
): Transition {
  const recipient = requireActiveSigner(state, input.recipientId);
  if (recipient.identification) return { state, events: [], intents: [] };
  if (recipient.method === "email_link" || input.evidence.method !== recipient.method) {
    fail(`This signer identifies by ${recipient.method}, not ${input.evidence.method}`, "wrong_method");
  }
  const opened = open(state, input.recipientId, input.at, input.context);
  return {
    state: next(opened.state, {
      recipients: withRecipient(opened.state, input.recipientId, { identification: input.evidence, status: "identified" }),
    }),
    events: [
      ...opened.events,
      event("recipient_identified", input.at, { kind: "signer", recipientId: input.recipientId }, {
        recipientId: input.recipientId,
        ...input.context,
        data: identificationSummary(input.evidence),
      }),
    ],
    intents: [],
  };
}

/** k***@example.com: enough for the signer to recognise, too little to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "***";
  return `${email[0]}***${email.slice(at)}`;
}

/** Country codes shown when masking numbers (the Nordics and neighbours); others show none. */
const maskedCountryCodes = ["+358", "+354", "+298", "+299", "+45", "+46", "+47", "+44", "+49", "+31", "+33", "+48", "+1"];

/** +47 *** ** 567: the country code and the last three digits (E.164 input). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, "");
  const country = maskedCountryCodes.find((c) => digits.startsWith(c));
  return `${country ? `${country} ` : ""}*** ** ${digits.slice(-3)}`;
}

export function viewDocument(state: EnvelopeState, recipientId: string, at: string, context: ClientInfo): Transition {
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
  input: { recipientId: string; typedName: string; at: string; context: ClientInfo },
): Transition {
  const current = findRecipient(state, input.recipientId);
  // A second press, or a reload after a slow POST, is answered with the first result.
  if (current.status === "signed") return { state, events: [], intents: [] };
  if (needsIdentification(current)) fail("Identify yourself before you sign", "identification_required");
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
  input: { recipientId: string; reason: string; at: string; context: ClientInfo },
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

export const MAX_CANCEL_REASON = 500;

/**
 * Why a sender cancels: required, and at most MAX_CANCEL_REASON characters once trimmed;
 * every invited signer reads it. The one rule for the form, the API, the service and the
 * Envelope object; its message is a translation key (the API answers in English).
 */
export const cancelReasonSchema = z
  .string("builder.error.cancelReason")
  .trim()
  .min(1, "builder.error.cancelReason")
  .max(MAX_CANCEL_REASON, "builder.error.cancelReason");

/** The cancel form's and the API's body. */
export const cancelInputSchema = z.object({ reason: cancelReasonSchema });

/** The reason, trimmed, or `validation_failed` on the field `reason`. */
export function cancelReason(raw: string): string {
  const parsed = cancelReasonSchema.safeParse(raw);
  if (!parsed.success) throw new DomainError("validation_failed", `Give a reason of at most ${MAX_CANCEL_REASON} characters`, { field: "reason" });
  return parsed.data;
}

export function cancel(state: EnvelopeState, input: { actor: Actor; reason: string; at: string; context: ClientInfo }): Transition {
  if (state.status === "cancelled") return { state, events: [], intents: [] };
  if (state.status !== "sent" && state.status !== "draft") fail(`An envelope that is ${state.status} cannot be cancelled`, "not_cancellable");
  if (state.finalisation !== "none") fail("Every signer has signed; the envelope is being completed", "finalising");
  const reason = cancelReason(input.reason);
  // Everyone who was sent a link learns why it stopped working; those never invited hear nothing.
  const invited = signers(state).filter((r) => r.linkHashes.length > 0);
  return {
    state: next(state, { status: "cancelled", endedAt: input.at }),
    events: [
      event("envelope_cancelled", input.at, input.actor, { ...input.context, data: { reason } }),
      ...invited.map((r) => event("cancellation_notice_queued", input.at, { kind: "system" }, { recipientId: r.id })),
    ],
    intents: invited.map((r) => ({ kind: "cancelled", recipientId: r.id, reason })),
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

/**
 * The finalisation job reports back; recorded once, later reports are ignored. A signed PDF
 * that arrives after a failure was recorded (a late attempt) is real, so it completes too.
 */
export function recordFinalised(state: EnvelopeState, signed: SignedDocument, at: string): Transition {
  if (state.finalisation === "done") return { state, events: [], intents: [] };
  if (state.finalisation !== "pending" && state.finalisation !== "failed") fail("Completion has not been decided");
  const completed = next(state, { status: "completed", finalisation: "done", finalisationFailure: null, signedDocument: signed, endedAt: at });
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

/**
 * The finalisation job gave up (its retries ran out): the envelope stays `sent`, with
 * `finalisation_failed`. The sender is told the first time only, so automatic retries that
 * fail again do not mail them again. Recorded once per failure: a repeated report while it is
 * already failed (the dead-letter queue delivers at least once) changes nothing.
 */
export function recordFinalisationFailed(state: EnvelopeState, input: { reason: FinalisationFailureReason; at: string }): Transition {
  if (state.finalisation !== "pending") return { state, events: [], intents: [] };
  const earlier = state.finalisationFailure ?? null;
  const failure: FinalisationFailure = {
    reason: input.reason,
    failedAt: input.at,
    failures: (earlier?.failures ?? 0) + 1,
    automaticRetries: earlier?.automaticRetries ?? 0,
  };
  return {
    state: next(state, { finalisation: "failed", finalisationFailure: failure }),
    events: [event("envelope_finalisation_failed", input.at, { kind: "system" }, { data: { reason: input.reason, failures: failure.failures } })],
    intents: failure.failures === 1 ? [{ kind: "finalisation_failed", reason: input.reason }] : [],
  };
}

/**
 * When the cron may next retry a failed finalisation: 1, 2, 4, then 8 days after the latest
 * failure, and never after MAX_AUTOMATIC_FINALISATION_RETRIES (a file that can never be
 * sealed is not retried forever; an operator can still retry it).
 */
export function nextFinalisationRetryAt(state: EnvelopeState): string | null {
  const failure = state.finalisationFailure;
  if (state.finalisation !== "failed" || !failure || failure.automaticRetries >= MAX_AUTOMATIC_FINALISATION_RETRIES) return null;
  return new Date(Date.parse(failure.failedAt) + FINALISATION_RETRY_BASE_MS * 2 ** failure.automaticRetries).toISOString();
}

/**
 * Queues the finalisation job again for a failed envelope: `operator` whenever asked (the
 * cause was fixed), `cron` only when nextFinalisationRetryAt is due. Anything else (not
 * failed, already retrying, completed) changes nothing, so a repeated command is harmless.
 */
export function retryFinalisation(state: EnvelopeState, input: { by: "operator" | "cron"; at: string }): Transition {
  const failure = state.finalisationFailure;
  if (state.finalisation !== "failed" || !failure) return { state, events: [], intents: [] };
  if (input.by === "cron") {
    const due = nextFinalisationRetryAt(state);
    if (!due || due > input.at) return { state, events: [], intents: [] };
  }
  const automaticRetries = failure.automaticRetries + (input.by === "cron" ? 1 : 0);
  return {
    state: next(state, { finalisation: "pending", finalisationFailure: { ...failure, automaticRetries } }),
    events: [event("envelope_finalisation_retried", input.at, { kind: "system" }, { data: { by: input.by, reason: failure.reason, automaticRetries } })],
    intents: [{ kind: "finalise" }],
  };
}

/**
 * Retention deletes an ended envelope (or its sender does, earlier): `purged` is final.
 * Deleting twice is harmless; anything still in progress is cancelled instead.
 */
export function purge(state: EnvelopeState, input: { actor: Actor; at: string; reason: PurgeReason }): Transition {
  if (state.status === "purged") return { state, events: [], intents: [] };
  if (!isEnded(state.status)) fail(`An envelope that is ${state.status} cannot be deleted yet`, "not_ended");
  return {
    state: next(state, { status: "purged" }),
    events: [event("envelope_purged", input.at, input.actor, { data: { outcome: state.status, purgedBy: input.reason } })],
    intents: [],
  };
}
