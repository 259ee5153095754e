/**
 * What deleting an account does, decided before anything is touched, so the page can
 * state it and the deletion can follow the same plan. Pure: no bindings.
 *
 * The rules:
 * - An organisation the person owns together with other members is not deleted under
 *   them: ownership must be transferred (or the organisation deleted) first.
 * - Envelopes out for signing have people waiting on them: they must be cancelled (the
 *   signers are told why) or finished first.
 * - Drafts are deleted at once: nobody else has seen them.
 * - Ended agreements stay until their usual deletion date, because they are the other
 *   parties' records too (their download links keep working), then retention deletes them.
 * - Organisations owned alone go with the account; other memberships simply end, and the
 *   envelopes sent there stay with the organisation.
 */
import { deletionDate, type RetentionPolicy } from "./retention";
import type { Role } from "./permissions";

export type MembershipFact = { orgId: string; name: string; personal: boolean; role: Role; otherMembers: number };

/** One envelope the person sent, anywhere, that retention has not yet deleted. */
export type OwnedEnvelopeFact = { id: string; orgId: string; status: string; endedAt: string | null };

export type DeletionBlocker =
  | { kind: "shared_organisation"; orgId: string; name: string; otherMembers: number }
  | { kind: "out_for_signing"; count: number };

export type DeletionPlan = {
  blockers: DeletionBlocker[];
  /** Organisations deleted with the account: the personal workspace is not listed (it always goes). */
  organisationsDeleted: { orgId: string; name: string }[];
  /** Organisations the person leaves; what they sent there stays with the organisation. */
  organisationsLeft: { orgId: string; name: string; role: Role }[];
  /** Drafts deleted at once (envelope ids, with their organisation). */
  drafts: { id: string; orgId: string }[];
  /** Ended agreements in workspaces that go with the account, kept for the other parties until `keptUntil` at the latest. */
  agreementsKept: number;
  keptUntil: string | null;
};

export function planAccountDeletion(input: { memberships: MembershipFact[]; envelopes: OwnedEnvelopeFact[]; policy: RetentionPolicy }): DeletionPlan {
  const blockers: DeletionBlocker[] = [];
  const organisationsDeleted: DeletionPlan["organisationsDeleted"] = [];
  const organisationsLeft: DeletionPlan["organisationsLeft"] = [];
  const goesWithAccount = new Set<string>();

  for (const m of input.memberships) {
    if (m.personal) {
      goesWithAccount.add(m.orgId);
    } else if (m.role !== "owner") {
      organisationsLeft.push({ orgId: m.orgId, name: m.name, role: m.role });
    } else if (m.otherMembers > 0) {
      blockers.push({ kind: "shared_organisation", orgId: m.orgId, name: m.name, otherMembers: m.otherMembers });
    } else {
      goesWithAccount.add(m.orgId);
      organisationsDeleted.push({ orgId: m.orgId, name: m.name });
    }
  }

  // Envelopes left behind in an organisation the person was removed from are that
  // organisation's now: they neither block the deletion nor go with it.
  const member = new Set(input.memberships.map((m) => m.orgId));
  const envelopes = input.envelopes.filter((e) => member.has(e.orgId));
  const outForSigning = envelopes.filter((e) => e.status === "sent").length;
  if (outForSigning > 0) blockers.push({ kind: "out_for_signing", count: outForSigning });

  const drafts = envelopes.filter((e) => e.status === "draft").map(({ id, orgId }) => ({ id, orgId }));
  const kept = envelopes
    .filter((e) => goesWithAccount.has(e.orgId))
    .map((e) => deletionDate(e.status, e.endedAt, input.policy))
    .filter((d): d is string => d !== null)
    .sort();

  return { blockers, organisationsDeleted, organisationsLeft, drafts, agreementsKept: kept.length, keptUntil: kept.at(-1) ?? null };
}

/** The address a deleted account's row is left with: unique, never deliverable (RFC 2606's .invalid), free for a new sign-up of the old one. */
export function deletedAccountEmail(userId: string): string {
  return `deleted-${userId}@deleted.invalid`;
}
