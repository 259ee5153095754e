/**
 * Running a request once per idempotency key: the web's forms (a key per submitted form,
 * the result kept) and the JSON API's Idempotency-Key (the whole first answer kept and
 * replayed). The keys themselves live in storage/idempotency.ts.
 */
import type { Db } from "../storage/db";
import { type ApiClaim, claimApiRequest, claimKey, completeKey, releaseApiRequest, releaseKey, storeApiReply, type StoredReply } from "../storage/idempotency";

export async function withIdempotency(
  db: Db,
  target: { orgId: string; scope: string; key: string },
  work: () => Promise<string>,
): Promise<{ result: string | null; replayed: boolean }> {
  const claim = await claimKey(db, target.orgId, target.scope, target.key);
  if (!claim.claimed) return { result: claim.result, replayed: true };
  try {
    const result = await work();
    await completeKey(db, target.orgId, target.scope, target.key, result);
    return { result, replayed: false };
  } catch (error) {
    await releaseKey(db, target.orgId, target.scope, target.key);
    throw error;
  }
}

/**
 * Claims the API key for this request and, when claimed, runs it: the reply `run` returns
 * is kept for retries; null (a failure on our side) or a throw frees the key so the retry
 * runs again. Any other claim outcome is returned without running anything.
 */
export async function onceForApiKey(
  db: Db,
  target: { orgId: string; keyHash: string; requestHash: string },
  run: () => Promise<StoredReply | null>,
): Promise<ApiClaim> {
  const claim = await claimApiRequest(db, target);
  if (claim.outcome !== "claimed") return claim;
  const key = { orgId: target.orgId, keyHash: target.keyHash };
  let reply: StoredReply | null;
  try {
    reply = await run();
  } catch (error) {
    await releaseApiRequest(db, key);
    throw error;
  }
  if (reply) await storeApiReply(db, key, reply);
  else await releaseApiRequest(db, key);
  return claim;
}
