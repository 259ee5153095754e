/** Loan between private persons (låneavtale / lånebevis). */
import { personParty, requireAfter, requireAtMost } from "../fields";
import { type AgreementTemplate, otherTermsSection, present } from "../template";

export const loanTemplate: AgreementTemplate = {
  id: "loan",
  version: 1,
  signingRoles: ["lender", "borrower"],
  groups: [
    personParty("lender"),
    personParty("borrower"),
    {
      id: "loan",
      fields: [
        { name: "amount", kind: "amount", required: true, max: 100_000_000 },
        { name: "payoutDate", kind: "date", required: true },
        { name: "payoutAccount", kind: "accountNumber" },
        { name: "interestRate", kind: "percent", min: 0, max: 30 },
      ],
    },
    {
      id: "repayment",
      fields: [
        { name: "repayment", kind: "choice", required: true, options: ["lump", "instalments"] },
        { name: "repaymentDate", kind: "date", requiredWhen: { field: "repayment", equals: "lump" } },
        { name: "instalmentAmount", kind: "amount", requiredWhen: { field: "repayment", equals: "instalments" }, max: 100_000_000 },
        { name: "firstInstalmentDate", kind: "date", requiredWhen: { field: "repayment", equals: "instalments" } },
        { name: "repaymentAccount", kind: "accountNumber" },
      ],
    },
    { id: "other", fields: [{ name: "otherTerms", kind: "longText" }] },
  ],
  crossCheck(result, fields) {
    requireAfter(result, fields, "repaymentDate", "payoutDate");
    requireAfter(result, fields, "firstInstalmentDate", "payoutDate");
    requireAtMost(result, fields, "instalmentAmount", "amount");
  },
  build(ctx) {
    const interest = ctx.has("interestRate") && Number(ctx.values.interestRate) > 0;
    const repayment = ctx.choice("repayment");
    return {
      title: "loan.title",
      intro: ctx.text("loan.intro", { lender: ctx.value("lenderName"), borrower: ctx.value("borrowerName") }),
      parties: [ctx.party("lender"), ctx.party("borrower")],
      sections: [
        {
          heading: ctx.plain("loan.amount.heading"),
          blocks: [
            ctx.sentences(
              ctx.text("loan.amount.text", { amount: ctx.value("amount") }),
              ctx.has("payoutAccount")
                ? ctx.text("loan.amount.paidOutTo", { date: ctx.value("payoutDate"), account: ctx.value("payoutAccount") })
                : ctx.text("loan.amount.paidOut", { date: ctx.value("payoutDate") }),
            ),
            ctx.paragraph("loan.amount.acknowledgement"),
          ],
        },
        {
          heading: ctx.plain("loan.interest.heading"),
          blocks: [
            interest
              ? ctx.sentences(
                  ctx.text("loan.interest.rate", { rate: ctx.value("interestRate") }),
                  repayment === "instalments" && ctx.text("loan.interest.withInstalments"),
                  repayment === "lump" && ctx.text("loan.interest.withRepayment"),
                )
              : ctx.paragraph("loan.interest.none"),
          ],
        },
        {
          heading: ctx.plain("loan.repayment.heading"),
          blocks: present(
            repayment === "instalments"
              ? ctx.paragraph("loan.repayment.instalments", { amount: ctx.value("instalmentAmount"), date: ctx.value("firstInstalmentDate") })
              : repayment === "lump"
                ? ctx.paragraph("loan.repayment.lump", { date: ctx.value("repaymentDate") })
                : { kind: "paragraph", text: [{ blank: "repayment" }] },
            ctx.has("repaymentAccount") && ctx.paragraph("loan.repayment.account", { account: ctx.value("repaymentAccount") }),
            ctx.paragraph("loan.repayment.early"),
          ),
        },
        { heading: ctx.plain("loan.late.heading"), blocks: [ctx.paragraph("loan.late.text")] },
        otherTermsSection(ctx),
      ],
    };
  },
};
