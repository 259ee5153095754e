/** Sign-up, log-in and log-out pages. */
import { Hono } from "hono";
import { DomainError } from "../domain/errors";
import { logIn, logInSchema, logOut, signUp, signUpSchema } from "../services/accounts";
import { database } from "../storage/db";
import { HomePage, LogInPage, SignUpPage } from "../../templates/pages/auth";
import type { AppEnv } from "./context";
import { clientInfo, fieldErrors, rateLimit, stringFields, view } from "./helpers";
import { clearSessionCookie, setSessionCookie } from "./middleware/session";

export const authRoutes = new Hono<AppEnv>();

authRoutes.get("/", (c) => (c.get("user") ? c.redirect("/envelopes", 303) : c.html(<HomePage view={view(c)} />)));

authRoutes.get("/signup", (c) => c.html(<SignUpPage view={view(c)} />));

authRoutes.post("/signup", async (c) => {
  const body = await c.req.parseBody();
  const values = stringFields(body);
  const parsed = signUpSchema.safeParse(values);
  if (!parsed.success) return c.html(<SignUpPage view={view(c)} values={values} errors={fieldErrors(parsed.error)} />, 422);
  const client = clientInfo(c);
  await rateLimit(c, "signup", client.ip ?? "unknown");
  const result = await signUp(database(c.env.DB), parsed.data, client);
  if (!result.ok) return c.html(<SignUpPage view={view(c)} values={values} errors={{ email: "signup.error.taken" }} />, 409);
  setSessionCookie(c, result.token);
  return c.redirect("/envelopes", 303);
});

authRoutes.get("/login", (c) => c.html(<LogInPage view={view(c)} />));

authRoutes.post("/login", async (c) => {
  const body = await c.req.parseBody();
  const values = stringFields(body);
  const parsed = logInSchema.safeParse(values);
  if (!parsed.success) return c.html(<LogInPage view={view(c)} values={values} errors={fieldErrors(parsed.error)} />, 422);
  const client = clientInfo(c);
  // Rate limit before hashing: per address and per account.
  await rateLimit(c, "login-ip", client.ip ?? "unknown");
  await rateLimit(c, "login-email", parsed.data.email);
  const token = await logIn(database(c.env.DB), parsed.data.email, parsed.data.password, client);
  if (!token) return c.html(<LogInPage view={view(c)} values={values} errors={{ email: "login.error.invalid" }} />, 401);
  setSessionCookie(c, token);
  return c.redirect("/envelopes", 303);
});

authRoutes.post("/logout", async (c) => {
  const user = c.get("user");
  if (!user) throw new DomainError("unauthenticated");
  await logOut(database(c.env.DB), user.sessionId);
  clearSessionCookie(c);
  c.set("user", null);
  return c.html(<LogInPage view={view(c)} notice={c.get("t")("logout.done")} />);
});
