/** What the organisation page shows a member: the organisation, their role, members and invitations. */
import type { Role } from "./permissions";

export type MemberView = { userId: string; name: string; email: string; role: Role; since: string };
export type InvitationView = { id: string; email: string; role: Exclude<Role, "owner">; expiresAt: string };

export type OrganisationOverview = {
  organisation: { id: string; name: string; personal: boolean; requireTwoFactor: boolean };
  role: Role;
  memberships: { id: string; name: string; personal: boolean; role: Role }[];
  members: MemberView[];
  invitations: InvitationView[];
};
