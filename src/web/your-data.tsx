/**
 * "Your data" (/account/data): the archive of everything Pactly holds about the signed-in
 * person, and deleting the account (/account/delete). Both re-authenticate first: a
 * stolen session alone must not take all documents out or destroy the account.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { AccountDeletedPage, DeleteAccountPage, YourDataPage } from "../../templates/pages/your-data";
import type { CodeKind } from "../../templates/pages/account";
import type { FieldErrors } from "../../templates/view";
import { accountDeletionPlan, deleteAccount, deleteAccountSchema } from "../services/account-deletion";
import { currentPassword, passwordMatches, type SessionUser } from "../services/accounts";
import { audit } from "../services/audit";
import { accountArchive } from "../services/data-export";
import { twoFactorStatus } from "../services/two-factor";
import { database } from "../storage/db";
import type { AppEnv } from "./context";
import { clientInfo, codeKind, fieldErrors, rateLimit, signedIn, stringFields, view } from "./helpers";
import { clearSessionCookie } from "./middleware/session";

/** Mounted under /account, after its requireUser. */
export const yourDataRoutes = new Hono<AppEnv>();


const exportSchema = z.object({ password: currentPassword });

yourDataRoutes.get("/data", (c) => c.html(<YourDataPage view={view(c)} />));

/** The archive is the answer to the form: streamed as it is built, never stored. */
yourDataRoutes.post("/data/export", async (c) => {
  const user = signedIn(c.get("user"));
  const parsed = exportSchema.safeParse(stringFields(await c.req.parseBody()));
  if (!parsed.success) return c.html(<YourDataPage view={view(c)} errors={fieldErrors(parsed.error)} />, 422);
  // Before hashing the password: per account and per address.
  await rateLimit(c, "reauth-user", user.id);
  await rateLimit(c, "reauth-ip", clientInfo(c).ip ?? "unknown");
  const db = database(c.env.DB);
  if (!(await passwordMatches(db, user.id, parsed.data.password))) {
    return c.html(<YourDataPage view={view(c)} errors={{ password: "account.error.currentPasswordWrong" }} />, 422);
  }
  const archive = await accountArchive(c.env, db, user.id);
  await audit(db, { user, action: "data.exported", target: { type: "user", id: user.id }, client: clientInfo(c), details: { envelopes: archive.envelopeCount } });
  return new Response(archive.stream, {
    headers: {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="${archive.filename}"`,
      "Cache-Control": "no-store",
    },
  });
});


async function deletePage(c: Context<AppEnv>, user: SessionUser, kind: CodeKind, errors?: FieldErrors, status: 200 | 409 | 422 | 429 = 200, headers?: Record<string, string>) {
  const db = database(c.env.DB);
  const [plan, twoFactor] = await Promise.all([accountDeletionPlan(c.env, db, user.id), twoFactorStatus(db, user.id)]);
  return c.html(<DeleteAccountPage view={view(c)} email={user.email} plan={plan} twoFactor={twoFactor.state === "on"} kind={kind} errors={errors} />, status, headers);
}

yourDataRoutes.get("/delete", (c) => deletePage(c, signedIn(c.get("user")), codeKind(c.req.query("kind"))));

yourDataRoutes.post("/delete", async (c) => {
  const user = signedIn(c.get("user"));
  const values = stringFields(await c.req.parseBody());
  const kind = codeKind(values.kind);
  const parsed = deleteAccountSchema.safeParse(values);
  if (!parsed.success) return deletePage(c, user, kind, fieldErrors(parsed.error), 422);
  await rateLimit(c, "reauth-user", user.id);
  await rateLimit(c, "reauth-ip", clientInfo(c).ip ?? "unknown");
  const outcome = await deleteAccount(c.env, database(c.env.DB), user, parsed.data, clientInfo(c));
  if (!outcome.ok) {
    // Blocked: the page lists what to do first (it may have changed since the page was shown).
    if (outcome.reason === "blocked") return deletePage(c, user, kind, undefined, 409);
    const errors = { [outcome.field]: outcome.message };
    return outcome.retryAfterSeconds
      ? deletePage(c, user, kind, errors, 429, { "Retry-After": String(outcome.retryAfterSeconds) })
      : deletePage(c, user, kind, errors, 422);
  }
  clearSessionCookie(c);
  return c.redirect("/goodbye", 303);
});

/** Public: the browser is no longer signed in when it lands here. */
export const goodbyeRoutes = new Hono<AppEnv>();
goodbyeRoutes.get("/", (c) => c.html(<AccountDeletedPage view={view(c)} />));
