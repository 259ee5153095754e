/**
 * Organisations for integration tests, built through the real pages: an owner creates
 * the organisation, invites each member by email, and each member accepts the link.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Role } from "../../src/domain/permissions";
import type { Client } from "./client";
import { newSender, waitForMessage } from "./flows";

export type Member = { client: Client; email: string; userId: string; role: Role };
export type Organisation = { id: string; name: string; members: Record<Role, Member> };

export async function userIdOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
  return row!.id;
}

export async function createOrganisationAs(client: Client, name: string): Promise<string> {
  const { csrf } = await client.page("/settings/organisation");
  const res = await client.post("/settings/organisation/create", { name }, csrf);
  expect(res.status).toBe(303);
  const row = await env.DB.prepare("SELECT id FROM organisations WHERE name = ? ORDER BY created_at DESC").bind(name).first<{ id: string }>();
  return row!.id;
}

/** Sends an invitation from `inviter`'s active organisation; returns the link's path (/invitations/<token>). */
export async function invite(inviter: Client, email: string, role: Exclude<Role, "owner">): Promise<string> {
  const { csrf } = await inviter.page("/settings/organisation");
  const res = await inviter.post("/settings/organisation/invite", { email, role }, csrf);
  expect(res.status).toBe(303);
  const message = await waitForMessage(inviter, email, "invited");
  expect(message.link).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}$/);
  return new URL(message.link!).pathname;
}

/** Opens an invitation link (GET changes nothing) and confirms it (POST). */
export async function accept(member: Client, linkPath: string): Promise<Response> {
  const { res, csrf } = await member.page(linkPath);
  expect(res.status).toBe(200);
  return member.post(linkPath, {}, csrf);
}

/** An organisation with one member of each role, each signed in and working in it. */
export async function organisationWithEveryRole(name: string): Promise<Organisation> {
  const owner = await newSender(`${name} Owner`);
  const id = await createOrganisationAs(owner.client, name);
  const members = { owner: { ...owner, userId: await userIdOf(owner.email), role: "owner" } } as Record<Role, Member>;
  for (const role of ["admin", "manager", "user"] as const) {
    const person = await newSender(`${name} ${role}`);
    const accepted = await accept(person.client, await invite(owner.client, person.email, role));
    expect(accepted.status).toBe(303);
    members[role] = { ...person, userId: await userIdOf(person.email), role };
  }
  return { id, name, members };
}
