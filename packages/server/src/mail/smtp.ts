import type { SMTPPoolOptions, Transporter } from 'nodemailer';
import { loadNodemailer } from './load.ts';
import { OperatorError } from '../operator-errors.ts';

/** Time allowed to open the TCP (or TLS) connection. */
export const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
/** Time allowed for the server's 220 greeting after connecting (RFC 5321 §4.5.3.2.1 allows 5 min; we do not wait that long). */
export const SMTP_GREETING_TIMEOUT_MS = 10_000;
/** Inactivity allowed on an open connection. */
export const SMTP_SOCKET_TIMEOUT_MS = 30_000;

/** RFC 8314 §3.3: implicit TLS submission on 465; RFC 6409 §3.1: submission on 587. */
const DEFAULT_PORT = { 'smtp:': 587, 'smtps:': 465 } as const;

/**
 * Nodemailer pool options for an `smtp://[user[:password]@]host[:port]` or `smtps://…`
 * URL. `smtps:` is implicit TLS (RFC 8314 §3.3); `smtp:` upgrades with STARTTLS whenever
 * the server offers it (RFC 3207). User and password are percent-decoded.
 *
 * Query parameters are refused rather than silently ignored. Errors never repeat the URL:
 * it may hold a password.
 */
export function smtpOptionsFromUrl(smtpUrl: string): SMTPPoolOptions & { pool: true } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new OperatorError('WW_SMTP_URL_INVALID', 'SMTP_URL is not a valid URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new OperatorError('WW_SMTP_URL_INVALID', 'SMTP_URL must use smtp:// or smtps://');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new OperatorError('WW_SMTP_URL_INVALID', 'SMTP_URL has no host');
  if (url.search !== '' || url.hash !== '' || (url.pathname !== '' && url.pathname !== '/')) {
    throw new OperatorError('WW_SMTP_URL_INVALID', 'SMTP_URL must not have a path, query or fragment');
  }
  const user = decodeComponent(url.username);
  const pass = decodeComponent(url.password);

  return {
    pool: true,
    host,
    port: url.port === '' ? DEFAULT_PORT[url.protocol] : Number(url.port),
    secure: url.protocol === 'smtps:',
    ...(user !== '' || pass !== '' ? { auth: { user, pass } } : {}),
    connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    // Our messages are plain text built in-process: never let content pull in files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    // Nodemailer's own logging could echo the credentials or the message.
    logger: false,
    debug: false,
  };
}

/**
 * A pooled nodemailer SMTP transport for `smtpUrl` (see {@link smtpOptionsFromUrl}): the URL is checked at once,
 * nodemailer is loaded and the pool made on the first message.
 */
export function createSmtpTransport(smtpUrl: string): { get(): Promise<Transporter>; close(force: boolean): void } {
  const options = smtpOptionsFromUrl(smtpUrl);
  let transport: Promise<Transporter> | undefined;
  return {
    get: () => (transport ??= loadNodemailer().then((nodemailer) => nodemailer.createTransport(options))),
    close(force) {
      void transport?.then((t) => t.close({ force } as never));
    },
  };
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new OperatorError('WW_SMTP_URL_INVALID', 'SMTP_URL has invalid percent-encoding in its credentials');
  }
}
