/**
 * The operator error catalogue: every failure of `ww-server` on its host (start-up, configuration, the `migrate`,
 * `keys`, `admin`, `backup` and `restore` commands) has a stable code here, like the wire errors in packages/protocol/src/errors.ts.
 * Docs and tests name the code; the message says what is wrong in this instance. `ww-server` prints one line,
 * `ww-server: <lead>: <message>` (no lead: `ww-server: <message>`), and exits with the code's exit code.
 * Internal invariants (a bug, not something an operator can fix) stay plain errors.
 */
interface OperatorErrorSpec {
  /** What the printed line starts with, before the message. */
  readonly lead: string;
  /** 1: refused or failed, 2: configuration, 3: no such account or role (`ww-server admin`). */
  readonly exitCode: 1 | 2 | 3;
  /** For docs: when it happens. */
  readonly when: string;
}

const CONFIG = 'invalid configuration';
const START = 'cannot start';

export const OPERATOR_ERRORS = {
  WW_CONFIG_INVALID: { lead: CONFIG, exitCode: 2, when: 'a setting is malformed, out of its range, or inconsistent with another' },
  WW_CONFIG_FILE_INVALID: { lead: CONFIG, exitCode: 2, when: 'CONFIG_FILE cannot be read, is not a JSON object, or holds an unknown or non-scalar setting' },
  WW_CONFIG_PRODUCTION_UNSAFE: { lead: CONFIG, exitCode: 2, when: 'NODE_ENV=production with a setting that is unsafe in production' },
  WW_DATABASE_URL_INVALID: { lead: START, exitCode: 1, when: 'DATABASE_URL is not a postgres:// or postgresql:// URL' },
  WW_DATABASE_MIGRATION_FAILED: { lead: START, exitCode: 1, when: 'a database migration failed (the message names it)' },
  WW_DATABASE_MIGRATION_PENDING: { lead: START, exitCode: 1, when: 'PostgreSQL needs migrations: run `ww-server migrate` first' },
  WW_DATABASE_CONTENT_INVALID: { lead: START, exitCode: 1, when: 'a stored value is outside what this version knows (a newer version wrote it, or the row was edited)' },
  WW_REDIS_URL_INVALID: { lead: START, exitCode: 1, when: 'REDIS_URL is not a redis:// or rediss:// URL' },
  WW_REDIS_UNREACHABLE: { lead: START, exitCode: 1, when: 'Redis does not answer at start-up' },
  WW_SMTP_URL_INVALID: { lead: START, exitCode: 1, when: 'SMTP_URL is not a usable smtp:// or smtps:// URL' },
  WW_MAIL_FROM_INVALID: { lead: START, exitCode: 1, when: 'MAIL_FROM is not a single line' },
  WW_TLS_FILE_UNREADABLE: { lead: START, exitCode: 1, when: 'TLS_CERT or TLS_KEY cannot be read' },
  WW_TLS_INVALID: { lead: START, exitCode: 1, when: 'TLS_CERT and TLS_KEY are not a certificate and its private key' },
  WW_OPAQUE_SETUP_MISSING: { lead: START, exitCode: 1, when: 'the database holds accounts but the OPAQUE server setup (or its fingerprint) is missing' },
  WW_OPAQUE_SETUP_MISMATCH: { lead: START, exitCode: 1, when: 'the OPAQUE server setup is not the one the database was created with' },
  WW_SERVER_SECRET_INVALID: { lead: START, exitCode: 1, when: 'SERVER_SECRET (or its file) is shorter than 32 bytes' },
  WW_SIGNING_KEY_INVALID: { lead: START, exitCode: 1, when: 'a file in DATA_DIR/keys is not a usable access-token signing key' },
  WW_SIGNING_KEY_MISSING: { lead: START, exitCode: 1, when: 'no signing key is active (all are expired or not yet activated)' },
  WW_ROUTE_UNDECLARED: { lead: START, exitCode: 1, when: 'a route declares no permission or rate-limit class (deny by default)' },
  WW_USAGE: { lead: '', exitCode: 1, when: 'an unknown ww-server command' },
  WW_KEYS_USAGE: { lead: '', exitCode: 1, when: 'a mistake on the `ww-server keys` command line' },
  WW_ADMIN_USAGE: { lead: '', exitCode: 1, when: 'a mistake on the `ww-server admin` command line' },
  WW_ADMIN_REFUSED: { lead: '', exitCode: 1, when: '`ww-server admin` refuses the change (the base role, the last owner)' },
  WW_ADMIN_NOT_FOUND: { lead: '', exitCode: 3, when: '`ww-server admin` finds no such account or role' },
  WW_ADMIN_DATABASE_MISSING: { lead: '', exitCode: 1, when: '`ww-server admin` finds no database, or one that needs migrations' },
  WW_BACKUP_USAGE: { lead: '', exitCode: 1, when: 'a mistake on the `ww-server backup` or `restore` command line, or a passphrase missing, too short or typed differently twice' },
  WW_BACKUP_REFUSED: { lead: '', exitCode: 1, when: '`ww-server backup` cannot make a usable backup (the output exists, no database, secrets missing or not matching the database)' },
  WW_RESTORE_REFUSED: { lead: '', exitCode: 1, when: '`ww-server restore` refuses the target (DATA_DIR not empty, or DATABASE_URL not matching the kind of backup)' },
  WW_BACKUP_UNREADABLE: { lead: '', exitCode: 1, when: 'the backup file cannot be read or opened: missing, not a backup, wrong passphrase, changed or cut short' },
} as const satisfies Record<string, OperatorErrorSpec>;

export type OperatorErrorCode = keyof typeof OPERATOR_ERRORS;

/** An operator error: a catalogue code, its exit code, and a one-line message naming the setting, file or value. */
export class OperatorError extends Error {
  readonly code: OperatorErrorCode;
  readonly exitCode: 1 | 2 | 3;
  constructor(code: OperatorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OperatorError';
    this.code = code;
    this.exitCode = OPERATOR_ERRORS[code].exitCode;
  }

  /** The line `ww-server` prints (without its `ww-server: ` prefix). */
  get line(): string {
    const lead = OPERATOR_ERRORS[this.code].lead;
    const first = this.message.split('\n')[0] ?? '';
    return lead === '' ? first : `${lead}: ${first}`;
  }
}

type ConfigCode = 'WW_CONFIG_INVALID' | 'WW_CONFIG_FILE_INVALID' | 'WW_CONFIG_PRODUCTION_UNSAFE';

/** A configuration error (exit code 2). */
export class ConfigError extends OperatorError {
  constructor(message: string, code: ConfigCode = 'WW_CONFIG_INVALID') {
    super(code, message);
    this.name = 'ConfigError';
  }
}
