/** Liveness with a real dependency check. */
import type { Env } from "../env";
import { pingDatabase } from "../storage/db";

/** Whether the dependencies every request needs answer: D1 must. */
export async function dependenciesAnswer(env: Pick<Env, "DB">): Promise<boolean> {
  try {
    await pingDatabase(env.DB);
    return true;
  } catch {
    return false;
  }
}
