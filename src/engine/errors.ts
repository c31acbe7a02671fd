/** Exit codes: one table, used by the CLI, docs/output-formats.md and --help. */
export const EXIT = {
  ok: 0,
  warn: 1,
  fail: 2,
  error: 3,
  usage: 64,
  unavailable: 69,
  config: 78,
  state: 74,
  /** EX_TEMPFAIL: the same run (command and environment) is still going; try again later. */
  tempfail: 75,
  /** A bug in nvcops (an error it did not expect): one line on stderr, never a stack or source. */
  internal: 70,
  interrupted: 130,
  terminated: 143,
} as const;

/** A bad flag, argument or flag value: exit 64. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An invalid configuration: exit 78. The message names the key path and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A target could not be reached or answered badly; becomes a check's `error`. */
export class TargetError extends Error {
  override name = 'TargetError';
}

/**
 * The server answered but refused nvcops' login (PostgreSQL: password, role, pg_hba.conf, database;
 * Redis: WRONGPASS, NOAUTH): it is up for its applications as far as anyone can tell, and nvcops
 * cannot see it; `error`, never down.
 */
export class LoginRefusedError extends TargetError {
  override name = 'LoginRefusedError';
}

/** Something the operator must fix on the server side (privilege, extension); becomes `error`. */
export class PrivilegeError extends Error {
  override name = 'PrivilegeError';
}

/**
 * The server answered and refused nvcops — its login, or a privilege it needs (a Redis ACL without
 * +ping): nvcops cannot see whether it serves its applications, so it is `error` / not seen, never down.
 */
export const refusedNvcops = (e: unknown): boolean => e instanceof LoginRefusedError || e instanceof PrivilegeError;

/** The state store (audit trail, history, records) cannot be read or written: exit 74. */
export class StateError extends Error {
  override name = 'StateError';
}

/** A record changed since the caller read it (another on-call engineer updated it first). */
export class StateConflictError extends StateError {
  override name = 'StateConflictError';
}

/** A program or server an action needs is not there (pg_dump not installed, server refused): exit 69. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** Another run of the same command in the same environment holds the run lock (--if-running exit): exit 75. */
export class RunInProgress extends Error {
  override name = 'RunInProgress';
}
