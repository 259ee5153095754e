/**
 * The questions of an agreement template as an accessible form, built from the
 * GOV.UK-style parts in components/form.tsx: every party and every group of
 * questions is a fieldset with a legend (screen readers announce "Lender, group"
 * before "Full name"), each field keeps the label, hint, error, input order, and
 * optional questions say so in their label.
 *
 * Messages name their field ("Postcode (lender) must be 4 digits"), because a
 * form with two parties has two postcodes and the error summary must tell them
 * apart; that is why this file has its own summary with message parameters.
 */
import type { FieldDef, FieldGroup, FieldIssue, Values } from "../../src/agreements/fields";
import { formatAmount, formatInteger, formatPercent } from "../../src/agreements/formats";
import { fieldsOf, type AgreementTemplate } from "../../src/agreements/template";
import { isMessageKey, type Locale, type MessageKey, type Translate } from "../../src/i18n";
import { Radios, TextArea, TextField, type SummaryItem } from "../components/form";

/** A message and its parameters, as shown beside a field and in the error summary. */
/** A field's message with its parameters, as the error summary lists it. */
export type FieldMessage = SummaryItem;

type FieldText = {
  /** The label without "(optional)": used inside messages. */
  label: string;
  /** How messages name the field: the label, and for a party's field also the party. */
  name: string;
  hint?: string | undefined;
  missing: { key: MessageKey; params?: Record<string, string> };
};

const key = (value: string): MessageKey | undefined => (isMessageKey(value) ? value : undefined);

function isOrganisation(template: AgreementTemplate, role: string): boolean {
  return fieldsOf(template).some((f) => f.name === `${role}OrgNumber`);
}

/** The words for one field, in the sender's language. */
export function fieldText(t: Translate, locale: Locale, template: AgreementTemplate, def: FieldDef): FieldText {
  if (def.party) {
    const { role, part } = def.party;
    const partKey = part === "name" && isOrganisation(template, role) ? "nameOrg" : part;
    const label = t(`agreement.party.${partKey}` as MessageKey);
    const hintKey = key(`agreement.party.${partKey}.hint`);
    const roleName = t(`agreement.role.${role}` as MessageKey).toLocaleLowerCase(locale === "nb" ? "nb-NO" : "en-GB");
    const missingKey = key(`agreement.party.${part}.missing`);
    return {
      label,
      name: t("agreement.party.field", { label, role: roleName }),
      hint: hintKey ? t(hintKey) : undefined,
      missing: missingKey
        ? { key: missingKey, params: { role: t(`agreement.role.${role}.of` as MessageKey) } }
        : { key: "agreement.error.required", params: { field: label } },
    };
  }
  const base = key(`agreement.${template.id}.${def.name}`) ?? key(`agreement.field.${def.name}`);
  if (!base) throw new Error(`No label for ${template.id}.${def.name}`);
  const label = t(base);
  const hintKey = key(`${base}.hint`);
  const missingKey = key(`${base}.missing`);
  return {
    label,
    name: label,
    hint: hintKey ? t(hintKey) : undefined,
    missing: missingKey ? { key: missingKey } : { key: def.kind === "choice" ? "agreement.error.choice" : "agreement.error.required", params: { field: label } },
  };
}

/** An issue from the rules, in words: the message key and what fills it. */
export function issueMessage(t: Translate, locale: Locale, template: AgreementTemplate, issue: FieldIssue, today: string): FieldMessage {
  const fields = fieldsOf(template);
  const def = fields.find((f) => f.name === issue.field)!;
  const text = fieldText(t, locale, template, def);
  const field = text.name;
  const params = issue.params ?? {};
  const labelOf = (name: unknown) => {
    const other = fields.find((f) => f.name === name);
    return other ? fieldText(t, locale, template, other).label : String(name);
  };
  const message = (k: MessageKey, p: Record<string, string | number> = {}): FieldMessage => ({ field: issue.field, key: k, params: { field, ...p } });
  const bounds = () => {
    const min = Number(params.min ?? def.min ?? 0);
    const max = Number(params.max ?? (def.kind === "year" ? Number(today.slice(0, 4)) + 1 : (def.max ?? 0)));
    if (def.kind === "percent") return { min: formatPercentNumber(locale, min), max: formatPercentNumber(locale, max) };
    if (def.kind === "year") return { min: String(min), max: String(max) };
    return { min: formatInteger(locale, String(min)), max: formatInteger(locale, String(max)) };
  };
  switch (issue.code) {
    case "required":
      return { field: issue.field, key: text.missing.key, ...(text.missing.params ? { params: text.missing.params } : {}) };
    case "tooLong":
      return message("agreement.error.tooLong", { max: formatInteger(locale, String(params.max ?? def.max ?? 0)) });
    case "past":
      return message("agreement.error.past");
    case "after":
      return message("agreement.error.after", { other: labelOf(params.other) });
    case "exceeds":
      return message("agreement.error.exceeds", { other: labelOf(params.other) });
    case "depositLimit":
      return message("agreement.error.depositLimit", { months: Number(params.months ?? 6) });
    case "checksum":
      return message(def.kind === "orgNumber" ? "agreement.error.checksum.orgNumber" : "agreement.error.checksum.accountNumber");
    case "range":
    case "format":
      switch (def.kind) {
        case "amount":
          return issue.code === "range"
            ? message("agreement.error.range.amount", { max: formatAmount(locale, Number(params.max ?? def.max ?? 0).toFixed(2)) })
            : message("agreement.error.format.amount");
        case "integer":
          return message("agreement.error.range.integer", bounds());
        case "year":
          return message("agreement.error.range.year", bounds());
        case "percent":
          return message("agreement.error.range.percent", bounds());
        case "date":
        case "birthDate":
          return message("agreement.error.format.date");
        case "postalCode":
        case "orgNumber":
        case "accountNumber":
        case "registrationNumber":
        case "vin":
          return message(`agreement.error.format.${def.kind}`);
        default:
          return message("agreement.error.required");
      }
  }
}

