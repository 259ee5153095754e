import { describe, expect, it } from "vitest";
import { translator } from "../../src/i18n";
import { ErrorSummary } from "../../templates/components/form";

const t = translator("en");
const render = (props: Parameters<typeof ErrorSummary>[0]) => String(ErrorSummary(props) ?? "");

describe("the error summary", () => {
  it("renders nothing when there is nothing to say", () => {
    expect(render({ t, errors: {}, order: ["name"] })).toBe("");
    expect(render({ t, items: [] })).toBe("");
  });

  it("links each field's error in the page's order, focused on load, with the alert inside", () => {
    const html = render({ t, errors: { email: "signup.error.name", name: "signup.error.name" }, order: ["name", "email", "password"] });
    expect(html).toMatch(/^<div class="error-summary" tabindex="-1" autofocus="" aria-labelledby="error-summary-title"><div role="alert"><h2 id="error-summary-title">There is a problem<\/h2>/);
    expect([...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1])).toEqual(["name", "email"]);
  });

  it("lists messages with parameters after the field errors, escaped", () => {
    const html = render({ t, errors: { name: "signup.error.name" }, order: ["name"], items: [{ field: "loan-amount", key: "agreement.error.required", params: { field: "<b>the amount</b>" } }] });
    expect(html).toContain('<li><a href="#name">Enter your full name</a></li><li><a href="#loan-amount">Answer &lt;b&gt;the amount&lt;/b&gt;</a></li>');
  });

  it("says a problem no field can fix in a paragraph, under its own heading, leaving the focus to another summary", () => {
    const html = render({ t, heading: "builder.refused.heading", headingId: "refusal-title", autofocus: false, children: "Already sent" });
    expect(html).toBe('<div class="error-summary" tabindex="-1" aria-labelledby="refusal-title"><div role="alert"><h2 id="refusal-title">This could not be done</h2>Already sent</div></div>');
  });
});
