/**
 * Every outgoing message rendered for its channel, in the recipient's language: an email
 * (HTML and plain text from the same words) or an SMS. Pure: the caller gives the base URL.
 */
import type { CodeMessage, QueueMessage } from "../../src/domain/messages";
import { formatDateTime, translator, type Locale, type MessageKey, type Translate } from "../../src/i18n";
import { EmailDocument, type EmailBlock } from "./email-document";

export type DeliverableMessage = Exclude<QueueMessage, { type: "finalise" }>;
export type RenderedEmail = { channel: "email"; subject: string; html: string; text: string; link: string | null };
export type RenderedSms = { channel: "sms"; text: string };
export type RenderContext = { baseUrl: string; retentionDays: string };

/** What one email says: a subject, a plain-text body, its primary link and that link's label. */
type EmailWords = { subject: string; body: string; link: string | null; action: MessageKey | null; emphasis?: string };

export function renderMessage(message: DeliverableMessage, ctx: RenderContext): RenderedEmail | RenderedSms {
  const t = translator(message.locale);
  if (message.type === "code" && message.channel === "sms") return { channel: "sms", text: renderCodeSms(message, t) };
  return renderEmail(message.locale, t, wordsOf(message, t, ctx));
}

// A new message type in src/domain/messages.ts fails the typecheck here until it has its words.
function wordsOf(message: DeliverableMessage, t: Translate, { baseUrl, retentionDays }: RenderContext): EmailWords {
  switch (message.type) {
    case "invite": {
      const link = `${baseUrl}/s/${message.token}`;
      return {
        subject: t(message.reminder ? "builder.mail.reminder.subject" : "mail.invite.subject", { sender: message.senderName, title: message.title }),
        body: t("mail.invite.body", { name: message.name, sender: message.senderName, title: message.title, message: message.message ? `${message.message}\n\n` : "", link }),
        link,
        action: "notifications.action.invite",
      };
    }
    case "code":
      return {
        subject: t("notifications.code.subject", { title: message.title }),
        body: t("notifications.code.body", { title: message.title, code: message.code, minutes: message.expiresInMinutes }),
        link: null,
        action: null,
        emphasis: message.code,
      };
    case "completed": {
      const link = `${baseUrl}/s/${message.token}`;
      const params = { name: message.name, title: message.title, link, days: retentionDays };
      return {
        subject: t("mail.completed.subject", { title: message.title }),
        // The availability window with its end date; messages queued before it existed say only the days.
        body: message.availableUntil
          ? t("reminders.mail.completed.body", { ...params, date: formatDay(message.locale, message.availableUntil, message.timeZone) })
          : t("mail.completed.body", params),
        link,
        action: "notifications.action.completed",
      };
    }
    case "expiry_warning": {
      const link = `${baseUrl}/s/${message.token}`;
      const date = formatDateTime(message.locale, message.expiresAt, message.timeZone);
      return {
        subject: t("reminders.mail.expiryWarning.subject", { title: message.title, date }),
        body: t("reminders.mail.expiryWarning.body", { name: message.name, sender: message.senderName, title: message.title, date, link }),
        link,
        action: "notifications.action.invite",
      };
    }
    case "cancelled":
      return {
        subject: t("reminders.mail.cancelled.subject", { title: message.title }),
        body: t("reminders.mail.cancelled.body", { name: message.name, sender: message.senderName, title: message.title, reason: message.reason }),
        link: null,
        action: null,
      };
    case "deletion_warning": {
      const link = `${baseUrl}/envelopes/${message.envelopeId}`;
      const date = formatDay(message.locale, message.deletesAt, message.timeZone);
      return {
        subject: t("reminders.mail.deletionWarning.subject", { title: message.title, date }),
        body: t(message.completed ? "reminders.mail.deletionWarning.completed" : "reminders.mail.deletionWarning.ended", { name: message.name, title: message.title, date, days: message.daysLeft, link }),
        link,
        action: "reminders.mail.action.envelope",
      };
    }
    case "finalisation_failed": {
      const link = `${baseUrl}/envelopes/${message.envelopeId}`;
      return {
        subject: t("finalisation.mail.subject", { title: message.title }),
        body: t("finalisation.mail.body", { name: message.name, title: message.title, reason: t(`finalisation.reason.${message.reason}`), link }),
        link,
        action: "finalisation.mail.action",
      };
    }
    case "declined": {
      const link = `${baseUrl}/envelopes/${message.envelopeId}`;
      return {
        subject: t("mail.declined.subject", { title: message.title }),
        body: t("mail.declined.body", { name: message.declinedByName, title: message.title, reason: message.reason, link }),
        link,
        action: "notifications.action.declined",
      };
    }
    case "verify_email": {
      const link = `${baseUrl}/email/verify/${message.token}`;
      const signup = message.purpose === "signup";
      return {
        subject: t(signup ? "mail.verifyEmail.signup.subject" : "mail.verifyEmail.change.subject"),
        body: t(signup ? "mail.verifyEmail.signup.body" : "mail.verifyEmail.change.body", { name: message.name, email: message.to, link }),
        link,
        action: "notifications.action.verifyEmail",
      };
    }
    case "password_reset": {
      const link = `${baseUrl}/password/reset/${message.token}`;
      return { subject: t("mail.passwordReset.subject"), body: t("mail.passwordReset.body", { name: message.name, link }), link, action: "notifications.action.passwordReset" };
    }
    case "org_invite": {
      const link = `${baseUrl}/invitations/${message.token}`;
      const role = t(`organisations.role.${message.role}`);
      return {
        subject: t("organisations.mail.subject", { org: message.orgName }),
        body: t("organisations.mail.body", { inviter: message.inviterName, org: message.orgName, role, email: message.to, link }),
        link,
        action: "organisations.mail.action",
      };
    }
    case "account_notice": {
      // The last mail to an address whose account is gone: nothing to click.
      if (message.notice === "account_deleted") {
        return { subject: t("yourData.mail.deleted.subject"), body: t("yourData.mail.deleted.body", { name: message.name }), link: null, action: null };
      }
      const link = `${baseUrl}/password/forgot`;
      const changed = message.notice === "password_changed";
      return {
        subject: t(changed ? "mail.notice.passwordChanged.subject" : "mail.notice.emailChange.subject"),
        body: t(changed ? "mail.notice.passwordChanged.body" : "mail.notice.emailChange.body", { name: message.name, email: message.newEmail ?? "", link }),
        link,
        action: "notifications.action.resetNow",
      };
    }
  }
}

