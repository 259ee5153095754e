/** What an API key may do, and what the settings pages show of one (never the key itself). */
export const apiScopes = ["read", "write"] as const;
export type ApiScope = (typeof apiScopes)[number];

export type ApiKeySummary = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  scopes: ApiScope[];
};
