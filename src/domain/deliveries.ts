/**
 * The "Messages sent" panel's view types: services/envelope-deliveries.ts builds them,
 * templates/components/deliveries.tsx renders them.
 */
export type DeliveryRow = { id: string; recipientId: string | null; kind: string; channel: string; to: string | null; at: string; failed: boolean };
export type DeliveryPanel = {
  recipients: { id: string; name: string; correctable: boolean }[];
  rows: DeliveryRow[];
  /** Ids of failed rows the sender should still act on (the address is unchanged). */
  openFailures: string[];
};
