/**
 * Strings for the envelope builder and its lifecycle actions, kept in their own file so areas can grow apart.
 * English first; the Norwegian table is typed against it, so a missing translation fails the typecheck.
 */
export const builderEn = {
  "builder.error.phone": "Enter a phone number in international format, like +47 912 34 567",
  "builder.error.phoneRequired": "Enter a mobile number: this signer identifies with an SMS code",
  "builder.error.role": "Choose whether this person signs or gets a copy",
  "builder.error.method": "Choose how this signer proves who they are",
  "builder.error.locale": "Choose the language of the messages",
  "builder.error.order": "Choose whether signers sign in any order or one after another",
  "builder.error.timeZone": "Choose a time zone from the list, like Europe/Oslo",
  "builder.error.reminders": "Enter a whole number of days between 0 and 30 (0 means no reminders)",
  "builder.error.expiryFormat": "Enter a real date, like 2027-01-31",
  "builder.error.expiryPast": "The expiry date must be in the future",
  "builder.error.expiryFar": "The expiry date must be within a year",
  "builder.error.noSigners": "Add at least one signer",
  "builder.error.documentId": "Give the id of a document you uploaded, like doc_…",
} as const;

export const builderNb: Record<keyof typeof builderEn, string> = {
  "builder.error.phone": "Skriv et telefonnummer i internasjonalt format, for eksempel +47 912 34 567",
  "builder.error.phoneRequired": "Skriv et mobilnummer: denne signataren identifiserer seg med en SMS-kode",
  "builder.error.role": "Velg om personen skal signere eller få en kopi",
  "builder.error.method": "Velg hvordan signataren skal bevise hvem de er",
  "builder.error.locale": "Velg språket for meldingene",
  "builder.error.order": "Velg om signatarene signerer i vilkårlig rekkefølge eller etter hverandre",
  "builder.error.timeZone": "Velg en tidssone fra listen, for eksempel Europe/Oslo",
  "builder.error.reminders": "Skriv et helt antall dager mellom 0 og 30 (0 betyr ingen påminnelser)",
  "builder.error.expiryFormat": "Skriv en gyldig dato, for eksempel 2027-01-31",
  "builder.error.expiryPast": "Utløpsdatoen må være fram i tid",
  "builder.error.expiryFar": "Utløpsdatoen må være innen ett år",
  "builder.error.noSigners": "Legg til minst én signatar",
  "builder.error.documentId": "Oppgi id-en til et dokument du har lastet opp, for eksempel doc_…",
} as const;
