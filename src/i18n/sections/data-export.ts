/**
 * Strings for "download all my data": the README.txt inside the archive, in the account's
 * language. English first; the Norwegian table is typed against it.
 */
export const dataExportEn = {
  "dataExport.readme.title": "Your data from Pactly",
  "dataExport.readme.intro": "This archive holds the data Pactly keeps about your account {email}, as it was on {date} (UTC).",
  "dataExport.readme.files": "What each file is:",
  "dataExport.readme.account":
    "account.json: your profile (name, email address, language), two-factor authentication (on or off, since when, how many recovery codes are left), your sessions (when, from which IP address and device), your organisations and roles, and the API keys you created.",
  "dataExport.readme.secrets": "Passwords, secrets, one-time codes and keys are never included: Pactly stores only hashes of them, and those are left out too.",
  "dataExport.readme.audit": "audit-log.json: the audit log entries of what you did, and of what happened to your account (such as failed logins), in every organisation.",
  "dataExport.readme.envelopes": "envelopes/: one folder for each envelope you created, named by the day it was created, its title and its id. In each folder:",
  "dataExport.readme.envelope":
    "envelope.json: the envelope (title, status, times), its recipients and how far each of them got, its documents and, for a deleted envelope, when and why it was deleted.",
  "dataExport.readme.events": "events.json: the envelope's evidence events in order, each with the hash that links it to the one before.",
  "dataExport.readme.original": "original.pdf: the document that was sent for signing.",
  "dataExport.readme.signed": "signed.pdf: the signed document with its certificate and Pactly's seal, once everyone has signed.",
  "dataExport.readme.deleted": "A document that has been deleted (by you, or under the retention rules) is not in the archive; envelope.json says so.",
  "dataExport.readme.format": "Times are in UTC (ISO 8601). Text and JSON files are UTF-8.",
  "dataExport.readme.verify": "You can check that a signed PDF is unchanged on the page “{verifyTitle}” in Pactly.",
} as const;

export const dataExportNb: Record<keyof typeof dataExportEn, string> = {
  "dataExport.readme.title": "Dine data fra Pactly",
  "dataExport.readme.intro": "Dette arkivet inneholder dataene Pactly har om kontoen din {email}, slik de var {date} (UTC).",
  "dataExport.readme.files": "Dette er filene:",
  "dataExport.readme.account":
    "account.json: profilen din (navn, e-postadresse, språk), tofaktorautentisering (på eller av, siden når, hvor mange gjenopprettingskoder som er igjen), øktene dine (når, fra hvilken IP-adresse og enhet), organisasjonene og rollene dine, og API-nøklene du har opprettet.",
  "dataExport.readme.secrets": "Passord, hemmeligheter, engangskoder og nøkler er aldri med: Pactly lagrer bare hashverdier av dem, og heller ikke de er med.",
  "dataExport.readme.audit": "audit-log.json: oppføringene i revisjonsloggen om det du har gjort, og om det som har skjedd med kontoen din (for eksempel mislykkede innlogginger), i alle organisasjoner.",
  "dataExport.readme.envelopes": "envelopes/: én mappe for hver konvolutt du har opprettet, med dagen den ble opprettet, tittelen og id-en i navnet. I hver mappe:",
  "dataExport.readme.envelope":
    "envelope.json: konvolutten (tittel, status, tidspunkter), mottakerne og hvor langt hver av dem har kommet, dokumentene og, for en slettet konvolutt, når og hvorfor den ble slettet.",
  "dataExport.readme.events": "events.json: konvoluttens bevishendelser i rekkefølge, hver med hashverdien som knytter den til den forrige.",
  "dataExport.readme.original": "original.pdf: dokumentet som ble sendt til signering.",
  "dataExport.readme.signed": "signed.pdf: det signerte dokumentet med sertifikatet og Pactlys segl, når alle har signert.",
  "dataExport.readme.deleted": "Et dokument som er slettet (av deg, eller etter reglene for lagringstid) er ikke med i arkivet; det står i envelope.json.",
  "dataExport.readme.format": "Tidspunkter er i UTC (ISO 8601). Tekst- og JSON-filer er i UTF-8.",
  "dataExport.readme.verify": "Du kan kontrollere at en signert PDF er uendret på siden «{verifyTitle}» i Pactly.",
};
