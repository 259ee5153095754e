/**
 * Who may do what inside an organisation: THE one place for the permission matrix.
 * Pure data and functions, no platform imports, so the matrix is unit-tested as a
 * table and every service asks `can(role, action)` instead of comparing role names.
 *
 * user: own envelopes; manager: every envelope in the organisation; admin: members,
 * roles, settings, API keys, webhooks, audit log; owner: everything, including
 * billing, transfer of ownership and deleting the organisation.
 */
export const roles = ["owner", "admin", "manager", "user"] as const;
export type Role = (typeof roles)[number];

export const actions = [
  "envelope.read_own",
  "envelope.read_all",
  "envelope.manage_all",
  "members.read",
  "members.manage",
  "settings.manage",
  "apikeys.manage",
  "webhooks.manage",
  "auditlog.read",
  "billing.manage",
  "org.transfer",
  "org.delete",
] as const;
export type Action = (typeof actions)[number];

const userActions: readonly Action[] = ["envelope.read_own", "members.read"];
const managerActions: readonly Action[] = [...userActions, "envelope.read_all", "envelope.manage_all"];
const adminActions: readonly Action[] = [...managerActions, "members.manage", "settings.manage", "apikeys.manage", "webhooks.manage", "auditlog.read"];
const ownerActions: readonly Action[] = [...adminActions, "billing.manage", "org.transfer", "org.delete"];

/** Each role includes every right of the roles below it. */
export const permissionMatrix: Readonly<Record<Role, ReadonlySet<Action>>> = {
  user: new Set(userActions),
  manager: new Set(managerActions),
  admin: new Set(adminActions),
  owner: new Set(ownerActions),
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return role ? permissionMatrix[role].has(action) : false;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (roles as readonly string[]).includes(value);
}

/**
 * May this member see (and act on) this envelope? Their own always; anyone else's
 * only with a role that reads every envelope of the organisation. The organisation
 * itself is checked by the caller (a foreign organisation's envelope is "not found").
 */
export function canActOnEnvelope(member: { id: string; role: Role }, envelope: { ownerId: string }): boolean {
  return envelope.ownerId === member.id || can(member.role, "envelope.manage_all");
}

/**
 * Which roles this member may give. The owner role is never given this way, only
 * by transferring ownership, so an organisation always has exactly one owner.
 */
export function assignableRoles(role: Role): Role[] {
  if (!can(role, "members.manage")) return [];
  return ["admin", "manager", "user"];
}

/** May `actor` change or remove a member who holds `target`? Nobody touches the owner this way. */
export function canManageMember(actor: Role, target: Role): boolean {
  return can(actor, "members.manage") && target !== "owner";
}
