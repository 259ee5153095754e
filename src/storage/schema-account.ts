/** D1 tables for account security (verification, resets, 2FA). Re-exported by schema.ts. Keep in step with migrations/*.sql. */
export {};
