import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifySeal } from "../../src/pdf/verify-seal";
import { TimestampError } from "../../src/pdf/timestamp";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { finaliseEnvelope } from "../../src/services/finalise-envelope";
import { sealDocument } from "../../src/services/seal";
import { createEnvelope, newSender, newSigner, sendEnvelope } from "../support/flows";
import { makePdf } from "../support/pdf";
import { createTestTsa } from "../support/tsa";

describe("the seal with a timestamp authority configured (PAdES-B-T)", () => {
  it("carries a timestamp the authority signed, and stays valid", async () => {
    const tsa = await createTestTsa();
    const sealed = await sealDocument({ ...env, TSA_URL: "https://tsa.example/" }, await makePdf(2), "test", (input, init) => tsa.handle(new Request(input, init)));
    expect(tsa.requests).toBe(1);
    const seal = await verifySeal(sealed);
    expect(seal.sealed && seal.valid && seal.coversWholeFile).toBe(true);
    if (!seal.sealed) throw new Error("not sealed");
    // The authority's time, checked against this signature value.
    expect(Math.abs(Date.parse(seal.timestamp!.genTime) - Date.now())).toBeLessThan(60_000);
    expect(seal.timestamp!.tsaSubject).toMatch(/CN=/);
  });

  it("has no timestamp when no authority is configured", async () => {
    const seal = await verifySeal(await sealDocument({ ...env, TSA_URL: undefined }, await makePdf(1), "test"));
    expect(seal.sealed && seal.valid && seal.timestamp === null).toBe(true);
  });

  it("refuses to seal rather than embed a time no authority signed", async () => {
    const tsa = await createTestTsa({ mode: "wrongNonce" });
    await expect(
      sealDocument({ ...env, TSA_URL: "https://tsa.example/" }, await makePdf(1), "test", (input, init) => tsa.handle(new Request(input, init))),
    ).rejects.toBeInstanceOf(TimestampError);
  });

  it("leaves the envelope waiting (not completed) while the authority cannot be reached, so the queue retries", async () => {
    const sender = await newSender();
    const signer = newSigner("Tsa Waiting");
    const { path, id } = await createEnvelope(sender.client, { signers: [signer] });
    await sendEnvelope(sender.client, path);
    const stub = envelopeStub(env, id);
    const state = (await stub.getState())!;
    await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: signer.name, context: { ip: null, userAgent: null } }));
    // .invalid never resolves: the authority is unreachable.
    await expect(finaliseEnvelope({ ...env, TSA_URL: "https://tsa.pactly.invalid/" }, id)).rejects.toThrow();
    const after = (await stub.getState())!;
    expect(after.finalisation === "pending" || after.status === "completed").toBe(true);
    if (after.status === "completed") {
      // Only the queue's own attempt (without the authority, as this deployment is configured) can have completed it.
      expect(after.signedDocument).not.toBeNull();
    }
  });
});
