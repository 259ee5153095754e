/** Rental of a room, flat or house (leieavtale for bolig); the Tenancy Act (husleieloven) fills the gaps. */
import { addIssue, personParty, requireAfter } from "../fields";
import { type AgreementTemplate, otherTermsSection, present } from "../template";

/** Husleieloven § 3-5: a deposit may be at most six months' rent. */
export const MAX_DEPOSIT_MONTHS = 6;

export const rentalTemplate: AgreementTemplate = {
  id: "rental",
  version: 1,
  signingRoles: ["landlord", "tenant"],
  groups: [
    personParty("landlord"),
    personParty("tenant"),
    {
      id: "property",
      fields: [
        { name: "propertyType", kind: "choice", required: true, options: ["flat", "room", "house"] },
        { name: "propertyAddress", kind: "text", required: true },
        { name: "propertyPostalCode", kind: "postalCode", required: true },
        { name: "propertyCity", kind: "text", required: true, max: 100 },
        { name: "propertyDescription", kind: "longText", max: 2000 },
      ],
    },
    {
      id: "term",
      fields: [
        { name: "startDate", kind: "date", required: true },
        { name: "term", kind: "choice", required: true, options: ["indefinite", "fixed"] },
        { name: "endDate", kind: "date", requiredWhen: { field: "term", equals: "fixed" } },
        { name: "noticeMonths", kind: "integer", requiredWhen: { field: "term", equals: "indefinite" }, min: 1, max: 6, initial: "3" },
      ],
    },
    {
      id: "rent",
      fields: [
        { name: "monthlyRent", kind: "amount", required: true, max: 1_000_000 },
        { name: "rentDueDay", kind: "integer", required: true, min: 1, max: 28, initial: "1" },
        { name: "rentAccount", kind: "accountNumber" },
        { name: "included", kind: "text", max: 300 },
        { name: "deposit", kind: "amount", max: 6_000_000 },
      ],
    },
    { id: "rules", fields: [{ name: "houseRules", kind: "longText", max: 3000 }] },
    { id: "other", fields: [{ name: "otherTerms", kind: "longText" }] },
  ],
  crossCheck(result, fields) {
    requireAfter(result, fields, "endDate", "startDate");
    const { deposit, monthlyRent } = result.values;
    if (deposit !== undefined && monthlyRent !== undefined && Number(deposit) > MAX_DEPOSIT_MONTHS * Number(monthlyRent)) {
      addIssue(result, { field: "deposit", code: "depositLimit", params: { months: MAX_DEPOSIT_MONTHS } }, fields);
    }
  },
  build(ctx) {
    const address = ctx.text("party.addressValue", {
      address: ctx.value("propertyAddress"),
      postalCode: ctx.value("propertyPostalCode"),
      city: ctx.value("propertyCity"),
    });
    const type = ctx.choice("propertyType");
    const term = ctx.choice("term");
    const description = ctx.freeText("propertyDescription");
    const rules = ctx.freeText("houseRules");
    return {
      title: "rental.title",
      intro: ctx.text("rental.intro", { landlord: ctx.value("landlordName"), tenant: ctx.value("tenantName") }),
      parties: [ctx.party("landlord"), ctx.party("tenant")],
      sections: [
        {
          heading: ctx.plain("rental.property.heading"),
          blocks: present(
            type === "room" || type === "house" || type === "flat"
              ? ctx.paragraph(`rental.property.${type}`, { address })
              : { kind: "paragraph", text: [{ blank: "propertyType" }, " – ", ...address] },
            description && ctx.paragraph("rental.property.description"),
            description,
          ),
        },
        {
          heading: ctx.plain("rental.term.heading"),
          blocks:
            term === "fixed"
              ? [ctx.paragraph("rental.term.fixed", { start: ctx.value("startDate"), end: ctx.value("endDate") }), ctx.paragraph("rental.term.fixedNotice")]
              : [
                  ctx.paragraph("rental.term.indefinite", { start: ctx.value("startDate") }),
                  ctx.paragraph("rental.term.notice", { notice: ctx.count("rental.months.one", "rental.months.other", "noticeMonths") }),
                ],
        },
        {
          heading: ctx.plain("rental.rent.heading"),
          blocks: present(
            ctx.sentences(
              ctx.text("rental.rent.text", { rent: ctx.value("monthlyRent"), day: ctx.value("rentDueDay") }),
              ctx.has("rentAccount") && ctx.text("rental.rent.account", { account: ctx.value("rentAccount") }),
            ),
            ctx.has("included") && ctx.paragraph("rental.rent.included", { included: ctx.value("included") }),
            ctx.paragraph("rental.rent.adjust"),
          ),
        },
        ...(ctx.has("deposit")
          ? [{ heading: ctx.plain("rental.deposit.heading"), blocks: [ctx.paragraph("rental.deposit.text", { deposit: ctx.value("deposit") })] }]
          : []),
        {
          heading: ctx.plain("rental.use.heading"),
          blocks: present(
            {
              kind: "list",
              items: [ctx.text("rental.use.care"), ctx.text("rental.use.sublet"), ctx.text("rental.use.damage"), ctx.text("rental.use.access")],
            },
            rules && ctx.paragraph("rental.use.rules"),
            rules,
          ),
        },
        { heading: ctx.plain("rental.end.heading"), blocks: [ctx.paragraph("rental.end.text")] },
        otherTermsSection(ctx, [ctx.paragraph("rental.law")]),
      ],
    };
  },
};
