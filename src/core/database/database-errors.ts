import { ErrorCode, TesseraError, type TesseraErrorOptions } from '../errors.ts';

type DatabaseErrorCode =
  | typeof ErrorCode.DATABASE_UNAVAILABLE
  | typeof ErrorCode.DATABASE_AUTH_FAILED
  | typeof ErrorCode.DATABASE_MISSING
  | typeof ErrorCode.DATABASE_LOCKED;

/** The database cannot be opened: unreachable, refusing the login, missing, or held by another process. */
export class DatabaseError extends TesseraError {
  constructor(code: DatabaseErrorCode, message: string, options?: TesseraErrorOptions) {
    super(code, message, options);
  }
}
