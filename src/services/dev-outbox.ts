/** Local development's outbox: the messages a real email or SMS provider would have sent. */
import type { Db } from "../storage/db";
import { listOutbox, type OutboxMessage, outboxMessage } from "../storage/outbox";

/** The latest 200 messages, newest first. */
export async function outboxMessages(db: Db): Promise<OutboxMessage[]> {
  return listOutbox(db);
}

export async function outboxMessageById(db: Db, id: string): Promise<OutboxMessage | null> {
  return outboxMessage(db, id);
}
