/**
 * GET /api/v1/audit-log: the key's organisation's audit log, newest first, a page at a
 * time, with the same filters as the settings page. Needs the `read` scope and a key
 * made by someone who may read the log; another organisation's entries never appear.
 */
import { Hono } from "hono";
import { z } from "zod";
import { auditActions, auditFilterSchema } from "../domain/audit";
import { DomainError } from "../domain/errors";
import { auditPage, canReadAuditLog } from "../services/audit";
import { database } from "../storage/db";
import { validationProblem } from "./body";
import type { ApiEnv } from "./context";

export const auditLogApiRoutes = new Hono<ApiEnv>();

const LIMIT_MESSAGE = "limit must be a whole number from 1 to 100";
export const auditPagingSchema = z.object({
  limit: z.coerce.number({ error: LIMIT_MESSAGE }).int(LIMIT_MESSAGE).min(1, LIMIT_MESSAGE).max(100, LIMIT_MESSAGE).default(50),
  cursor: z.string().regex(/^\d{1,12}$/, "cursor must be the nextCursor of a previous page").optional(),
});

export const auditEntrySchema = z.object({
  id: z.string(),
  seq: z.number().int().describe("Position in the organisation's chain, from 1"),
  at: z.string().describe("UTC time, ISO 8601"),
  actor: z.object({
    type: z.enum(["user", "apikey", "system", "anonymous"]),
    id: z.string().nullable().describe("User id or API key id"),
    label: z.string().nullable().describe("The user's email or the key's prefix, as at the time"),
  }),
  action: z.enum(auditActions),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  prevHash: z.string().describe("SHA-256 (hex) of the previous entry"),
  hash: z.string().describe("SHA-256 (hex) of this entry's canonical JSON without hash"),
});

export const auditLogPageSchema = z.object({
  data: z.array(auditEntrySchema),
  nextCursor: z.string().nullable().describe("Pass as cursor for the next (older) page; null on the last page"),
});

auditLogApiRoutes.get("/", async (c) => {
  const db = database(c.env.DB);
  const user = c.get("principal").user;
  if (!(await canReadAuditLog(db, user))) throw new DomainError("forbidden", "This API key's creator may not read the audit log");
  const query = c.req.query();
  const paging = auditPagingSchema.safeParse(query);
  const filter = auditFilterSchema.safeParse({ action: query.action, actor: query.actor, from: query.from, to: query.to });
  if (!paging.success || !filter.success) {
    return validationProblem(c, new z.ZodError([...(paging.error?.issues ?? []), ...(filter.error?.issues ?? [])]), 400);
  }
  const page = await auditPage(db, user.orgId, filter.data, { beforeSeq: paging.data.cursor ? Number(paging.data.cursor) : undefined, limit: paging.data.limit });
  return c.json({ data: page.entries, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) });
});
