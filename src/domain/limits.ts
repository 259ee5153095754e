/**
 * Deployment defaults from the design. Sealing appends an increment and reads only the
 * page tree, so cost no longer grows with the page count (the bench finalises 2,000
 * pages): the page limit admits manuals and contracts with long annexes.
 */
export const uploadLimits = { maxBytes: 20 * 1024 * 1024, maxPages: 2000 } as const;
/**
 * What reading one PDF may inflate, derived from the upload limit: its structure
 * (cross-reference and object streams, held in memory while read) no more than
 * the largest upload could hold uncompressed, and its page contents (counted,
 * never kept) eight times that. A file past either is refused, not read on.
 */
export const inflateLimits = { structureBytes: uploadLimits.maxBytes, contentBytes: 8 * uploadLimits.maxBytes } as const;
export const expiryDays = { default: 30, min: 1, max: 365 } as const;
export const DAY_MS = 24 * 3600_000;
