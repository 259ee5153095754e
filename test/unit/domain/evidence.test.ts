import { describe, expect, it } from "vitest";
import * as m from "../../../src/domain/envelope";
import {
  buildEvidenceBundle,
  CHAIN_ALGORITHM,
  EVIDENCE_SCHEMA,
  EVIDENCE_VERSION,
  evidenceBundleSchema,
  evidenceFilename,
  serialiseEvidenceBundle,
  verifyEvidenceBundle,
} from "../../../src/domain/evidence";
import { type ChainedEvent, chain, GENESIS_HASH } from "../../../src/domain/event-chain";

const sender: m.Actor = { kind: "sender", userId: "usr_1" };
const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 12, minute)).toISOString();
const expiresAt = new Date(Date.UTC(2026, 11, 22)).toISOString();
const docSha = "ab".repeat(32);

/** Runs the real state machine: create, two signers and a cc, send, both sign. */
function completedEnvelope(): { state: m.EnvelopeState; events: ChainedEvent[] } {
  const drafts: m.EventDraft[] = [];
  const apply = (t: m.Transition) => {
    drafts.push(...t.events);
    return t.state;
  };
  let state = apply(
    m.createEnvelope(
      {
        id: "env_1",
        orgId: "org_1",
        ownerId: "usr_1",
        sender: { name: "Sender", email: "sender@example.com", locale: "nb" },
        title: "Lån mellom venner",
        message: "Private note to the signers",
        document: { id: "doc_1", sha256: docSha, pages: 2, size: 1000, filename: "lån.pdf" },
        signingOrder: "sequential",
        timeZone: "Europe/Oslo",
        createdAt: at(0),
      },
      sender,
    ),
  );
  state = apply(m.addRecipient(state, { id: "rcp_1", name: "Łukasz Ørjansen", email: "l@example.com", role: "signer", method: "email_link", locale: "nb" }, sender, at(1)));
  state = apply(m.addRecipient(state, { id: "rcp_2", name: "Дмитрий", email: "d@example.com", role: "signer", method: "email_otp", locale: "en" }, sender, at(1)));
  state = apply(m.addRecipient(state, { id: "rcp_3", name: "Copy", email: "c@example.com", role: "cc", method: "email_link", locale: "en" }, sender, at(1)));
  state = apply(m.send(state, { actor: sender, at: at(2), expiresAt, context: { ip: "198.51.100.1", userAgent: "Sender UA" } }));
  state = apply(m.issueLink(state, "rcp_1", "secret-link-hash-1", at(2)));
  state = apply(m.sign(state, { recipientId: "rcp_1", typedName: "Łukasz Ørjansen", at: at(5), context: { ip: "203.0.113.7", userAgent: "UA 1" } }));
  state = apply(m.issueLink(state, "rcp_2", "secret-link-hash-2", at(5)));
  // A code signer identifies before signing (the code itself never reaches the state).
  state = apply(m.identify(state, { recipientId: "rcp_2", evidence: { method: "email_otp", channel: "d@example.com", at: at(9) }, at: at(9), context: { ip: "2001:db8::1", userAgent: "UA 2" } }));
  state = apply(m.sign(state, { recipientId: "rcp_2", typedName: "Dmitrij", at: at(9), context: { ip: "2001:db8::1", userAgent: "UA 2" } }));
  return { state, events: chain(state.id, drafts, { seq: 0, hash: GENESIS_HASH }) };
}

