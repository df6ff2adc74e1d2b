import { VoicesimError, type VoicesimErrorCode } from "../../scenarios/index.ts";

/** An error as data, to cross a thread or process boundary. */
export interface SerialisedError {
  message: string;
  code?: string | undefined;
  hint?: string | undefined;
  stack?: string | undefined;
}

export function serialiseError(error: unknown): SerialisedError {
  if (error instanceof VoicesimError) return { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) };
  if (error instanceof Error) return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { message: String(error) };
}

/** Back to an error on the coordinator's side: a user mistake stays a VoicesimError (no stack printed). */
export function deserialiseError(error: SerialisedError, where: string): Error {
  if (error.code) return new VoicesimError(error.code as VoicesimErrorCode, error.message, error.hint ? { hint: error.hint } : {});
  const bug = new Error(`${where}: ${error.message}`);
  if (error.stack) bug.stack = `${bug.message}\n--- in ${where} ---\n${error.stack}`;
  return bug;
}
