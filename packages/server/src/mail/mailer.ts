import type { SendMailOptions } from 'nodemailer';
import type { MailLog } from './mail-log.ts';
import { createOutbox } from './outbox.ts';

export type { MailLog } from './mail-log.ts';
import { createSmtpTransport } from './smtp.ts';
import { OperatorError } from '../operator-errors.ts';

/**
 * The one way the server sends e-mail. With `SMTP_URL` set, messages go out through a
 * pooled SMTP connection; without it (the embedded default) each message is written as
 * an .eml file into the outbox directory and its path logged, so mail is never silently
 * dropped. Messages are plain text; callers build them with ./templates.ts.
 */
export interface MailMessage {
  /** A single bare address (`user@example.com`); display names and lists are refused. */
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  /** Resolves once the message is handed to the SMTP server or written to the outbox. */
  send(message: MailMessage): Promise<void>;
  /** Waits (briefly) for messages still being sent, then releases connections. */
  close(): Promise<void>;
}

export interface MailerOptions {
  /** `smtp://` or `smtps://` URL, credentials allowed; undefined selects the outbox. */
  smtpUrl: string | undefined;
  /** From header, `address` or `Name <address>`. */
  from: string;
  /** Where the outbox writes messages when there is no SMTP URL. */
  outboxDir: string;
}

/** How long close() waits for messages in flight before cutting connections. */
const CLOSE_GRACE_MS = 10_000;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254. */
const MAX_ADDRESS_LENGTH = 254;
/** RFC 5322 §2.1.1 recommends lines of at most 78 characters; subjects are folded, but stay short. */
const MAX_SUBJECT_LENGTH = 200;

export function createMailer(options: MailerOptions, log: MailLog): Mailer {
  const from = options.from;
  if (/[\r\n]/.test(from)) throw new OperatorError('WW_MAIL_FROM_INVALID', 'the mail From address must be a single line');

  let deliver: (mail: SendMailOptions) => Promise<unknown>;
  let release: (force: boolean) => void;
  let kind: Mailer['kind'];
  if (options.smtpUrl !== undefined) {
    const transport = createSmtpTransport(options.smtpUrl);
    kind = 'smtp';
    deliver = async (mail) => (await transport.get()).sendMail(mail);
    release = (force) => transport.close(force);
  } else {
    const outbox = createOutbox(options.outboxDir, log);
    kind = 'outbox';
    deliver = (mail) => outbox.write(mail);
    release = () => undefined;
  }

  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  return {
    kind,
    async send(message) {
      if (closed) throw new Error('the mailer is closed');
      const mail: SendMailOptions = {
        from,
        to: checkRecipient(message.to),
        subject: Array.from(singleLine(message.subject)).slice(0, MAX_SUBJECT_LENGTH).join(''),
        text: message.text,
        // RFC 3834 §5: notification mail, so vacation responders do not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      };
      const delivery = deliver(mail);
      inFlight.add(delivery);
      try {
        await delivery;
      } finally {
        inFlight.delete(delivery);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const drained = await Promise.race([
        Promise.allSettled([...inFlight]).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      release(!drained);
    },
  };
}

/**
 * Sends without making the caller wait or fail: for paths where the response must not
 * reveal (by timing or by error) whether a mail was sent, such as registration with an
 * existing address. The returned promise always resolves — after the attempt, so tests
 * can await it — and a failure is logged with the error's description only, never the
 * message (bodies carry tokens) or the recipient.
 */
export function sendInBackground(mailer: Mailer, message: MailMessage, log: MailLog): Promise<void> {
  return Promise.resolve()
    .then(() => mailer.send(message))
    .then(
      () => undefined,
      (error: unknown) => {
        try {
          log.error({ mailer: mailer.kind, err: describeError(error) }, 'sending mail failed');
        } catch {
          // Logging must not turn a failed mail into an unhandled rejection.
        }
      },
    );
}

/** Name, code and a bounded message of an error: what to log without leaking the mail. */
function describeError(error: unknown): Record<string, string | number> {
  if (!(error instanceof Error)) return { message: 'non-error thrown' };
  const out: Record<string, string | number> = { name: error.name, message: error.message.slice(0, 300) };
  const { code, responseCode, command } = error as Error & { code?: unknown; responseCode?: unknown; command?: unknown };
  if (typeof code === 'string') out.code = code;
  if (typeof responseCode === 'number') out.responseCode = responseCode;
  // The SMTP verb only ("AUTH PLAIN" carries credentials after it).
  if (typeof command === 'string') out.command = command.split(' ', 1)[0] ?? '';
  return out;
}

/**
 * One bare address, no display name, list, comment or whitespace: anything else could
 * smuggle in recipients or headers (CRLF), so it is refused rather than repaired.
 */
function checkRecipient(to: string): string {
  if (
    to.length > MAX_ADDRESS_LENGTH ||
    /[\p{Cc}\p{Z}<>()[\]\\,;:"]/u.test(to) ||
    !/^[^@]+@[^@]+$/.test(to)
  ) {
    throw new TypeError('invalid recipient address');
  }
  return to;
}

/** Header values must not break the header: CR, LF and other controls become spaces. */
function singleLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}
