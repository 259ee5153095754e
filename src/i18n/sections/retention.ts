/**
 * Strings for retention: when envelopes are deleted, the sender's "Delete now", and what a
 * deleted envelope's page still says. English first; the Norwegian table is typed against it.
 */
export const retentionEn = {
  "event.envelope_purged": "Documents and personal data deleted",
  // Shown on an ended envelope that was not completed (the signed-PDF sentence is dashboard.retention.until).
  "retention.ended.until": "This envelope and its document will be deleted on {date} ({left}).",
  "retention.ended.due": "This envelope is due for deletion.",
  "retention.backups": "Deleted documents cannot be read by anyone, backups included, 30 days after deletion at the latest.",
  "retention.deleteNow.link": "Delete now",
  "retention.deleteNow.title": "Delete “{title}” now?",
  "retention.deleteNow.body":
    "Its documents and the personal data in it (names, email addresses, phone numbers, IP addresses and devices) are deleted for good, and nobody can download them any more. This cannot be undone.",
  "retention.deleteNow.kept": "Kept as evidence: the envelope’s id, the documents’ SHA-256 hashes, the times and how it ended.",
  "retention.deleteNow.submit": "Delete now",
  "retention.deleteNow.back": "Back to the envelope",
  "retention.refused.not_ended": "Only an envelope that has ended (completed, declined, cancelled or expired) can be deleted now. Cancel it first if it is still out for signing.",
  "retention.deleted.title": "This envelope has been deleted",
  "retention.deleted.bySender": "Its sender deleted it on {date}.",
  "retention.deleted.byRetention":
    "It was deleted on {date} under this service’s retention rules: signed documents are kept for {completedDays} days after completion, other envelopes for {endedDays} days after they end.",
  "retention.deleted.kept": "Kept as evidence: the envelope’s id, the documents’ SHA-256 hashes, the times and the outcome ({outcome}).",
  "retention.deleted.backups": "Its documents are unreadable everywhere, backups included, from {date}.",
  "retention.deleted.back": "Back to your envelopes",
} as const;

export const retentionNb: Record<keyof typeof retentionEn, string> = {
  "event.envelope_purged": "Dokumenter og personopplysninger slettet",
  "retention.ended.until": "Denne konvolutten og dokumentet slettes {date} ({left}).",
  "retention.ended.due": "Denne konvolutten skal nå slettes.",
  "retention.backups": "Slettede dokumenter kan ikke leses av noen, heller ikke fra sikkerhetskopier, senest 30 dager etter slettingen.",
  "retention.deleteNow.link": "Slett nå",
  "retention.deleteNow.title": "Slette «{title}» nå?",
  "retention.deleteNow.body":
    "Dokumentene og personopplysningene i den (navn, e-postadresser, telefonnumre, IP-adresser og enheter) slettes for godt, og ingen kan laste dem ned lenger. Dette kan ikke angres.",
  "retention.deleteNow.kept": "Dette beholdes som bevis: konvoluttens ID, dokumentenes SHA-256-hasher, tidspunktene og hvordan den endte.",
  "retention.deleteNow.submit": "Slett nå",
  "retention.deleteNow.back": "Tilbake til konvolutten",
  "retention.refused.not_ended": "Bare en konvolutt som er avsluttet (fullført, avslått, kansellert eller utløpt) kan slettes nå. Kanseller den først hvis den fortsatt er ute til signering.",
  "retention.deleted.title": "Denne konvolutten er slettet",
  "retention.deleted.bySender": "Avsenderen slettet den {date}.",
  "retention.deleted.byRetention":
    "Den ble slettet {date} etter tjenestens regler for lagringstid: signerte dokumenter beholdes i {completedDays} dager etter fullføring, andre konvolutter i {endedDays} dager etter at de er avsluttet.",
  "retention.deleted.kept": "Dette beholdes som bevis: konvoluttens ID, dokumentenes SHA-256-hasher, tidspunktene og utfallet ({outcome}).",
  "retention.deleted.backups": "Dokumentene kan ikke leses noe sted, heller ikke fra sikkerhetskopier, fra {date}.",
  "retention.deleted.back": "Tilbake til konvoluttene dine",
};
