import type { z } from "zod";
import { DomainError } from "../domain/errors";

/**
 * A use case's input checked against its one domain schema. Adapters check first to show
 * field errors; this is the guarantee for every other caller: `validation_failed` (422)
 * naming the first field, its message the schema's translation key.
 */
export function validated<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DomainError("validation_failed", issue?.message ?? "Invalid input", { field: issue?.path.join(".") ?? "" });
}
