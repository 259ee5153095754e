/** A non-disclosure agreement (taushetserklæring), mutual or one-way. */
import type { Inline } from "../document";
import { organisationParty } from "../fields";
import { type AgreementTemplate, otherTermsSection, present } from "../template";

export const ndaTemplate: AgreementTemplate = {
  id: "nda",
  version: 1,
  signingRoles: ["first", "second"],
  groups: [
    { id: "kind", fields: [{ name: "ndaType", kind: "choice", required: true, options: ["mutual", "oneWay"] }] },
    organisationParty("first"),
    organisationParty("second"),
    {
      id: "terms",
      fields: [
        { name: "purpose", kind: "text", required: true, max: 300 },
        { name: "examples", kind: "longText", max: 3000 },
        { name: "effectiveDate", kind: "date", required: true },
        { name: "durationYears", kind: "integer", required: true, min: 1, max: 20, initial: "5" },
        { name: "penalty", kind: "amount", max: 100_000_000 },
      ],
    },
    { id: "other", fields: [{ name: "otherTerms", kind: "longText" }] },
  ],
  build(ctx) {
    const oneWay = ctx.choice("ndaType") === "oneWay";
    const examples = ctx.freeText("examples");
    // "…for this purpose: {purpose}." — the sentence supplies the full stop.
    const purpose: Inline = ctx.has("purpose") ? ctx.values.purpose!.replace(/[.!]+$/, "") : { blank: "purpose" };
    return {
      title: "nda.title",
      intro: ctx.text(oneWay ? "nda.intro.oneWay" : "nda.intro.mutual", { first: ctx.value("firstName"), second: ctx.value("secondName") }),
      parties: oneWay ? [ctx.party("first", "role.discloser"), ctx.party("second", "role.recipient")] : [ctx.party("first"), ctx.party("second")],
      sections: [
        { heading: ctx.plain("nda.purpose.heading"), blocks: [ctx.paragraph("nda.purpose.text", { purpose })] },
        {
          heading: ctx.plain("nda.info.heading"),
          blocks: present(ctx.paragraph("nda.info.text"), examples && ctx.paragraph("nda.info.examples"), examples),
        },
        {
          heading: ctx.plain("nda.duties.heading"),
          blocks: [
            ctx.paragraph("nda.duties.intro"),
            { kind: "list", items: [ctx.text("nda.duties.secret"), ctx.text("nda.duties.purpose"), ctx.text("nda.duties.share"), ctx.text("nda.duties.notify")] },
          ],
        },
        {
          heading: ctx.plain("nda.exceptions.heading"),
          blocks: [
            ctx.paragraph("nda.exceptions.intro"),
            {
              kind: "list",
              items: [ctx.text("nda.exceptions.public"), ctx.text("nda.exceptions.known"), ctx.text("nda.exceptions.thirdParty"), ctx.text("nda.exceptions.law")],
            },
          ],
        },
        {
          heading: ctx.plain("nda.duration.heading"),
          blocks: [
            ctx.paragraph("nda.duration.text", { date: ctx.value("effectiveDate"), years: ctx.count("nda.years.one", "nda.years.other", "durationYears") }),
            ctx.paragraph("nda.duration.return"),
          ],
        },
        {
          heading: ctx.plain("nda.breach.heading"),
          blocks: [ctx.has("penalty") ? ctx.paragraph("nda.breach.penalty", { penalty: ctx.value("penalty") }) : ctx.paragraph("nda.breach.damages")],
        },
        otherTermsSection(ctx),
      ],
    };
  },
};
