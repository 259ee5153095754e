// Static assets are served without running the Worker, so their security headers
// come from static/_headers. Only wrangler dev (not the vitest pool) shows this.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL } from "./browser.mjs";

for (const asset of ["/app.css", "/favicon.svg", "/htmx-2.0.11.min.js", "/upload-progress.js"]) {
  test(`${asset} is served with strict security headers of its own`, async () => {
    const res = await fetch(`${BASE_URL}${asset}`);
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /base-uri 'none'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "same-origin");
    assert.match(res.headers.get("strict-transport-security") ?? "", /max-age=\d{7,}/);
    assert.ok(res.headers.get("permissions-policy"));
  });
}

test("the self-hosted htmx is the pinned version from package.json", async () => {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.equal(pkg.dependencies["htmx.org"], "2.0.11");
  const served = await (await fetch(`${BASE_URL}/htmx-2.0.11.min.js`)).text();
  const installed = readFileSync(new URL("../../node_modules/htmx.org/dist/htmx.min.js", import.meta.url), "utf8");
  assert.equal(served, installed);
});