/** A calendar date for people ("20 February 2027"), in the envelope's time zone. */
function formatDay(locale: Locale, iso: string, timeZone = "Europe/Oslo"): string {
  return new Intl.DateTimeFormat(locale === "nb" ? "nb-NO" : "en-GB", { dateStyle: "long", timeZone }).format(new Date(iso));
}

/**
 * The HTML is built from the plain-text body, paragraph by paragraph, so both versions say
 * the same thing: the line holding the link becomes the primary link, the code is emphasised.
 * Every piece of text goes through JSX, which escapes it (titles, names and messages are the sender's).
 */
function renderEmail(locale: Locale, t: Translate, words: EmailWords): RenderedEmail {
  const footer = t("notifications.footer");
  const blocks: EmailBlock[] = [];
  for (const paragraph of words.body.split(/\n{2,}/)) {
    const lines: string[] = [];
    const flush = () => {
      if (lines.length > 0) blocks.push({ kind: "text", lines: lines.splice(0) });
    };
    for (const line of paragraph.split("\n")) {
      if (words.link && line.trim() === words.link && words.action) {
        flush();
        blocks.push({ kind: "action", label: t(words.action), url: words.link });
      } else if (words.emphasis && line.trim() === words.emphasis) {
        flush();
        blocks.push({ kind: "emphasis", text: words.emphasis });
      } else {
        lines.push(line);
      }
    }
    flush();
  }
  const html = String(<EmailDocument lang={locale} subject={words.subject} blocks={blocks} fallback={t("notifications.fallback")} footer={footer} />);
  return { channel: "email", subject: words.subject, html, text: `${words.body}\n\n-- \n${footer}\n`, link: words.link };
}

/** SMS segments hold 160 GSM-7 characters; anything else would make the message UCS-2 (70 per segment). */
export const SMS_MAX_LENGTH = 160;

function renderCodeSms(message: CodeMessage, t: Translate): string {
  const params = { code: message.code, minutes: message.expiresInMinutes };
  const room = SMS_MAX_LENGTH - t("notifications.code.sms", { ...params, title: "" }).length;
  let title = toGsm7(message.title);
  if (title.length > room) title = `${title.slice(0, Math.max(0, room - 3)).trimEnd()}...`;
  return t("notifications.code.sms", { ...params, title });
}

// The GSM 03.38 basic character set; extension characters ({, [, €, ...) cost two and are replaced.
const GSM7 = new Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà");
const replacements: Record<string, string> = {
  "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-", "…": "...",
  "[": "(", "]": ")", "{": "(", "}": ")", "~": "-", "|": "/", "\\": "/", "^": "", "€": "EUR", "\u00a0": " ", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th", "Œ": "OE", "œ": "oe",
};

/** Text that fits GSM-7: typographic punctuation made plain, accents dropped where GSM-7 lacks the letter. */
export function toGsm7(text: string): string {
  let out = "";
  for (const ch of text.replace(/\s+/g, " ").trim()) {
    if (GSM7.has(ch) && ch !== "\n" && ch !== "\r") out += ch;
    else if (ch in replacements) out += replacements[ch];
    else {
      const base = ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      out += [...base].every((c) => GSM7.has(c)) && base.length > 0 ? base : "?";
    }
  }
  return out;
}

export function isGsm7(text: string): boolean {
  return [...text].every((c) => GSM7.has(c));
}
