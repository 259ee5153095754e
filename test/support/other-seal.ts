import { sealPdf } from "../../src/pdf/seal";
import { keySealSigner } from "../../src/pdf/seal-signer";
import { testSealCertificate } from "../fixtures/seal/certs";

/** Seals the bytes again with a key and certificate that are not this deployment's. */
export async function generateSealedWithOtherKey(bytes: Uint8Array): Promise<Uint8Array> {
  const { certPem, keyPem } = await testSealCertificate("RSA-2048", "Another Pactly");
  return sealPdf(bytes, await keySealSigner(certPem, keyPem), { name: "Other", reason: "test", signingTime: new Date() });
}