function formatPercentNumber(locale: Locale, value: number): string {
  return formatPercent(locale, String(value)).replace(/\s?%$/, "");
}

const NUMERIC = new Set<FieldDef["kind"]>(["postalCode", "orgNumber", "accountNumber", "integer", "year"]);
const NO_SPELLCHECK = new Set<FieldDef["kind"]>(["postalCode", "orgNumber", "accountNumber", "integer", "year", "amount", "percent", "date", "birthDate", "registrationNumber", "vin"]);

function Field(props: { t: Translate; locale: Locale; template: AgreementTemplate; def: FieldDef; value: string | undefined; error: FieldMessage | undefined }) {
  const { t, locale, template, def, value, error } = props;
  const text = fieldText(t, locale, template, def);
  // Questions asked only after some answers ("only for monthly instalments") say so in their hint instead.
  const optional = !def.required && !def.requiredWhen;
  const label = optional ? t("agreement.optional", { label: text.label }) : text.label;
  const common = { t, id: def.name, label, hint: text.hint, error: error?.key, ...(error?.params ? { errorParams: error.params } : {}) };
  if (def.kind === "choice") {
    return (
      <Radios
        {...common}
        value={value}
        options={(def.options ?? []).map((o) => ({ value: o, label: t(`agreement.${template.id}.${def.name}.${o}` as MessageKey) }))}
      />
    );
  }
  if (def.kind === "longText") return <TextArea {...common} value={value} rows={5} />;
  const short = def.kind === "postalCode" || def.kind === "percent" || def.kind === "year" || (def.kind === "integer" && (def.max ?? 0) <= 100);
  return (
    <TextField
      {...common}
      value={value}
      width={short ? "short" : "full"}
      inputmode={NUMERIC.has(def.kind) ? "numeric" : undefined}
      spellcheck={def.party?.part === "name" || NO_SPELLCHECK.has(def.kind) ? false : undefined}
    />
  );
}

function Group(props: { t: Translate; locale: Locale; template: AgreementTemplate; group: FieldGroup; values: Values; errors: Map<string, FieldMessage> }) {
  const { t, locale, template, group, values, errors } = props;
  const fields = group.fields.map((def) => (
    <Field t={t} locale={locale} template={template} def={def} value={values[def.name]} error={errors.get(def.name)} />
  ));
  // One question needs no group around it: its own label (or legend) says it all.
  if (group.fields.length === 1) return <div class="agreement-group agreement-group--single">{fields}</div>;
  const legend = group.party ? t(`agreement.role.${group.id}` as MessageKey) : t(`agreement.${template.id}.group.${group.id}` as MessageKey);
  const hint = group.party ? t(`agreement.role.${group.id}.hint` as MessageKey) : undefined;
  return (
    <fieldset class="agreement-group" aria-describedby={hint ? `${group.id}-group-hint` : undefined}>
      <legend>{legend}</legend>
      {hint ? <div id={`${group.id}-group-hint`} class="hint">{hint}</div> : null}
      {fields}
    </fieldset>
  );
}

/** Every question of the template, in order, with the answers given so far. */
export function AgreementFields(props: { t: Translate; locale: Locale; template: AgreementTemplate; values: Values; errors: FieldMessage[] }) {
  const errors = new Map(props.errors.map((e) => [e.field, e]));
  return (
    <>
      {props.template.groups.map((group) => (
        <Group t={props.t} locale={props.locale} template={props.template} group={group} values={props.values} errors={errors} />
      ))}
    </>
  );
}
