/** D1 tables for API access (keys). Re-exported by schema.ts. Keep in step with migrations/*.sql. */
export {};
