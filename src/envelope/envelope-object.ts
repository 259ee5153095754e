/**
 * The Envelope Durable Object: one per envelope, the authority for its state and
 * its hash-chained events. Each command reads, checks and writes inside one
 * synchronous storage transaction (no external call in between), so concurrent
 * requests are applied one at a time and exactly once. Messages go to a
 * transactional outbox in the same transaction and are delivered to the queue
 * afterwards (and by the alarm if that fails); the D1 projection is refreshed the same way.
 */
import { DurableObject } from "cloudflare:workers";
import * as machine from "../domain/envelope";
import type { ClientInfo } from "../domain/client-info";
import type { Actor, EnvelopeState, FinalisationFailureReason, Intent, SignedDocument, Transition } from "../domain/envelope";
import { DomainError, type ErrorCode } from "../domain/errors";
import { chain, GENESIS_HASH, type ChainedEvent } from "../domain/event-chain";
import { hashToken, newId, randomToken } from "../domain/encoding";
import type { QueueMessage } from "../domain/messages";
import type { IdentificationEvidence } from "../domain/identification";
import * as otp from "../domain/otp";
import { deletionDate, retentionPolicy, type PurgeReason } from "../domain/retention";
import { daysUntil } from "../domain/reminders";
import type { Env } from "../env";
import { database } from "../storage/db";
import { mirrorEnvelope } from "../storage/envelope-projection";
import { webhookEventMessages } from "../domain/webhook-events";

/** Retry delay for outbox delivery and D1 mirroring after a failure. */
const RETRY_MS = 10_000;

type DueKind = "expiry" | "retry" | "finalise_check" | "reminder" | "expiry_warning";

/** If the signed PDF has not been recorded by then, the finalisation job is queued again. */
const FINALISE_CHECK_MS = 10 * 60_000;

/** What every command answers: the new state, or why the state machine refused. */
export type CommandResult =
  | { ok: true; state: EnvelopeState }
  | { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> | undefined };

