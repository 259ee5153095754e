import type { MessageKey } from "../../src/i18n";
import type { View } from "../view";

/** An envelope status as a coloured tag with its words (colour is never the only cue). */
export function StatusTag({ view, status, finalising }: { view: View; status: string; finalising?: boolean }) {
  const key = (finalising ? "status.finalising" : `status.${status}`) as MessageKey;
  return <strong class={`tag tag--${finalising ? "finalising" : status}`}>{view.t(key)}</strong>;
}
