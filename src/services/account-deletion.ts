/**
 * Deleting an account, on the person's own request. The plan (domain/account-deletion)
 * is what the page states; the deletion follows the same plan, after re-authentication.
 *
 * Order matters for a crash part-way: audit entries first (they name the person as they
 * were), then drafts and organisations owned alone (each step can run again), and last
 * the one batch that erases the account and ends every session. Until that batch runs,
 * the person can still log in and press the button again.
 */
import { z } from "zod";
import { planAccountDeletion, type DeletionPlan, type MembershipFact } from "../domain/account-deletion";
import { DomainError } from "../domain/errors";
import { retentionPolicy } from "../domain/retention";
import type { Env } from "../env";
import { eraseAccount, membershipFacts, ownedEnvelopeFacts } from "../storage/account-deletion";
import { findUserById } from "../storage/accounts";
import type { Db } from "../storage/db";
import { deleteOrganisationRows } from "../storage/organisations";
import { sendAccountDeletedNotice } from "./account-security";
import type { ClientInfo } from "../domain/client-info";
import { currentPassword, type SessionUser } from "./accounts";
import { audit } from "./audit";
import { depsFor } from "./deps";
import { discardDraft } from "./envelopes/delete-draft";
import { reauthenticate, twoFactorDeps, type ReauthOutcome } from "./two-factor";

export const deleteAccountSchema = z.object({
  password: currentPassword,
  code: z.string().trim().max(40, "twoFactor.error.codeFormat").optional(),
  confirm: z.literal("yes", "yourData.error.confirm"),
});

/** The plan and the memberships it was made from, read once. */
async function planFor(env: Env, db: Db, userId: string): Promise<{ plan: DeletionPlan; memberships: MembershipFact[] }> {
  const [memberships, envelopes] = await Promise.all([membershipFacts(db, userId), ownedEnvelopeFacts(db, userId)]);
  return { plan: planAccountDeletion({ memberships, envelopes, policy: retentionPolicy(env) }), memberships };
}

export async function accountDeletionPlan(env: Env, db: Db, userId: string): Promise<DeletionPlan> {
  return (await planFor(env, db, userId)).plan;
}

export type DeleteAccountOutcome = { ok: true } | { ok: false; reason: "blocked"; plan: DeletionPlan } | (Extract<ReauthOutcome<null>, { ok: false }> & { reason: "reauth" });

export async function deleteAccount(env: Env, db: Db, user: SessionUser, input: z.infer<typeof deleteAccountSchema>, client: ClientInfo): Promise<DeleteAccountOutcome> {
  const { plan, memberships } = await planFor(env, db, user.id);
  if (plan.blockers.length > 0) return { ok: false, reason: "blocked", plan };
  const checked = await reauthenticate(twoFactorDeps(env), user.id, input);
  if (!checked.ok) return { ...checked, reason: "reauth" };
  const account = await findUserById(db, user.id);
  if (!account) throw new DomainError("not_found", "No such user");

  for (const m of memberships) {
    await audit(db, { userId: user.id, orgId: m.orgId, action: "account.deleted", target: { type: "user", id: user.id }, client, details: { organisationDeleted: m.personal || plan.organisationsDeleted.some((o) => o.orgId === m.orgId) } });
  }
  const roleIn = new Map(memberships.map((m) => [m.orgId, m.role]));
  const { envelopeObject, documents } = depsFor(env);
  const drafts = { db, envelopeObject, documents };
  for (const draft of plan.drafts) {
    // The draft is deleted as its sender, in the organisation it belongs to.
    await discardDraft(drafts, { ...user, orgId: draft.orgId, role: roleIn.get(draft.orgId) ?? "user" }, { envelopeId: draft.id });
  }
  const at = new Date().toISOString();
  // The personal workspace loses its access (keys, webhooks, settings) like an organisation owned alone; its row stays until its envelopes are deleted.
  for (const orgId of [account.personalOrgId, ...plan.organisationsDeleted.map((o) => o.orgId)]) await deleteOrganisationRows(db, orgId, at);
  await eraseAccount(db, user.id, at);
  await sendAccountDeletedNotice({ db, queue: env.NOTIFICATIONS }, account);
  return { ok: true };
}