describe("evidence bundle", () => {
  const { state, events } = completedEnvelope();
  const bundle = buildEvidenceBundle(state, events, { generatedAt: at(10) });

  it("holds the envelope, the document, every recipient, every event and the chain", () => {
    expect(bundle.schema).toBe(EVIDENCE_SCHEMA);
    expect(bundle.version).toBe(EVIDENCE_VERSION);
    expect(bundle.generatedAt).toBe(at(10));
    expect(bundle.envelope).toEqual({
      id: "env_1",
      title: "Lån mellom venner",
      status: "completed", // completion decided; the signed PDF records that moment
      signingOrder: "sequential",
      timeZone: "Europe/Oslo",
      createdAt: at(0),
      sentAt: at(2),
      expiresAt,
      completedAt: at(9),
    });
    expect(bundle.document).toEqual({ filename: "lån.pdf", sha256: docSha, size: 1000, pages: 2, htmlSha256: null });
    expect(bundle.recipients.map((r) => [r.id, r.role, r.status])).toEqual([
      ["rcp_1", "signer", "signed"],
      ["rcp_2", "signer", "signed"],
      ["rcp_3", "cc", "pending"],
    ]);
    expect(bundle.recipients[1]).toEqual({
      id: "rcp_2",
      order: 2,
      role: "signer",
      name: "Дмитрий",
      email: "d@example.com",
      method: "email_otp",
      eidScheme: null,
      assuranceLevel: null,
      identification: { method: "email_otp", channel: "d@example.com", at: at(9) },
      status: "signed",
      openedAt: at(9),
      signedAt: at(9),
      declinedAt: null,
      declineReason: null,
      typedName: "Dmitrij",
      ip: "2001:db8::1",
      userAgent: "UA 2",
    });
    expect(bundle.events).toEqual(events);
    expect(bundle.chain).toEqual({ algorithm: CHAIN_ALGORITHM, head: events.at(-1)!.hash, count: events.length });
  });

  it("never carries link hashes, the sender's message or other internals", () => {
    const json = new TextDecoder().decode(serialiseEvidenceBundle(bundle));
    expect(json).not.toContain("secret-link-hash");
    expect(json).not.toContain("linkHashes");
    expect(json).not.toContain("Private note");
    expect(json).not.toContain("org_1");
    expect(json).not.toContain("doc_1");
  });

  it("records how an eID signer identified (scheme, assurance, the hash of the national id but never the number), and the HTML hash of written agreements", () => {
    const eid = {
      method: "eid" as const,
      provider: "https://broker.example",
      scheme: "no_bankid" as const,
      assurance: "urn:grn:authn:no:bankid:substantial",
      name: "Åse Nordmann",
      subject: "sub-123",
      nationalIdHash: "ab".repeat(32),
      nameMismatch: false,
      at: at(8),
    };
    const withEid = {
      ...state,
      recipients: state.recipients.map((r) => (r.id === "rcp_1" ? { ...r, method: "eid" as const, identification: eid } : r)),
    };
    const b = buildEvidenceBundle(withEid, events, { generatedAt: at(10), documentHtmlSha256: "CD".repeat(32) });
    expect(b.recipients[0]).toMatchObject({ method: "eid", eidScheme: "no_bankid", assuranceLevel: "urn:grn:authn:no:bankid:substantial", identification: eid });
    expect(b.document.htmlSha256).toBe("cd".repeat(32));
    expect(verifyEvidenceBundle(b)).toEqual({ ok: true });
  });

  it("is pure: the same input gives the same bytes", () => {
    const again = buildEvidenceBundle(state, events, { generatedAt: at(10) });
    expect(serialiseEvidenceBundle(again)).toEqual(serialiseEvidenceBundle(bundle));
  });

  it("round-trips through JSON and verifies", () => {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(serialiseEvidenceBundle(bundle)));
    expect(evidenceBundleSchema.safeParse(parsed).success).toBe(true);
    expect(verifyEvidenceBundle(parsed)).toEqual({ ok: true });
  });

  it("names the attachment after the envelope", () => {
    expect(evidenceFilename("env_01JD3X")).toBe("pactly-evidence-env_01JD3X.json");
    expect(evidenceFilename("env/../x")).toBe("pactly-evidence-env____x.json");
  });

  it("describes a draft as a draft with no completion time", () => {
    const draftState = { ...state, status: "draft" as const, finalisation: "none" as const, sentAt: null, expiresAt: null, endedAt: null };
    const b = buildEvidenceBundle(draftState, events.slice(0, 1), { generatedAt: at(10) });
    expect(b.envelope.status).toBe("draft");
    expect(b.envelope.completedAt).toBeNull();
  });
});

