/**
 * Strings for automatic reminders and warnings: the expiry warning to signers, the notice
 * of a cancellation, the deletion warning to the sender, the completion email's availability
 * window, and their timeline and delivery labels. English first; Norwegian typed against it.
 */
export const remindersEn = {
  "event.expiry_warning_queued": "Warned that signing ends soon",
  "event.cancellation_notice_queued": "Told that the envelope was cancelled",
  "event.deletion_warning_queued": "Sender warned before deletion",
  "notifications.kind.expiry_warning": "Expiry warning",
  "notifications.kind.cancelled": "Cancellation notice",
  "notifications.kind.deletion_warning": "Deletion warning",

  "reminders.mail.expiryWarning.subject": "Signing of “{title}” ends {date}",
  "reminders.mail.expiryWarning.body":
    "Hello {name},\n\n{sender} is still waiting for your signature on “{title}”. Signing ends {date}; after that the link stops working.\n\nOpen the document and sign here:\n{link}\n\nThe link is personal. Do not forward this email.",
  "reminders.mail.cancelled.subject": "“{title}” was cancelled",
  "reminders.mail.cancelled.body":
    "Hello {name},\n\n{sender} has cancelled “{title}”. There is nothing left for you to sign, and the links in earlier emails no longer work.\n\nReason: {reason}",
  "reminders.mail.deletionWarning.subject": "“{title}” will be deleted on {date}",
  "reminders.mail.deletionWarning.completed":
    "Hello {name},\n\nThe signed PDF of “{title}” and its evidence will be deleted on {date}, in {days} days. Download them now if you need to keep them:\n{link}\n\nAfter that nobody can download them, and 30 days later they cannot be read from backups either.",
  "reminders.mail.deletionWarning.ended":
    "Hello {name},\n\n“{title}” was not signed by everyone. It and its document will be deleted on {date}, in {days} days:\n{link}\n\nAfter that nobody can open them, and 30 days later they cannot be read from backups either.",
  "reminders.mail.action.envelope": "Open the envelope",
  "reminders.mail.completed.body":
    "Hello {name},\n\nEveryone has signed “{title}”. Download the signed document here:\n{link}\n\nYou can download the signed PDF until {date} ({days} days after completion). Then it is deleted, and 30 days later it cannot be read from backups either.",
} as const;

export const remindersNb: Record<keyof typeof remindersEn, string> = {
  "event.expiry_warning_queued": "Varslet om at signeringen snart slutter",
  "event.cancellation_notice_queued": "Varslet om at konvolutten ble kansellert",
  "event.deletion_warning_queued": "Avsenderen varslet før sletting",
  "notifications.kind.expiry_warning": "Varsel om utløp",
  "notifications.kind.cancelled": "Melding om kansellering",
  "notifications.kind.deletion_warning": "Varsel om sletting",

  "reminders.mail.expiryWarning.subject": "Signeringen av «{title}» slutter {date}",
  "reminders.mail.expiryWarning.body":
    "Hei {name},\n\n{sender} venter fortsatt på signaturen din på «{title}». Signeringen slutter {date}, og etter det virker ikke lenken lenger.\n\nÅpne dokumentet og signer her:\n{link}\n\nLenken er personlig. Ikke videresend denne e-posten.",
  "reminders.mail.cancelled.subject": "«{title}» ble kansellert",
  "reminders.mail.cancelled.body":
    "Hei {name},\n\n{sender} har kansellert «{title}». Du har ikke noe mer å signere, og lenkene i tidligere e-poster virker ikke lenger.\n\nBegrunnelse: {reason}",
  "reminders.mail.deletionWarning.subject": "«{title}» slettes {date}",
  "reminders.mail.deletionWarning.completed":
    "Hei {name},\n\nDen signerte PDF-en av «{title}» og bevisene slettes {date}, om {days} dager. Last dem ned nå hvis du trenger å ta vare på dem:\n{link}\n\nDeretter kan ingen laste dem ned, og 30 dager senere kan de heller ikke leses fra sikkerhetskopier.",
  "reminders.mail.deletionWarning.ended":
    "Hei {name},\n\n«{title}» ble ikke signert av alle. Konvolutten og dokumentet slettes {date}, om {days} dager:\n{link}\n\nDeretter kan ingen åpne dem, og 30 dager senere kan de heller ikke leses fra sikkerhetskopier.",
  "reminders.mail.action.envelope": "Åpne konvolutten",
  "reminders.mail.completed.body":
    "Hei {name},\n\nAlle har signert «{title}». Last ned det signerte dokumentet her:\n{link}\n\nDu kan laste ned den signerte PDF-en til {date} ({days} dager etter fullføringen). Deretter slettes den, og 30 dager senere kan den heller ikke leses fra sikkerhetskopier.",
};
