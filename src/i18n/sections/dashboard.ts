/**
 * Strings for one area of the product, kept in their own file so areas can grow apart.
 * English first; the Norwegian table is typed against it, so a missing translation fails the typecheck.
 */
export const dashboardEn = {
  "dashboard.filter.label": "Filter by status",
  "dashboard.filter.all": "All",
  "dashboard.search.label": "Search by title, or a signer’s name or email",
  "dashboard.search.submit": "Search",
  "dashboard.search.clear": "Clear search",
  "dashboard.showing.one": "Showing {total} envelope",
  "dashboard.showing.other": "Showing {from}–{to} of {total} envelopes",
  "dashboard.empty.search": "No envelopes match “{q}”.",
  "dashboard.empty.filter": "You have no envelopes with this status.",
  "dashboard.showAll": "Show all envelopes",
  "dashboard.noSigners": "No signers yet",
  "dashboard.col.retention": "Available until",
  "dashboard.pages.label": "Pages",
  "dashboard.pages.previous": "Previous page",
  "dashboard.pages.next": "Next page",
  "dashboard.pages.current": "Page {page} of {count}",

  "dashboard.retention.until": "Available to download until {date} ({left}). Then it is deleted.",
  "dashboard.retention.days.one": "{count} day left",
  "dashboard.retention.days.other": "{count} days left",
  "dashboard.retention.lastDay": "last day",
  "dashboard.retention.due": "The signed PDF is due for deletion.",

  "dashboard.timeline.byYou": "By you",
  "dashboard.timeline.bySystem": "By Pactly, automatically",
  "dashboard.timeline.other": "Other event ({type})",

  "event.reminder_sent": "Reminder sent",
  "event.reminder_requested": "Reminder requested",
  "event.invitation_resent": "Invitation sent again",
  "event.recipient_email_corrected": "Email address corrected",
  "event.draft_updated": "Draft changed",
  "event.recipient_moved": "Signing order changed",
} as const;

export const dashboardNb: Record<keyof typeof dashboardEn, string> = {
  "dashboard.filter.label": "Filtrer etter status",
  "dashboard.filter.all": "Alle",
  "dashboard.search.label": "Søk etter tittel, eller navn eller e-post til en signatar",
  "dashboard.search.submit": "Søk",
  "dashboard.search.clear": "Tøm søket",
  "dashboard.showing.one": "Viser {total} konvolutt",
  "dashboard.showing.other": "Viser {from}–{to} av {total} konvolutter",
  "dashboard.empty.search": "Ingen konvolutter passer til «{q}».",
  "dashboard.empty.filter": "Du har ingen konvolutter med denne statusen.",
  "dashboard.showAll": "Vis alle konvolutter",
  "dashboard.noSigners": "Ingen signatarer ennå",
  "dashboard.col.retention": "Tilgjengelig til",
  "dashboard.pages.label": "Sider",
  "dashboard.pages.previous": "Forrige side",
  "dashboard.pages.next": "Neste side",
  "dashboard.pages.current": "Side {page} av {count}",

  "dashboard.retention.until": "Kan lastes ned til {date} ({left}). Deretter slettes den.",
  "dashboard.retention.days.one": "{count} dag igjen",
  "dashboard.retention.days.other": "{count} dager igjen",
  "dashboard.retention.lastDay": "siste dag",
  "dashboard.retention.due": "Den signerte PDF-en skal nå slettes.",

  "dashboard.timeline.byYou": "Av deg",
  "dashboard.timeline.bySystem": "Automatisk av Pactly",
  "dashboard.timeline.other": "Annen hendelse ({type})",

  "event.reminder_sent": "Påminnelse sendt",
  "event.reminder_requested": "Påminnelse bestilt",
  "event.invitation_resent": "Invitasjonen sendt på nytt",
  "event.recipient_email_corrected": "E-postadressen rettet",
  "event.draft_updated": "Utkastet endret",
  "event.recipient_moved": "Signeringsrekkefølgen endret",
};
