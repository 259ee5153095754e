/**
 * Strings of outgoing messages (email HTML and text, SMS), the development outbox and the
 * sender's "messages sent" panel. The plain-text bodies of invitations, completion and
 * decline notices stay under `mail.*` in en.ts/nb.ts, account mails under `mail.*` in account.ts;
 * the HTML version is built from the same text, so the two never say different things.
 */
export const notificationsEn = {
  // The primary link of each email, as a button-like link in the HTML version.
  "notifications.action.invite": "Open and sign",
  "notifications.action.completed": "Download the signed document",
  "notifications.action.declined": "Open the envelope",
  "notifications.action.verifyEmail": "Confirm email address",
  "notifications.action.passwordReset": "Choose a new password",
  "notifications.action.resetNow": "Reset your password",
  "notifications.fallback": "If the link does not work, copy this address into your browser:",
  "notifications.footer": "Sent by Pactly, an open-source e-signature service.",

  "notifications.code.subject": "Your code for “{title}”",
  "notifications.code.body":
    "Your code to sign “{title}” is:\n\n{code}\n\nIt is valid for {minutes} minutes. Do not share it with anyone: Pactly never asks for it by phone or email.\n\nIf you did not ask for a code, ignore this email.",
  // GSM-7 only (straight quotes, no curly ones), code first so it shows in the notification.
  "notifications.code.sms": "{code} is your Pactly code for '{title}'. Valid {minutes} minutes.",

  "notifications.panel.heading": "Messages sent",
  "notifications.panel.lead": "Which messages went out to each recipient, and when.",
  "notifications.panel.empty": "No messages have been sent yet.",
  "notifications.panel.col.recipient": "Recipient",
  "notifications.panel.col.message": "Message",
  "notifications.panel.col.to": "Sent to",
  "notifications.panel.col.time": "Time",
  "notifications.panel.col.result": "Result",
  "notifications.panel.sent": "Sent",
  "notifications.panel.failed": "Not delivered",
  "notifications.panel.correct": "Correct the address of {name}",
  "notifications.panel.account": "Account email",
  "notifications.kind.invite": "Invitation",
  "notifications.kind.reminder": "Reminder",
  "notifications.kind.code": "Code",
  "notifications.kind.completed": "Signed copy",
  "notifications.kind.declined": "Declined notice",
  "notifications.kind.other": "Message",
  "notifications.channel.email": "email",
  "notifications.channel.sms": "SMS",
  "notifications.failed.invite": "The invitation to {to} could not be delivered.",
  "notifications.failed.reminder": "The reminder to {to} could not be delivered.",
  "notifications.failed.code": "The code to {to} could not be delivered.",
  "notifications.failed.completed": "The signed copy to {to} could not be delivered.",
  "notifications.failed.declined": "The notice to {to} that the envelope was declined could not be delivered.",
  "notifications.failed.other": "A message to {to} could not be delivered.",
  "notifications.failed.heading": "Some messages could not be delivered",

  "notifications.dev.channel": "Channel",
  "notifications.dev.html": "Open the HTML version",
  "notifications.dev.text": "Plain text",
} as const;

export const notificationsNb: Record<keyof typeof notificationsEn, string> = {
  "notifications.action.invite": "Åpne og signer",
  "notifications.action.completed": "Last ned det signerte dokumentet",
  "notifications.action.declined": "Åpne konvolutten",
  "notifications.action.verifyEmail": "Bekreft e-postadressen",
  "notifications.action.passwordReset": "Velg et nytt passord",
  "notifications.action.resetNow": "Tilbakestill passordet",
  "notifications.fallback": "Hvis lenken ikke virker, kopier denne adressen inn i nettleseren:",
  "notifications.footer": "Sendt av Pactly, en e-signeringstjeneste med åpen kildekode.",

  "notifications.code.subject": "Koden din for «{title}»",
  "notifications.code.body":
    "Koden din for å signere «{title}» er:\n\n{code}\n\nDen er gyldig i {minutes} minutter. Ikke del den med noen: Pactly spør aldri etter den på telefon eller e-post.\n\nHvis du ikke har bedt om en kode, kan du se bort fra denne e-posten.",
  "notifications.code.sms": "{code} er Pactly-koden din for '{title}'. Gyldig i {minutes} minutter.",

  "notifications.panel.heading": "Sendte meldinger",
  "notifications.panel.lead": "Hvilke meldinger som er sendt til hver mottaker, og når.",
  "notifications.panel.empty": "Ingen meldinger er sendt ennå.",
  "notifications.panel.col.recipient": "Mottaker",
  "notifications.panel.col.message": "Melding",
  "notifications.panel.col.to": "Sendt til",
  "notifications.panel.col.time": "Tidspunkt",
  "notifications.panel.col.result": "Resultat",
  "notifications.panel.sent": "Sendt",
  "notifications.panel.failed": "Ikke levert",
  "notifications.panel.correct": "Rett adressen til {name}",
  "notifications.panel.account": "Konto-e-post",
  "notifications.kind.invite": "Invitasjon",
  "notifications.kind.reminder": "Påminnelse",
  "notifications.kind.code": "Kode",
  "notifications.kind.completed": "Signert kopi",
  "notifications.kind.declined": "Melding om avslag",
  "notifications.kind.other": "Melding",
  "notifications.channel.email": "e-post",
  "notifications.channel.sms": "SMS",
  "notifications.failed.invite": "Invitasjonen til {to} kunne ikke leveres.",
  "notifications.failed.reminder": "Påminnelsen til {to} kunne ikke leveres.",
  "notifications.failed.code": "Koden til {to} kunne ikke leveres.",
  "notifications.failed.completed": "Den signerte kopien til {to} kunne ikke leveres.",
  "notifications.failed.declined": "Meldingen til {to} om at konvolutten ble avslått, kunne ikke leveres.",
  "notifications.failed.other": "En melding til {to} kunne ikke leveres.",
  "notifications.failed.heading": "Noen meldinger kunne ikke leveres",

  "notifications.dev.channel": "Kanal",
  "notifications.dev.html": "Åpne HTML-versjonen",
  "notifications.dev.text": "Ren tekst",
};
