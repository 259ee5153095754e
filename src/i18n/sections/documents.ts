/**
 * Strings for one area of the product, kept in their own file so areas can grow apart.
 * English first; the Norwegian table is typed against it, so a missing translation fails the typecheck.
 */
export const documentsEn = {
  // Shown when a stored document fails decryption (code decryption_failed): nothing of it is sent.
  "documents.unreadable.title": "This document cannot be opened",
  "documents.unreadable.body":
    "The stored copy failed its integrity check, so none of it was shown. Nothing has been changed. Contact the Pactly team of your organisation and quote the time of this error.",
} as const;

export const documentsNb: Record<keyof typeof documentsEn, string> = {
  "documents.unreadable.title": "Dette dokumentet kan ikke åpnes",
  "documents.unreadable.body":
    "Den lagrede kopien besto ikke integritetskontrollen, så ingenting av den ble vist. Ingenting er endret. Kontakt dem som drifter Pactly i organisasjonen din, og oppgi tidspunktet for feilen.",
};
