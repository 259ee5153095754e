/** A freelance assignment for a client (oppdragsavtale). */
import { organisationParty, requireAfter } from "../fields";
import { type AgreementTemplate, otherTermsSection, present } from "../template";

export const freelanceTemplate: AgreementTemplate = {
  id: "freelance",
  version: 1,
  signingRoles: ["client", "contractor"],
  groups: [
    organisationParty("client"),
    organisationParty("contractor"),
    {
      id: "assignment",
      fields: [
        { name: "assignmentTitle", kind: "text", required: true },
        { name: "scope", kind: "longText", required: true },
        { name: "startDate", kind: "date", required: true },
        { name: "endDate", kind: "date" },
      ],
    },
    {
      id: "fee",
      fields: [
        { name: "feeType", kind: "choice", required: true, options: ["hourly", "fixed"] },
        { name: "hourlyRate", kind: "amount", requiredWhen: { field: "feeType", equals: "hourly" }, max: 100_000 },
        { name: "estimatedHours", kind: "integer", min: 1, max: 100_000 },
        { name: "fixedFee", kind: "amount", requiredWhen: { field: "feeType", equals: "fixed" }, max: 100_000_000 },
        { name: "vat", kind: "choice", required: true, options: ["excluded", "notRegistered"] },
        { name: "invoicing", kind: "choice", required: true, options: ["monthly", "completion"] },
        { name: "paymentDays", kind: "integer", required: true, min: 1, max: 90, initial: "14" },
      ],
    },
    { id: "rights", fields: [{ name: "rights", kind: "choice", required: true, options: ["client", "contractor"] }] },
    { id: "other", fields: [{ name: "otherTerms", kind: "longText" }] },
  ],
  crossCheck(result, fields) {
    requireAfter(result, fields, "endDate", "startDate");
  },
  build(ctx) {
    const fee = ctx.choice("feeType");
    const vat = ctx.choice("vat");
    const invoicing = ctx.choice("invoicing");
    const rights = ctx.choice("rights");
    const scope = ctx.freeText("scope");
    return {
      title: "freelance.title",
      intro: ctx.text("freelance.intro", { client: ctx.value("clientName"), contractor: ctx.value("contractorName") }),
      parties: [ctx.party("client"), ctx.party("contractor")],
      sections: [
        {
          heading: ctx.plain("freelance.assignment.heading"),
          blocks: present(
            ctx.paragraph("freelance.assignment.title", { title: ctx.value("assignmentTitle") }),
            ctx.paragraph("freelance.assignment.scope"),
            scope ?? { kind: "paragraph", text: [{ blank: "scope" }] },
          ),
        },
        {
          heading: ctx.plain("freelance.time.heading"),
          blocks: [
            ctx.has("endDate")
              ? ctx.paragraph("freelance.time.startEnd", { start: ctx.value("startDate"), end: ctx.value("endDate") })
              : ctx.paragraph("freelance.time.start", { start: ctx.value("startDate") }),
            ctx.paragraph("freelance.time.delay"),
          ],
        },
        {
          heading: ctx.plain("freelance.fee.heading"),
          blocks: present(
            fee === "fixed"
              ? ctx.paragraph("freelance.fee.fixed", { fee: ctx.value("fixedFee") })
              : fee === "hourly"
                ? ctx.sentences(
                    ctx.text("freelance.fee.hourly", { rate: ctx.value("hourlyRate") }),
                    ctx.has("estimatedHours") && ctx.text("freelance.fee.estimate", { hours: ctx.value("estimatedHours") }),
                  )
                : { kind: "paragraph", text: [{ blank: "feeType" }] },
            vat === "excluded" || vat === "notRegistered" ? ctx.paragraph(`freelance.vat.${vat}`) : { kind: "paragraph", text: [{ blank: "vat" }] },
            ctx.sentences(
              invoicing === "monthly" || invoicing === "completion" ? ctx.text(`freelance.invoice.${invoicing}`) : [{ blank: "invoicing" }],
              ctx.text("freelance.invoice.due", { days: ctx.value("paymentDays") }),
            ),
          ),
        },
        { heading: ctx.plain("freelance.independent.heading"), blocks: [ctx.paragraph("freelance.independent.text")] },
        {
          heading: ctx.plain("freelance.rights.heading"),
          blocks: [rights === "client" || rights === "contractor" ? ctx.paragraph(`freelance.rights.${rights}`) : { kind: "paragraph", text: [{ blank: "rights" }] }],
        },
        { heading: ctx.plain("freelance.confidential.heading"), blocks: [ctx.paragraph("freelance.confidential.text")] },
        { heading: ctx.plain("freelance.ending.heading"), blocks: [ctx.paragraph("freelance.ending.text")] },
        otherTermsSection(ctx),
      ],
    };
  },
};
