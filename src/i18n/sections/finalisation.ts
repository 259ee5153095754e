/**
 * Strings for a sent envelope whose seal could not be made (`finalisation_failed`): the status
 * tag, the envelope page's notice with the reason, the email to the sender, the timeline and
 * the webhook event's label. English first; Norwegian typed against it.
 */
export const finalisationEn = {
  "status.finalisation_failed": "Could not be completed",
  "finalisation.failed.heading": "The signed PDF could not be made",
  "finalisation.failed.body": "Everyone has signed, and their signatures are kept. Pactly could not add the certificate and seal to the document, so the envelope is not completed yet.",
  "finalisation.failed.reasonLabel": "Reason",
  "finalisation.failed.when": "Last attempt failed {date}.",
  "finalisation.failed.nextRetry": "Pactly tries again automatically on {date}. Nobody needs to sign again.",
  "finalisation.failed.noRetry": "Pactly will not try again by itself; the problem is logged for our operators. Nobody needs to sign again.",
  "finalisation.retrying": "Everyone has signed. Pactly is trying again to prepare the signed PDF; refresh in a moment.",
  "finalisation.reason.document_unreadable": "The uploaded document could not be read from storage.",
  "finalisation.reason.document_unsealable": "The document’s PDF structure could not take the certificate and seal.",
  "finalisation.reason.seal_unavailable": "Pactly’s seal could not be applied (a problem on our side).",
  "finalisation.reason.storage_unavailable": "The signed PDF could not be stored (a problem on our side).",
  "finalisation.reason.unknown": "An unexpected problem on our side.",
  "finalisation.mail.subject": "“{title}” is signed but could not be completed",
  "finalisation.mail.body":
    "Hello {name},\n\nEveryone has signed “{title}”, and their signatures are kept. But Pactly could not make the signed PDF with its certificate and seal, so the envelope is not completed yet.\n\nReason: {reason}\n\nPactly will try again, and the problem is logged for our operators. When it succeeds, everyone gets the signed copy. Nobody needs to sign again.\n\n{link}",
  "finalisation.mail.action": "Open the envelope",
  "event.envelope_finalisation_failed": "The signed PDF could not be made",
  "event.envelope_finalisation_retried": "Making the signed PDF was tried again",
  "notifications.kind.finalisation_failed": "Completion failed notice",
  "notifications.failed.finalisation_failed": "The notice to {to} that the envelope could not be completed could not be delivered.",
  "webhooks.event.envelope.finalisation_failed": "Envelope could not be completed (the seal could not be made)",
} as const;

export const finalisationNb: Record<keyof typeof finalisationEn, string> = {
  "status.finalisation_failed": "Kunne ikke fullføres",
  "finalisation.failed.heading": "Den signerte PDF-en kunne ikke lages",
  "finalisation.failed.body": "Alle har signert, og signaturene er tatt vare på. Pactly kunne ikke legge sertifikatet og seglet til dokumentet, så konvolutten er ikke fullført ennå.",
  "finalisation.failed.reasonLabel": "Årsak",
  "finalisation.failed.when": "Siste forsøk feilet {date}.",
  "finalisation.failed.nextRetry": "Pactly prøver igjen automatisk {date}. Ingen trenger å signere på nytt.",
  "finalisation.failed.noRetry": "Pactly prøver ikke igjen av seg selv; feilen er logget for driftsteamet vårt. Ingen trenger å signere på nytt.",
  "finalisation.retrying": "Alle har signert. Pactly prøver på nytt å klargjøre den signerte PDF-en; oppdater siden om litt.",
  "finalisation.reason.document_unreadable": "Det opplastede dokumentet kunne ikke leses fra lagringen.",
  "finalisation.reason.document_unsealable": "PDF-strukturen i dokumentet tålte ikke sertifikatet og seglet.",
  "finalisation.reason.seal_unavailable": "Pactlys segl kunne ikke settes på (en feil hos oss).",
  "finalisation.reason.storage_unavailable": "Den signerte PDF-en kunne ikke lagres (en feil hos oss).",
  "finalisation.reason.unknown": "En uventet feil hos oss.",
  "finalisation.mail.subject": "«{title}» er signert, men kunne ikke fullføres",
  "finalisation.mail.body":
    "Hei {name},\n\nAlle har signert «{title}», og signaturene er tatt vare på. Men Pactly kunne ikke lage den signerte PDF-en med sertifikat og segl, så konvolutten er ikke fullført ennå.\n\nÅrsak: {reason}\n\nPactly prøver igjen, og feilen er logget for driftsteamet vårt. Når det lykkes, får alle den signerte kopien. Ingen trenger å signere på nytt.\n\n{link}",
  "finalisation.mail.action": "Åpne konvolutten",
  "event.envelope_finalisation_failed": "Den signerte PDF-en kunne ikke lages",
  "event.envelope_finalisation_retried": "Nytt forsøk på å lage den signerte PDF-en",
  "notifications.kind.finalisation_failed": "Varsel om at fullføringen feilet",
  "notifications.failed.finalisation_failed": "Varselet til {to} om at konvolutten ikke kunne fullføres, kunne ikke leveres.",
  "webhooks.event.envelope.finalisation_failed": "Konvolutten kunne ikke fullføres (seglet kunne ikke lages)",
};
