/**
 * Strings for one area of the product, kept in their own file so areas can grow apart.
 * English first; the Norwegian table is typed against it, so a missing translation fails the typecheck.
 */
export const accountEn = {
} as const;

export const accountNb: Record<keyof typeof accountEn, string> = {
};
