import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMail } from '@watchword/testkit';

export { parseMail };

/**
 * An in-process SMTP server that keeps every message it receives, for tests that need to
 * read mail (verification links, recovery tokens). Plain SMTP on 127.0.0.1, no STARTTLS.
 *
 *     const smtp = await startSmtpCapture();
 *     // … start the server with SMTP_URL=smtp.url …
 *     const mail = await smtp.waitFor((m) => m.to.includes('alice@example.com'));
 *     const token = /token=([\w-]+)/.exec(mail.text)?.[1];
 *     await smtp.close();
 */
export interface CapturedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** The message exactly as received (CRLF line ends, transfer-encoded). */
  raw: string;
  /** Subject header, unfolded and with RFC 2047 encoded-words decoded. */
  subject: string;
  /**
   * The text/plain body, transfer-decoded and charset-decoded, with LF line ends. SMTP
   * data ends with a line break (RFC 5321 §4.1.1.4), so a text that had none gains one.
   */
  text: string;
  /** Header fields by lower-case name, unfolded, in order; values not decoded. */
  headers: Map<string, string[]>;
  /** The user name the client authenticated as, if it did. */
  user: string | undefined;
}

export interface SmtpCapture {
  /** `smtp://[user:pass@]127.0.0.1:<port>`, ready for SMTP_URL. */
  url: string;
  port: number;
  messages: CapturedMail[];
  /** Resolves with the first message (already received or still to come) matching `pred`. */
  waitFor(pred: (message: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** Require AUTH (PLAIN/LOGIN, over plain text) with exactly these credentials. */
  auth?: { user: string; pass: string };
}

export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<(message: CapturedMail) => void>();
  const { auth } = options;

  const server = new SMTPServer({
    authOptional: auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1_000,
    onAuth(credentials, _session, callback) {
      if (auth !== undefined && credentials.username === auth.user && credentials.password === auth.pass) {
        callback(null, { user: credentials.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        try {
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = session.envelope;
          const message: CapturedMail = {
            ...parseMail(raw),
            raw,
            to: envelope.rcptTo.map((r) => r.address),
            from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
            user: typeof session.user === 'string' ? session.user : undefined,
          };
          messages.push(message);
          for (const waiter of [...waiters]) waiter(message);
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  const credentials = auth === undefined ? '' : `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@`;

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    waitFor(pred, timeoutMs = 5_000) {
      const found = messages.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const waiter = (message: CapturedMail): void => {
          if (!pred(message)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(message);
        };
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