describe("verifyEvidenceBundle", () => {
  const { state, events } = completedEnvelope();
  const fresh = () => JSON.parse(JSON.stringify(buildEvidenceBundle(state, events, { generatedAt: at(10) })));

  const reasonOf = (bundle: unknown) => {
    const result = verifyEvidenceBundle(bundle);
    expect(result.ok).toBe(false);
    return result.ok ? "" : result.reason;
  };

  it("reports an edited event by its number", () => {
    const b = fresh();
    b.events[4].ip = "192.0.2.99";
    expect(reasonOf(b)).toMatch(/chain is broken at event 5/);
  });

  it("reports an edited event value, a removed event and an added field", () => {
    const edited = fresh();
    const signed = edited.events.findIndex((e: ChainedEvent) => e.type === "recipient_signed");
    edited.events[signed].data.typedName = "Someone else";
    expect(reasonOf(edited)).toMatch(/chain is broken/);

    const removed = fresh();
    removed.events.splice(3, 1);
    expect(reasonOf(removed)).toMatch(/chain is broken at event 5/);

    const added = fresh();
    added.events[0].note = "inserted";
    expect(reasonOf(added)).toMatch(/chain is broken at event 1/);
  });

  it("reports a head or count that does not describe the events", () => {
    const b = fresh();
    b.chain.count = 3;
    expect(reasonOf(b)).toMatch(/chain.count/);
    const c = fresh();
    c.events.pop();
    expect(reasonOf(c)).toMatch(/chain.count|chain.head/);
    const d = fresh();
    d.chain.head = "0".repeat(64);
    expect(reasonOf(d)).toMatch(/chain.head/);
  });

  it("reports a document hash that differs from the one the events recorded", () => {
    const b = fresh();
    b.document.sha256 = "ef".repeat(32);
    expect(reasonOf(b)).toMatch(/names document SHA-256/);
  });

  it("reports a recipient whose listed signature differs from the chain", () => {
    const b = fresh();
    b.recipients[0].typedName = "Forged";
    expect(reasonOf(b)).toMatch(/rcp_1's signature details differ/);
    const c = fresh();
    c.recipients[2].signedAt = at(30);
    expect(reasonOf(c)).toMatch(/rcp_3 is listed as signed/);
  });

  it("reports events of another envelope", () => {
    const b = fresh();
    b.envelope.id = "env_2";
    expect(reasonOf(b)).toMatch(/belongs to envelope env_1/);
  });

  it("refuses what is not a bundle, another version, or a schema violation", () => {
    expect(reasonOf(null)).toMatch(/not a JSON object/);
    expect(reasonOf({ hello: 1 })).toMatch(/not a Pactly evidence bundle/);
    expect(reasonOf({ ...fresh(), version: 2 })).toMatch(/unsupported evidence bundle version 2/);
    const b = fresh();
    b.document.size = -1;
    expect(reasonOf(b)).toMatch(/document.size/);
  });

  it("accepts fields it does not know outside the events, and event types added later", () => {
    const b = fresh();
    b.envelope.futureField = "x";
    expect(verifyEvidenceBundle(b)).toEqual({ ok: true });
    const later = chain("env_1", [{ type: "recipient_identified" as never, at: at(1), actor: { kind: "system" }, recipientId: null, ip: null, userAgent: null, data: {} }], {
      seq: 0,
      hash: GENESIS_HASH,
    });
    const c = { ...fresh(), recipients: [], events: later, chain: { algorithm: CHAIN_ALGORITHM, head: later[0]!.hash, count: 1 } };
    expect(verifyEvidenceBundle(c)).toEqual({ ok: true });
  });
});
