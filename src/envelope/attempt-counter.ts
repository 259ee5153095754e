/**
 * An exact per-account count of one-time-code attempts: one SQLite-backed Durable
 * Object per user id. The Workers Rate Limiting binding is approximate and per
 * location; a lock after exactly five wrong codes needs one place that sees every
 * attempt in order, which a Durable Object is (it handles one call at a time and
 * does no outside I/O between reading and writing the count).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { beginAttempt, NO_ATTEMPTS, type AttemptDecision, type AttemptState } from "../domain/totp";

export class AttemptCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS attempts (k INTEGER PRIMARY KEY CHECK (k = 1), failures INTEGER NOT NULL, window_start INTEGER NOT NULL, locked_until INTEGER)");
  }

  /** Asks to evaluate one code; counted as wrong until succeeded() says otherwise. */
  begin(): AttemptDecision {
    const { state, decision } = beginAttempt(this.read(), Date.now());
    this.write(state);
    return decision;
  }

  /** A correct code: the count starts again and any lock it set is lifted. */
  succeeded(): void {
    this.sql.exec("DELETE FROM attempts");
  }

  private read(): AttemptState {
    const row = this.sql.exec<{ failures: number; window_start: number; locked_until: number | null }>("SELECT failures, window_start, locked_until FROM attempts WHERE k = 1").toArray()[0];
    return row ? { failures: row.failures, windowStart: row.window_start, lockedUntil: row.locked_until } : NO_ATTEMPTS;
  }

  private write(state: AttemptState): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO attempts (k, failures, window_start, locked_until) VALUES (1, ?, ?, ?)",
      state.failures,
      state.windowStart,
      state.lockedUntil,
    );
  }
}