export class Envelope extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private flushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createTables();
  }

  private createTables(): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS due (kind TEXT PRIMARY KEY, at INTEGER NOT NULL);
    `);
  }

  // ---- commands (one per action; each validated by the state machine) ----

  async create(input: machine.CreateInput, actor: Actor): Promise<CommandResult> {
    return this.run(() => {
      const existing = this.load();
      if (existing) return { state: existing, events: [], intents: [] }; // a retried create is harmless
      return machine.createEnvelope(input, actor);
    });
  }

  /**
   * A new draft with its recipients, in one transaction: all of it or nothing. Unlike
   * `create`, an object that already holds an envelope refuses (its document is taken).
   */
  async createDraft(input: machine.CreateInput, recipients: machine.NewRecipient[], actor: Actor): Promise<CommandResult> {
    return this.run(() => {
      if (this.load()) throw new DomainError("conflict", "This document is already used by another envelope", { reason: "document_in_use" });
      return machine.createWithRecipients(input, recipients, actor);
    });
  }

  async addRecipient(input: machine.NewRecipient, actor: Actor): Promise<CommandResult> {
    return this.run(() => machine.addRecipient(this.require(), input, actor, now()));
  }

  async removeRecipient(recipientId: string, actor: Actor): Promise<CommandResult> {
    return this.run(() => machine.removeRecipient(this.require(), recipientId, actor, now()));
  }

  async moveRecipient(recipientId: string, direction: "up" | "down", actor: Actor): Promise<CommandResult> {
    return this.run(() => machine.moveRecipient(this.require(), recipientId, direction, actor, now()));
  }

  async updateDraft(settings: machine.DraftSettings, actor: Actor): Promise<CommandResult> {
    return this.run(() => machine.updateDraft(this.require(), settings, actor, now()));
  }

  async send(input: { actor: Actor; expiresAt: string; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.send(this.require(), { ...input, at: now() }));
  }

  async remind(input: { actor: Actor; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.remind(this.require(), { ...input, at: now() }));
  }

  async resendInvitation(input: { recipientId: string; actor: Actor; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.resendInvitation(this.require(), { ...input, at: now() }));
  }

  async correctEmail(input: { recipientId: string; email: string; actor: Actor; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.correctEmail(this.require(), { ...input, at: now() }));
  }

  /**
   * Deletes a draft's object storage, events included, after the state machine agrees.
   * Answers the state it had, so the caller can remove the document and the D1 rows;
   * afterwards the object holds nothing and every command answers "not found".
   */
  async deleteDraft(): Promise<CommandResult> {
    // Let every running D1 mirror finish first, so none writes rows back after the caller deletes them.
    for (let pending = this.flushing; pending; pending = pending === this.flushing ? null : this.flushing) await pending;
    let state: EnvelopeState;
    try {
      state = this.require();
      machine.assertDeletable(state);
    } catch (error) {
      if (error instanceof DomainError) return refusal(error);
      throw error;
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // deleteAll drops the tables too; an empty schema keeps later reads answering "not found".
    this.createTables();
    return { ok: true, state };
  }

  /**
   * Retention's step 3: records the purge as an event, waits until D1 holds it (D1's
   * anonymised rows are what survives, not this object), then deletes all storage and the
   * alarm. Answers the purged state once; afterwards "not found", which the sweep takes as done.
   */
  async purge(input: { actor: Actor; reason: PurgeReason }): Promise<CommandResult> {
    const result = await this.run(() => machine.purge(this.require(), { ...input, at: now() }));
    if (!result.ok) return result;
    for (let pending = this.flushing; pending; pending = pending === this.flushing ? null : this.flushing) await pending;
    if (this.mirrorPending()) return { ok: false, code: "conflict", message: "The purge is not in D1 yet; retry later" };
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.createTables();
    return result;
  }

  async viewDocument(recipientId: string, context: ClientInfo): Promise<CommandResult> {
    return this.run(() => machine.viewDocument(this.require(), recipientId, now(), context));
  }

  async open(recipientId: string, context: ClientInfo): Promise<CommandResult> {
    return this.run(() => machine.open(this.require(), recipientId, now(), context));
  }

  /** Records what the signer proved (eID, or a confirmed code); signing needs it unless the method is `email_link`. */
  async identify(input: { recipientId: string; evidence: IdentificationEvidence; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.identify(this.require(), { ...input, at: now() }));
  }

  /** Sends a new one-time code by email or SMS; the cool-down and caps are counted here, exactly. */
  async requestCode(input: { recipientId: string; context: ClientInfo }): Promise<CommandResult> {
    const code = otp.codeFromRandom(() => crypto.getRandomValues(new Uint32Array(1))[0]!);
    const salt = randomToken();
    return this.run(() => {
      const issued = otp.requestCode(this.require(), this.codeLedger(), { ...input, code, salt, at: now() });
      this.saveCodeLedger(issued.ledger);
      return issued.transition;
    });
  }

  /** Checks a typed code; wrong tries are recorded (and counted) even though the answer is a refusal. */
  async confirmCode(input: { recipientId: string; code: string; context: ClientInfo }): Promise<CommandResult> {
    const outcome: { failure: DomainError | null } = { failure: null };
    const result = await this.run(() => {
      const checked = otp.confirmCode(this.require(), this.codeLedger(), { ...input, at: now() });
      this.saveCodeLedger(checked.ledger);
      outcome.failure = checked.failure;
      return checked.transition;
    });
    return result.ok && outcome.failure ? refusal(outcome.failure) : result;
  }

  /** Whether a code is out for this signer, and the cool-down left: nothing secret. */
  async codeStatus(recipientId: string): Promise<ReturnType<typeof otp.codeStatus>> {
    return otp.codeStatus(this.codeLedger(), recipientId, now());
  }

  async sign(input: { recipientId: string; typedName: string; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.sign(this.require(), { ...input, at: now() }));
  }

  async decline(input: { recipientId: string; reason: string; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.decline(this.require(), { ...input, at: now() }));
  }

  async cancel(input: { actor: Actor; reason: string; context: ClientInfo }): Promise<CommandResult> {
    return this.run(() => machine.cancel(this.require(), { ...input, at: now() }));
  }

  async recordFinalised(signed: SignedDocument): Promise<CommandResult> {
    return this.run(() => machine.recordFinalised(this.require(), signed, now()));
  }

  /**
   * A finalisation attempt failed: remembers why (a category), so the record made when the job
   * gives up can say so. Not a transition: the queue may still retry and succeed.
   */
  async noteFinalisationFailure(reason: FinalisationFailureReason): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('finalise_last_failure', ?)", reason);
  }

  /**
   * The finalisation job gave up (dead-lettered): recorded once, with the last attempt's reason.
   * A dead letter left from before the latest retry (a message this object no longer waits
   * for) changes nothing: the retry's own job may still succeed.
   */
  async recordFinalisationFailed(queueMessageId?: string): Promise<CommandResult> {
    return this.run(() => {
      const waitingFor = this.finaliseMessageIds();
      if (queueMessageId && waitingFor.length > 0 && !waitingFor.includes(queueMessageId)) {
        return { state: this.require(), events: [], intents: [] };
      }
      const noted = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'finalise_last_failure'").toArray()[0]?.v;
      const reason = (machine.finalisationFailureReasons as readonly string[]).includes(noted ?? "") ? (noted as FinalisationFailureReason) : "unknown";
      return machine.recordFinalisationFailed(this.require(), { reason, at: now() });
    });
  }

  /** Queues the finalisation job again for a failed envelope (an operator's request, or the cron when due). */
  async retryFinalisation(by: "operator" | "cron"): Promise<CommandResult> {
    return this.run(() => {
      const retried = machine.retryFinalisation(this.require(), { by, at: now() });
      // A fresh attempt starts without the reason, or the queue messages, of the last one.
      if (retried.events.length > 0) this.sql.exec("DELETE FROM meta WHERE k IN ('finalise_last_failure', 'finalise_messages')");
      return retried;
    });
  }

  /** The cron's safety net for an alarm that did not fire. */
  async expireIfDue(): Promise<CommandResult> {
    return this.run(() => machine.expire(this.require(), now()));
  }

  /**
   * The cron's safety net for reminders and the expiry warning: does whatever is due now,
   * exactly as the alarm would. Running it again (or after the alarm) sends nothing twice.
   */
  async runDue(): Promise<CommandResult> {
    try {
      this.require();
      this.doWhatIsDue(Date.now());
    } catch (error) {
      if (error instanceof DomainError) return refusal(error);
      throw error;
    }
    await this.flush();
    return { ok: true, state: this.require() };
  }

  /** Warns the sender, once, that this ended envelope is deleted on `deletesAt` (the daily cron asks). */
  async warnDeletion(deletesAt: string): Promise<CommandResult> {
    return this.run(() => machine.warnBeforeDeletion(this.require(), { at: now(), deletesAt }));
  }

  /**
   * One finaliser at a time: queue messages arrive at least once and may overlap.
   * Grants a lease to `attemptId` unless another live lease exists.
   */
  async claimFinalisation(attemptId: string, ttlMs: number): Promise<boolean> {
    const nowMs = Date.now();
    const row = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'finalise_lease'").toArray()[0];
    const lease = row ? (JSON.parse(row.v) as { id: string; until: number }) : null;
    if (lease && lease.id !== attemptId && lease.until > nowMs) return false;
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('finalise_lease', ?)", JSON.stringify({ id: attemptId, until: nowMs + ttlMs }));
    return true;
  }

  async releaseFinalisation(attemptId: string): Promise<void> {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'finalise_lease'").toArray()[0];
    if (row && (JSON.parse(row.v) as { id: string }).id === attemptId) this.sql.exec("DELETE FROM meta WHERE k = 'finalise_lease'");
  }

  // ---- queries ----

  async getState(): Promise<EnvelopeState | null> {
    return this.load();
  }

  async getEvents(): Promise<ChainedEvent[]> {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM events ORDER BY seq")
      .toArray()
      .map((row) => JSON.parse(row.body) as ChainedEvent);
  }

  /** Number of messages still waiting in the outbox (for tests and operators). */
  async pendingOutbox(): Promise<number> {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  // ---- alarm: expiry and retries ----

  override async alarm(): Promise<void> {
    const nowMs = Date.now();
    if (this.load()) this.doWhatIsDue(nowMs);
    const check = this.sql.exec<{ at: number }>("SELECT at FROM due WHERE kind = 'finalise_check'").toArray()[0];
    if (check && check.at <= nowMs) this.requeueFinalisation();
    this.sql.exec("DELETE FROM due WHERE kind = 'retry'");
    await this.flush();
    this.scheduleAlarm();
  }

  // ---- internals ----

  /**
   * Expiry, then the expiry warning, then automatic reminders: each its own transaction, so a
   * warning's fresh link counts as the signer's newest invitation before reminders are decided.
   */
  private doWhatIsDue(nowMs: number): void {
    const at = new Date(nowMs).toISOString();
    // The state machine decides what is due; the due table only says when to look (the cron looks without it).
    this.apply(() => machine.expire(this.require(), at));
    this.apply(() => machine.warnBeforeExpiry(this.require(), at));
    this.apply(() => machine.remindAutomatically(this.require(), at));
    this.ctx.storage.transactionSync(() => {
      const state = this.require();
      // Whatever is still due now was refused by the state machine: drop it rather than wake at once, forever.
      const future = (t: number | null) => (t !== null && t > nowMs ? t : null);
      this.setDue("reminder", future(machine.nextAutomaticReminderAt(state)));
      this.setDue("expiry_warning", future(machine.nextExpiryWarningAt(state)));
      this.scheduleAlarm();
    });
  }

  /**
   * Applies a transition and then delivers its messages. A refusal by the state machine
   * is an answer, not a crash: it is returned (and re-thrown by the caller as a DomainError).
   */
  private async run(step: () => Transition): Promise<CommandResult> {
    let state: EnvelopeState;
    try {
      state = this.apply(step);
    } catch (error) {
      if (error instanceof DomainError) return refusal(error);
      throw error;
    }
    await this.flush();
    return { ok: true, state };
  }

  /** Read, check and write in one synchronous transaction: nothing else can interleave. */
  private apply(step: () => Transition): EnvelopeState {
    return this.ctx.storage.transactionSync(() => {
      const first = step();
      if (first.events.length === 0 && first.intents.length === 0 && this.load()) return first.state;
      let state = first.state;
      const drafts = [...first.events];
      const messages: QueueMessage[] = [];
      for (const intent of first.intents) {
        const resolved = this.resolveIntent(state, intent);
        state = resolved.state;
        drafts.push(...resolved.events);
        messages.push(...resolved.messages);
      }
      const head = this.head();
      const chained = chain(state.id, drafts, head);
      for (const e of chained) this.sql.exec("INSERT INTO events (seq, body, hash) VALUES (?, ?, ?)", e.seq, JSON.stringify(e), e.hash);
      for (const m of messages) this.sql.exec("INSERT INTO outbox (id, body, created_at) VALUES (?, ?, ?)", m.id, JSON.stringify(m), now());
      // Webhooks go out through the same outbox, so each is queued exactly when its event is chained.
      for (const w of webhookEventMessages(state, chained)) this.sql.exec("INSERT INTO outbox (id, body, created_at) VALUES (?, ?, ?)", w.id, JSON.stringify(w), now());
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('state', ?)", JSON.stringify(state));
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('mirror_pending', '1')");
      this.setDue("expiry", state.status === "sent" && state.expiresAt ? Date.parse(state.expiresAt) : null);
      this.setDue("reminder", machine.nextAutomaticReminderAt(state));
      this.setDue("expiry_warning", machine.nextExpiryWarningAt(state));
      if (state.finalisation !== "pending") this.setDue("finalise_check", null);
      else if (first.intents.some((i) => i.kind === "finalise")) this.setDue("finalise_check", Date.now() + FINALISE_CHECK_MS);
      this.scheduleAlarm();
      return state;
    });
  }

  /** Turns an intent into queue messages; an invitation gets a fresh link whose token is never stored. */
  private resolveIntent(state: EnvelopeState, intent: Intent): { state: EnvelopeState; events: machine.EventDraft[]; messages: QueueMessage[] } {
    const base = { v: 1 as const, id: newId("msg"), envelopeId: state.id, orgId: state.orgId };
    switch (intent.kind) {
      case "invite": {
        const { issued, recipient: r, token } = withFreshLink(state, intent.recipientId, { reminder: intent.reminder === true });
        return {
          state: issued.state,
          events: issued.events,
          messages: [{
            ...base,
            type: "invite",
            recipientId: r.id,
            to: r.email,
            name: r.name,
            locale: r.locale,
            title: state.title,
            senderName: state.sender.name,
            message: state.message,
            token,
            ...(intent.reminder ? { reminder: true } : {}),
          }],
        };
      }
      case "finalise":
        this.rememberFinaliseMessage(base.id);
        return { state, events: [], messages: [{ ...base, type: "finalise" }] };
      case "completed": {
        const { issued, recipient: r, token } = withFreshLink(state, intent.recipientId);
        const availableUntil = deletionDate(state.status, state.endedAt, retentionPolicy(this.env));
        return {
          state: issued.state,
          events: issued.events,
          messages: [{
            ...base,
            type: "completed",
            recipientId: r.id,
            to: r.email,
            name: r.name,
            locale: r.locale,
            title: state.title,
            token,
            ...(availableUntil ? { availableUntil, timeZone: state.timeZone } : {}),
          }],
        };
      }
      case "expiry_warning": {
        const { issued, recipient: r, token } = withFreshLink(state, intent.recipientId, { expiryWarning: true });
        return {
          state: issued.state,
          events: issued.events,
          messages: [{
            ...base,
            type: "expiry_warning",
            recipientId: r.id,
            to: r.email,
            name: r.name,
            locale: r.locale,
            title: state.title,
            senderName: state.sender.name,
            expiresAt: state.expiresAt!,
            timeZone: state.timeZone,
            token,
          }],
        };
      }
      case "cancelled": {
        const r = state.recipients.find((x) => x.id === intent.recipientId)!;
        return {
          state,
          events: [],
          messages: [{
            ...base,
            type: "cancelled",
            recipientId: r.id,
            to: r.email,
            name: r.name,
            locale: r.locale,
            title: state.title,
            senderName: state.sender.name,
            reason: intent.reason,
          }],
        };
      }
      case "finalisation_failed":
        return {
          state,
          events: [],
          messages: [{
            ...base,
            type: "finalisation_failed",
            to: state.sender.email,
            name: state.sender.name,
            locale: state.sender.locale,
            title: state.title,
            reason: intent.reason,
          }],
        };
      case "deletion_warning":
        return {
          state,
          events: [],
          messages: [{
            ...base,
            type: "deletion_warning",
            to: state.sender.email,
            name: state.sender.name,
            locale: state.sender.locale,
            title: state.title,
            completed: state.status === "completed",
            deletesAt: intent.deletesAt,
            daysLeft: daysUntil(now(), intent.deletesAt),
            timeZone: state.timeZone,
          }],
        };
      case "send_code": {
        const r = state.recipients.find((x) => x.id === intent.recipientId)!;
        const to = intent.channel === "sms" ? r.phone! : r.email;
        return {
          state,
          events: [],
          messages: [{
            ...base,
            type: "code",
            recipientId: r.id,
            channel: intent.channel,
            to,
            locale: r.locale,
            code: intent.code,
            expiresInMinutes: intent.expiresInMinutes,
            title: state.title,
          }],
        };
      }
      case "declined": {
        const r = state.recipients.find((x) => x.id === intent.declinedBy)!;
        return {
          state,
          events: [],
          messages: [{
            ...base,
            type: "declined",
            to: state.sender.email,
            locale: state.sender.locale,
            title: state.title,
            declinedByName: r.name,
            reason: r.declineReason ?? "",
          }],
        };
      }
    }
  }

  /** The safety net for a finalisation job lost to a crash or the dead-letter queue. */
  private requeueFinalisation(): void {
    this.ctx.storage.transactionSync(() => {
      const state = this.load();
      if (state?.finalisation !== "pending") return this.setDue("finalise_check", null);
      const message: QueueMessage = { v: 1, id: newId("msg"), envelopeId: state.id, orgId: state.orgId, type: "finalise" };
      this.rememberFinaliseMessage(message.id);
      this.sql.exec("INSERT INTO outbox (id, body, created_at) VALUES (?, ?, ?)", message.id, JSON.stringify(message), now());
      this.setDue("finalise_check", Date.now() + FINALISE_CHECK_MS);
    });
  }

  /** The finalisation job's queue messages since completion was decided or last retried (for dead letters). */
  private finaliseMessageIds(): string[] {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'finalise_messages'").toArray()[0];
    return row ? (JSON.parse(row.v) as string[]) : [];
  }

  private rememberFinaliseMessage(id: string): void {
    // The alarm re-queues every 10 minutes while pending: the newest few are enough.
    const ids = [...this.finaliseMessageIds(), id].slice(-20);
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('finalise_messages', ?)", JSON.stringify(ids));
  }

  private load(): EnvelopeState | null {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").toArray()[0];
    return row ? machine.upgradeState(JSON.parse(row.v) as EnvelopeState) : null;
  }

  /** The code ledger stays in this object's storage: its salted hashes never leave it. */
  private codeLedger(): otp.CodeLedger {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'codes'").toArray()[0];
    return row ? (JSON.parse(row.v) as otp.CodeLedger) : otp.emptyLedger();
  }

  private saveCodeLedger(ledger: otp.CodeLedger): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('codes', ?)", JSON.stringify(ledger));
  }

  private require(): EnvelopeState {
    const state = this.load();
    if (!state) throw new DomainError("not_found", "No such envelope");
    return state;
  }

  private head(): { seq: number; hash: string } {
    const row = this.sql.exec<{ seq: number; hash: string }>("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").toArray()[0];
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  private setDue(kind: DueKind, at: number | null): void {
    if (at === null) this.sql.exec("DELETE FROM due WHERE kind = ?", kind);
    else this.sql.exec("INSERT OR REPLACE INTO due (kind, at) VALUES (?, ?)", kind, at);
  }

  /** One alarm per object: always set to the earliest due time. */
  private scheduleAlarm(): void {
    const row = this.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM due").one();
    if (row.at === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(row.at);
  }

  /** Delivers the outbox to the queue and refreshes the D1 projection; one flush at a time. */
  private flush(): Promise<void> {
    // Chained, not shared: a caller whose change arrived during a running flush gets a flush of its own.
    const run = (this.flushing ?? Promise.resolve()).then(() => this.deliver());
    this.flushing = run;
    return run;
  }

  private async deliver(): Promise<void> {
    try {
      const rows = this.sql.exec<{ id: string; body: string }>("SELECT id, body FROM outbox ORDER BY created_at, id").toArray();
      if (rows.length > 0) {
        // Finalisation jobs go to the PDF service's queue, everything else to notifications.
        const bodies = rows.map((r) => JSON.parse(r.body) as { type?: string });
        const finalise = bodies.filter((b) => b.type === "finalise");
        const notify = bodies.filter((b) => b.type !== "finalise");
        if (finalise.length > 0) await this.env.FINALISATION.sendBatch(finalise.map((body) => ({ body, contentType: "json" as const })));
        if (notify.length > 0) await this.env.NOTIFICATIONS.sendBatch(notify.map((body) => ({ body, contentType: "json" as const })));
        for (const r of rows) this.sql.exec("DELETE FROM outbox WHERE id = ?", r.id);
      }
      if (this.mirrorPending()) {
        const mirrored = Number(this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'mirrored_seq'").toArray()[0]?.v ?? 0);
        const state = this.require();
        const newEvents = this.sql
          .exec<{ body: string }>("SELECT body FROM events WHERE seq > ? ORDER BY seq", mirrored)
          .toArray()
          .map((r) => JSON.parse(r.body) as ChainedEvent);
        await mirrorEnvelope(database(this.env.DB), state, newEvents);
        const last = newEvents.at(-1)?.seq ?? mirrored;
        this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('mirrored_seq', ?)", String(last));
        // A change made while we were writing to D1 leaves the flag for the next flush.
        if (this.load()?.version === state.version) this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('mirror_pending', '0')");
      }
      if (this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n > 0 || this.mirrorPending()) {
        this.setDue("retry", Date.now() + RETRY_MS);
        this.scheduleAlarm();
      }
    } catch (error) {
      console.error(JSON.stringify({ msg: "envelope flush failed; will retry", envelopeId: this.load()?.id, error: String(error) }));
      this.setDue("retry", Date.now() + RETRY_MS);
      this.scheduleAlarm();
    }
  }

  private mirrorPending(): boolean {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'mirror_pending'").toArray()[0]?.v === "1";
  }
}

function refusal(error: DomainError): CommandResult {
  return { ok: false, code: error.code, message: error.message, details: error.details };
}

function now(): string {
  return new Date().toISOString();
}

/** A new random link for a recipient: the state keeps its hash, the message carries the token. */
function withFreshLink(state: EnvelopeState, recipientId: string, opts: { reminder?: boolean; expiryWarning?: boolean } = {}) {
  const token = randomToken();
  const issued = machine.issueLink(state, recipientId, hashToken(token), now(), opts);
  const recipient = issued.state.recipients.find((x) => x.id === recipientId)!;
  return { issued, recipient, token };
}
