/** The plan that both states and drives an account deletion. */
import { describe, expect, it } from "vitest";
import { deletedAccountEmail, planAccountDeletion, type MembershipFact, type OwnedEnvelopeFact } from "../../src/domain/account-deletion";

const policy = { completedDays: 90, endedDays: 30 };
const personal: MembershipFact = { orgId: "org_me", name: "Me", personal: true, role: "owner", otherMembers: 0 };

function plan(memberships: MembershipFact[], envelopes: OwnedEnvelopeFact[] = []) {
  return planAccountDeletion({ memberships, envelopes, policy });
}

describe("planAccountDeletion", () => {
  it("deletes a personal workspace alone without blockers", () => {
    const p = plan([personal]);
    expect(p.blockers).toEqual([]);
    expect(p.organisationsDeleted).toEqual([]);
    expect(p.keptUntil).toBeNull();
  });

  it("refuses while the person owns an organisation that has other members", () => {
    const p = plan([personal, { orgId: "org_team", name: "Team AS", personal: false, role: "owner", otherMembers: 2 }]);
    expect(p.blockers).toEqual([{ kind: "shared_organisation", orgId: "org_team", name: "Team AS", otherMembers: 2 }]);
  });

  it("deletes an organisation the person owns alone and leaves the others", () => {
    const p = plan([
      personal,
      { orgId: "org_solo", name: "Solo", personal: false, role: "owner", otherMembers: 0 },
      { orgId: "org_firm", name: "Firm", personal: false, role: "admin", otherMembers: 5 },
    ]);
    expect(p.blockers).toEqual([]);
    expect(p.organisationsDeleted).toEqual([{ orgId: "org_solo", name: "Solo" }]);
    expect(p.organisationsLeft).toEqual([{ orgId: "org_firm", name: "Firm", role: "admin" }]);
  });

  it("refuses while envelopes are out for signing, in any organisation the person is in", () => {
    const firm: MembershipFact = { orgId: "org_firm", name: "Firm", personal: false, role: "user", otherMembers: 1 };
    const p = plan([personal, firm], [
      { id: "env_1", orgId: "org_me", status: "sent", endedAt: null },
      { id: "env_2", orgId: "org_firm", status: "sent", endedAt: null },
    ]);
    expect(p.blockers).toEqual([{ kind: "out_for_signing", count: 2 }]);
  });

  it("ignores envelopes left in an organisation the person was removed from", () => {
    const p = plan([personal], [
      { id: "env_gone", orgId: "org_old", status: "sent", endedAt: null },
      { id: "env_draft", orgId: "org_old", status: "draft", endedAt: null },
    ]);
    expect(p.blockers).toEqual([]);
    expect(p.drafts).toEqual([]);
  });

  it("deletes drafts everywhere and keeps ended agreements until their usual date", () => {
    const firm: MembershipFact = { orgId: "org_firm", name: "Firm", personal: false, role: "user", otherMembers: 1 };
    const p = plan([personal, firm], [
      { id: "env_d1", orgId: "org_me", status: "draft", endedAt: null },
      { id: "env_d2", orgId: "org_firm", status: "draft", endedAt: null },
      { id: "env_c", orgId: "org_me", status: "completed", endedAt: "2026-11-01T10:00:00.000Z" },
      { id: "env_x", orgId: "org_me", status: "cancelled", endedAt: "2026-11-20T10:00:00.000Z" },
      // Sent in the firm: stays with the firm, not counted as kept for the other parties here.
      { id: "env_f", orgId: "org_firm", status: "completed", endedAt: "2026-11-21T10:00:00.000Z" },
    ]);
    expect(p.drafts).toEqual([{ id: "env_d1", orgId: "org_me" }, { id: "env_d2", orgId: "org_firm" }]);
    expect(p.agreementsKept).toBe(2);
    // 90 days after completion is later than 30 days after the cancellation.
    expect(p.keptUntil).toBe("2027-01-30T10:00:00.000Z");
  });

  it("leaves a deleted account an address nobody can receive mail at", () => {
    expect(deletedAccountEmail("usr_abc")).toBe("deleted-usr_abc@deleted.invalid");
  });
});
