/**
 * What a signer proved about who they are, as kept in the envelope's state and evidence.
 * Shared by the code methods (email, SMS) and the Nordic eID method. Store the minimum:
 * never a national identity number in plain, only a keyed hash of it.
 */
export type EidScheme = "no_bankid" | "se_bankid" | "dk_mitid" | "fi_ftn";

export type IdentificationEvidence =
  | {
      method: "email_otp" | "sms_otp";
      /** Where the code was sent: the address or the number, as the sender entered it. */
      channel: string;
      at: string;
    }
  | {
      method: "eid";
      /** The broker's issuer URL, e.g. https://example.criipto.id */
      provider: string;
      scheme: EidScheme;
      /** The acr value the ID token carried, e.g. urn:grn:authn:no:bankid:substantial */
      assurance: string;
      /** The name as the eID returned it. */
      name: string;
      /** The broker's pseudonymous subject (`sub`). */
      subject: string;
      /** HMAC-SHA-256 (hex) of the national identity number under a deployment secret; null when none was returned. */
      nationalIdHash: string | null;
      /** True when the returned name does not match the name the sender entered: the sender is warned. */
      nameMismatch: boolean;
      at: string;
    };
