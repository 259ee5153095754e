/**
 * Accessible form parts after the GOV.UK Design System: label, hint, error, input in
 * that order; `{id}-hint` and `{id}-error` in aria-describedby; the same words in the
 * error summary and beside the field. Validation happens on the server (forms carry
 * `novalidate`), so every message is ours and translated.
 */
import type { Child } from "hono/jsx";
import type { MessageKey, Translate } from "../../src/i18n";
import { CSRF_FIELD, type FieldErrors, type View } from "../view";

export function CsrfField({ view }: { view: View }) {
  return <input type="hidden" name={CSRF_FIELD} value={view.csrf} />;
}

/** One line of the error summary: the field it links to and its message. */
export type SummaryItem = { field: string; key: MessageKey; params?: Record<string, string | number> | undefined };

type ErrorSummaryProps = {
  t: Translate;
  /** Field errors, listed in `order` (the fields' order on the page). */
  errors?: FieldErrors;
  order?: readonly string[];
  /** Messages that carry parameters, listed after those. */
  items?: readonly SummaryItem[];
  /** A problem no field can fix, said in a paragraph instead of links. */
  children?: Child;
  heading?: MessageKey;
  headingId?: string;
  /** False when another summary on the page takes the focus. */
  autofocus?: boolean;
};

/**
 * The one error summary, after GOV.UK: listed at the top of <main> and focused on load
 * (autofocus), so keyboard and screen reader users land on it; `role="alert"` on the inner
 * container announces it; each link moves focus to its field. Nothing when there is nothing to say.
 */
export function ErrorSummary(props: ErrorSummaryProps) {
  const { t, errors = {}, order = [], items = [], children, heading = "error.summary", headingId = "error-summary-title", autofocus = true } = props;
  const listed: SummaryItem[] = [...order.flatMap((field) => (errors[field] ? [{ field, key: errors[field] }] : [])), ...items];
  if (listed.length === 0 && children === undefined) return null;
  return (
    <div class="error-summary" tabindex={-1} autofocus={autofocus ? true : undefined} aria-labelledby={headingId}>
      <div role="alert">
        <h2 id={headingId}>{t(heading)}</h2>
        {children}
        {listed.length > 0 ? (
          <ul>
            {listed.map((item) => (
              <li><a href={`#${item.field}`}>{t(item.key, item.params)}</a></li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

type FieldProps = {
  t: Translate;
  id: string;
  label: string;
  hint?: string;
  error?: MessageKey | undefined;
  errorParams?: Record<string, string | number>;
};

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function FieldMessages({ t, id, hint, error, errorParams }: FieldProps) {
  return (
    <>
      {hint ? <div id={`${id}-hint`} class="hint">{hint}</div> : null}
      {error ? (
        <p id={`${id}-error`} class="field-error">
          <span class="visually-hidden">{t("error.prefix")} </span>
          {t(error, errorParams)}
        </p>
      ) : null}
    </>
  );
}

export function TextField(
  props: FieldProps & { type?: string; value?: string | undefined; autocomplete?: string; inputmode?: "numeric" | "email" | "text"; spellcheck?: boolean; width?: "full" | "short" },
) {
  const { id, label, hint, error, type = "text", value, autocomplete, spellcheck, width = "full" } = props;
  return (
    <div class={`field${error ? " field--error" : ""}`}>
      <label for={id}>{label}</label>
      <FieldMessages {...props} />
      <input
        class={`input input--${width}`}
        id={id}
        name={id}
        type={type}
        value={type === "password" ? undefined : value}
        autocomplete={autocomplete}
        inputmode={props.inputmode}
        spellcheck={spellcheck}
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? "true" : undefined}
      />
    </div>
  );
}

export function TextArea(props: FieldProps & { value?: string | undefined; rows?: number }) {
  const { id, label, hint, error, value, rows = 4 } = props;
  return (
    <div class={`field${error ? " field--error" : ""}`}>
      <label for={id}>{label}</label>
      <FieldMessages {...props} />
      <textarea class="input input--full" id={id} name={id} rows={rows} aria-describedby={describedBy(id, hint, error)} aria-invalid={error ? "true" : undefined}>
        {value ?? ""}
      </textarea>
    </div>
  );
}

export function FileField(props: FieldProps & { accept: string }) {
  const { id, label, hint, error, accept } = props;
  return (
    <div class={`field${error ? " field--error" : ""}`}>
      <label for={id}>{label}</label>
      <FieldMessages {...props} />
      <input class="file" id={id} name={id} type="file" accept={accept} aria-describedby={describedBy(id, hint, error)} aria-invalid={error ? "true" : undefined} />
    </div>
  );
}

/** A select, for choices too many for radios (the time zone). */
export function Select(props: FieldProps & { value?: string | undefined; options: { value: string; label: string }[] }) {
  const { id, label, hint, error, value, options } = props;
  return (
    <div class={`field${error ? " field--error" : ""}`}>
      <label for={id}>{label}</label>
      <FieldMessages {...props} />
      <select class="input select" id={id} name={id} aria-describedby={describedBy(id, hint, error)} aria-invalid={error ? "true" : undefined}>
        {options.map((o) => <option value={o.value} selected={o.value === value}>{o.label}</option>)}
      </select>
    </div>
  );
}

/** The first radio carries the plain id, so the error summary can link to the group. */
export function Radios(props: FieldProps & { value?: string | undefined; options: { value: string; label: string }[] }) {
  const { id, label, hint, error, value, options } = props;
  return (
    <div class={`field${error ? " field--error" : ""}`}>
      <fieldset aria-describedby={describedBy(id, hint, error)}>
        <legend>{label}</legend>
        <FieldMessages {...props} />
        <div class="radios">
          {options.map((o, i) => (
            <div class="radio">
              <input id={i === 0 ? id : `${id}-${o.value}`} name={id} type="radio" value={o.value} checked={value === o.value} />
              <label for={i === 0 ? id : `${id}-${o.value}`}>{o.label}</label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

export function Checkbox(props: FieldProps & { checked?: boolean; value?: string }) {
  const { id, label, hint, error, checked, value = "yes" } = props;
  return (
    <div class={`field${error ? " field--error" : ""}`}>
      <FieldMessages {...props} />
      <div class="checkbox">
        <input id={id} name={id} type="checkbox" value={value} checked={checked} aria-describedby={describedBy(id, hint, error)} aria-invalid={error ? "true" : undefined} />
        <label for={id}>{label}</label>
      </div>
    </div>
  );
}

export function Button({ children, variant = "primary" }: { children: Child; variant?: "primary" | "secondary" | "warning" }) {
  return <button type="submit" class={`button button--${variant}`}>{children}</button>;
}
