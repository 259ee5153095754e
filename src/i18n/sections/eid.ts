/**
 * Strings for Nordic eID identification (OIDC broker): choosing an eID, and every way an
 * attempt can end without identifying the signer. English first; Norwegian typed against it.
 */
export const eidEn = {
  "envelope.eid.identified": "Identified with {scheme}",
  "envelope.eid.nameMismatch": "Check this: the eID returned the name “{returned}”, which does not match “{entered}” as you entered it.",
  "eid.scheme.no_bankid": "Norwegian BankID",
  "eid.scheme.se_bankid": "Swedish BankID",
  "eid.scheme.dk_mitid": "MitID (Denmark)",
  "eid.scheme.fi_ftn": "Finnish Trust Network (bank ID or mobile certificate)",

  "eid.choose.title": "Choose your eID",
  "eid.choose.legend": "Which eID do you want to use?",
  "eid.choose.hint": "You will go to your eID provider to prove who you are, and come back here to sign.",
  "eid.choose.error": "Choose the eID you want to use",
  "eid.choose.submit": "Continue",

  "eid.unavailable.title": "eID is not available",
  "eid.unavailable.body": "eID is not available on this deployment. Nothing has been signed. Contact the person who sent you the document and ask them to choose another way for you to identify.",

  "eid.unreachable.title": "Your eID provider cannot be reached",
  "eid.unreachable.body": "Nothing has been signed. Try again in a few minutes.",

  "eid.failed.cancelled.title": "You cancelled the identification",
  "eid.failed.cancelled.body": "Nothing has been signed. You can try again when you are ready.",
  "eid.failed.expired.title": "The identification took too long",
  "eid.failed.expired.body": "For your security, an attempt is valid for 10 minutes. Nothing has been signed. Try again.",
  "eid.failed.failed.title": "We could not confirm who you are",
  "eid.failed.failed.body": "The answer from your eID provider could not be verified, so it was not used. Nothing has been signed. Try again, or contact the person who sent you the document if this keeps happening.",
  "eid.failed.unknown.title": "This identification cannot be completed",
  "eid.failed.unknown.body": "It was already used, or it was not started here. Nothing has been signed. Open the signing link in your email again to continue.",

  "eid.tryAgain": "Try again",
  "eid.back": "Back to the document",
} as const;

export const eidNb: Record<keyof typeof eidEn, string> = {
  "envelope.eid.identified": "Identifisert med {scheme}",
  "envelope.eid.nameMismatch": "Sjekk dette: eID-en oppga navnet «{returned}», som ikke stemmer med «{entered}» slik du skrev det.",
  "eid.scheme.no_bankid": "Norsk BankID",
  "eid.scheme.se_bankid": "Svensk BankID",
  "eid.scheme.dk_mitid": "MitID (Danmark)",
  "eid.scheme.fi_ftn": "Finsk tillitsnettverk (bank-ID eller mobilsertifikat)",

  "eid.choose.title": "Velg eID",
  "eid.choose.legend": "Hvilken eID vil du bruke?",
  "eid.choose.hint": "Du går til eID-leverandøren din for å bekrefte hvem du er, og kommer tilbake hit for å signere.",
  "eid.choose.error": "Velg eID-en du vil bruke",
  "eid.choose.submit": "Fortsett",

  "eid.unavailable.title": "eID er ikke tilgjengelig",
  "eid.unavailable.body": "eID er ikke tilgjengelig på denne installasjonen. Ingenting er signert. Kontakt den som sendte deg dokumentet, og be om en annen måte å identifisere deg på.",

  "eid.unreachable.title": "Vi får ikke kontakt med eID-leverandøren din",
  "eid.unreachable.body": "Ingenting er signert. Prøv igjen om noen minutter.",

  "eid.failed.cancelled.title": "Du avbrøt identifiseringen",
  "eid.failed.cancelled.body": "Ingenting er signert. Du kan prøve igjen når du er klar.",
  "eid.failed.expired.title": "Identifiseringen tok for lang tid",
  "eid.failed.expired.body": "Av sikkerhetshensyn gjelder et forsøk i 10 minutter. Ingenting er signert. Prøv igjen.",
  "eid.failed.failed.title": "Vi kunne ikke bekrefte hvem du er",
  "eid.failed.failed.body": "Svaret fra eID-leverandøren din kunne ikke kontrolleres, så det ble ikke brukt. Ingenting er signert. Prøv igjen, eller kontakt den som sendte deg dokumentet hvis det skjer flere ganger.",
  "eid.failed.unknown.title": "Denne identifiseringen kan ikke fullføres",
  "eid.failed.unknown.body": "Den er allerede brukt, eller den ble ikke startet her. Ingenting er signert. Åpne signeringslenken i e-posten på nytt for å fortsette.",

  "eid.tryAgain": "Prøv igjen",
  "eid.back": "Tilbake til dokumentet",
};
