/** Sale of a used car between private persons (kjøpekontrakt for bruktbil). */
import type { Row } from "../document";
import { personParty } from "../fields";
import { type AgreementTemplate, otherTermsSection, present } from "../template";

export const carSaleTemplate: AgreementTemplate = {
  id: "car-sale",
  version: 1,
  signingRoles: ["seller", "buyer"],
  groups: [
    personParty("seller"),
    personParty("buyer"),
    {
      id: "car",
      fields: [
        { name: "registrationNumber", kind: "registrationNumber", required: true },
        { name: "make", kind: "text", required: true, max: 60 },
        { name: "model", kind: "text", required: true, max: 60 },
        { name: "modelYear", kind: "year", required: true, min: 1900 },
        { name: "vin", kind: "vin" },
        { name: "mileage", kind: "integer", required: true, min: 0, max: 2_000_000 },
        { name: "nextInspection", kind: "date" },
        { name: "included", kind: "text", max: 300 },
      ],
    },
    {
      id: "sale",
      fields: [
        { name: "price", kind: "amount", required: true, max: 100_000_000 },
        { name: "handoverDate", kind: "date", required: true },
        { name: "paymentAccount", kind: "accountNumber" },
      ],
    },
    { id: "condition", fields: [{ name: "knownDefects", kind: "longText", max: 3000 }] },
    { id: "other", fields: [{ name: "otherTerms", kind: "longText" }] },
  ],
  build(ctx) {
    const rows: Row[] = [
      { label: ctx.plain("car.registrationNumber"), value: [ctx.value("registrationNumber")] },
      { label: ctx.plain("car.makeModel"), value: [ctx.value("make"), " ", ctx.value("model")] },
      { label: ctx.plain("car.modelYear"), value: [ctx.value("modelYear")] },
    ];
    if (ctx.has("vin")) rows.push({ label: ctx.plain("car.vin"), value: [ctx.value("vin")] });
    rows.push({ label: ctx.plain("car.mileage"), value: ctx.text("car.mileageValue", { km: ctx.value("mileage") }) });
    if (ctx.has("nextInspection")) rows.push({ label: ctx.plain("car.nextInspection"), value: [ctx.value("nextInspection")] });
    if (ctx.has("included")) rows.push({ label: ctx.plain("car.included"), value: [ctx.value("included")] });
    const defects = ctx.freeText("knownDefects");
    return {
      title: "car.title",
      intro: ctx.text("car.intro", { seller: ctx.value("sellerName"), buyer: ctx.value("buyerName") }),
      parties: [ctx.party("seller"), ctx.party("buyer")],
      sections: [
        { heading: ctx.plain("car.vehicle.heading"), blocks: [{ kind: "table", caption: ctx.plain("car.vehicle.caption"), rows }] },
        {
          heading: ctx.plain("car.price.heading"),
          blocks: [
            ctx.sentences(
              ctx.text("car.price.text", { price: ctx.value("price") }),
              ctx.text("car.price.payment"),
              ctx.has("paymentAccount") && ctx.text("car.price.account", { account: ctx.value("paymentAccount") }),
            ),
            ctx.paragraph("car.price.ownership"),
          ],
        },
        {
          heading: ctx.plain("car.handover.heading"),
          blocks: [ctx.paragraph("car.handover.text", { date: ctx.value("handoverDate") }), ctx.paragraph("car.handover.registration")],
        },
        {
          heading: ctx.plain("car.condition.heading"),
          blocks: present(
            ctx.paragraph("car.condition.asIs"),
            ctx.paragraph("car.condition.disclosure"),
            defects ? ctx.paragraph("car.condition.known") : ctx.paragraph("car.condition.noneKnown"),
            defects,
          ),
        },
        otherTermsSection(ctx),
      ],
    };
  },
};
