// Errors that carry a stable code and a message a person can act on.
// Codes are strings here; core/api lists the ones that cross the API.

export class VmdeskError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a person or a script: a flag, a file, an API argument. */
export class UsageError extends VmdeskError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** The message of anything thrown, without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
