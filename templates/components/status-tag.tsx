import type { MessageKey } from "../../src/i18n";
import type { View } from "../view";

/**
 * An envelope status as a coloured tag with its words (colour is never the only cue). A sent
 * envelope whose signers have all signed shows "completing", or "could not be completed" when
 * its finalisation failed: properties of `sent`, not statuses of their own.
 */
export function StatusTag({ view, status, finalising, finalisationFailed }: { view: View; status: string; finalising?: boolean; finalisationFailed?: boolean }) {
  const shown = finalisationFailed ? "finalisation_failed" : finalising ? "finalising" : status;
  return <strong class={`tag tag--${shown}`}>{view.t(`status.${shown}` as MessageKey)}</strong>;
}
