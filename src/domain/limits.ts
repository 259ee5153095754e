/** Deployment defaults from the design. */
export const uploadLimits = { maxBytes: 20 * 1024 * 1024, maxPages: 500 } as const;
export const expiryDays = { default: 30, min: 1, max: 365 } as const;
export const DAY_MS = 24 * 3600_000;
