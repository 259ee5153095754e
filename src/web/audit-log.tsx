/**
 * Settings → Audit log: the organisation's entries with filters and paging, whether the
 * chain holds, and exports as CSV and JSON (streamed a page at a time, so a long log
 * never sits in memory). Only roles with `auditlog.read` get here.
 */
import { Hono, type Context } from "hono";
import { auditFilterSchema, csvColumns, csvRow, type AuditEntry } from "../domain/audit";
import { DomainError } from "../domain/errors";
import { allAuditEntries, audit, auditPage, canReadAuditLog, verifyAuditChain, type AuditFilter } from "../services/audit";
import { database } from "../storage/db";
import { AuditLogPage } from "../../templates/pages/audit-log";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, view } from "./helpers";
import { requireUser } from "./middleware/session";

export const auditLogRoutes = new Hono<AppEnv>();
auditLogRoutes.use("*", requireUser());
auditLogRoutes.use("*", async (c, next) => {
  if (!(await canReadAuditLog(database(c.env.DB), c.get("user")!))) throw new DomainError("forbidden", "Only organisation admins read the audit log");
  await next();
});

export const AUDIT_PAGE_SIZE = 50;
const FILTER_FIELDS = ["actor", "action", "from", "to"] as const;

/** The filter fields as typed, and the query string that repeats them in links. */
function filterValues(c: Context<AppEnv>): { values: Record<string, string>; query: string } {
  const values: Record<string, string> = {};
  for (const field of FILTER_FIELDS) {
    const value = c.req.query(field)?.trim();
    if (value) values[field] = value.slice(0, 300);
  }
  return { values, query: new URLSearchParams(values).toString() };
}

auditLogRoutes.get("/", async (c) => {
  const db = database(c.env.DB);
  const user = c.get("user")!;
  const { values, query } = filterValues(c);
  const verification = await verifyAuditChain(db, user.orgId);
  const parsed = auditFilterSchema.safeParse(values);
  if (!parsed.success) {
    return c.html(<AuditLogPage view={view(c)} entries={[]} values={values} errors={fieldErrors(parsed.error)} verification={verification} filterQuery="" nextCursor={null} paged={false} />, 400);
  }
  const before = /^\d{1,12}$/.test(c.req.query("before") ?? "") ? Number(c.req.query("before")) : undefined;
  const page = await auditPage(db, user.orgId, parsed.data, { beforeSeq: before, limit: AUDIT_PAGE_SIZE });
  return c.html(<AuditLogPage view={view(c)} entries={page.entries} values={values} verification={verification} filterQuery={query} nextCursor={page.nextCursor} paged={before !== undefined} />);
});

/** Export formats: what a spreadsheet or a log pipeline reads. */
const exporters = {
  csv: {
    type: "text/csv; charset=utf-8",
    // RFC 4180 with CRLF; the byte-order mark makes spreadsheets read æøå as UTF-8.
    open: () => `\uFEFF${csvColumns.join(",")}\r\n`,
    row: (entry: AuditEntry, _first: boolean) => `${csvRow(entry)}\r\n`,
    close: () => "",
  },
  json: {
    type: "application/json; charset=utf-8",
    open: () => `{"exportedAt":${JSON.stringify(new Date().toISOString())},"entries":[`,
    row: (entry: AuditEntry, first: boolean) => `${first ? "" : ","}\n${JSON.stringify(entry)}`,
    close: () => "\n]}\n",
  },
} as const;

auditLogRoutes.get("/export.csv", (c) => exportLog(c, "csv"));
auditLogRoutes.get("/export.json", (c) => exportLog(c, "json"));

async function exportLog(c: Context<AppEnv>, format: keyof typeof exporters): Promise<Response> {
  const db = database(c.env.DB);
  const user = c.get("user")!;
  const parsed = auditFilterSchema.safeParse(filterValues(c).values);
  if (!parsed.success) throw new DomainError("validation_failed", "The filters are not valid");
  await audit(db, { user, action: "data.exported", target: { type: "audit_log", id: user.orgId }, client: clientInfo(c), details: { format } });
  const filename = `audit-log-${new Date().toISOString().slice(0, 10)}.${format}`;
  return new Response(exportStream(db, user.orgId, parsed.data, exporters[format]), {
    headers: { "Content-Type": exporters[format].type, "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" },
  });
}

function exportStream(db: ReturnType<typeof database>, orgId: string, filter: AuditFilter, format: (typeof exporters)[keyof typeof exporters]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const entries = allAuditEntries(db, orgId, filter);
  let state: "start" | "rows" | "done" = "start";
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state === "start") {
        state = "rows";
        controller.enqueue(encoder.encode(format.open()));
        return;
      }
      // One D1 page of rows per pull keeps memory flat however long the log is.
      let text = "";
      for (let n = 0; n < 500; n++) {
        const next = await entries.next();
        if (next.done) {
          controller.enqueue(encoder.encode(text + format.close()));
          controller.close();
          state = "done";
          return;
        }
        text += format.row(next.value, first);
        first = false;
      }
      controller.enqueue(encoder.encode(text));
    },
  });
}
