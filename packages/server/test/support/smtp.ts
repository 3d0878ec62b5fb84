import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

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

/**
 * A small RFC 5322 / MIME reader, enough for what nodemailer produces: header fields
 * (unfolded, RFC 5322 §2.2.3), RFC 2047 encoded-words in the subject, `multipart/*`
 * (RFC 2046 §5.1) down to the first text/plain part, and quoted-printable or base64
 * transfer encoding (RFC 2045 §6.7, §6.8).
 */
export function parseMail(raw: string): { headers: Map<string, string[]>; subject: string; text: string } {
  const { headers, body } = splitEntity(raw);
  const subject = decodeEncodedWords(headers.get('subject')?.[0] ?? '');
  return { headers, subject, text: textPart(headers, body) ?? '' };
}

function splitEntity(raw: string): { headers: Map<string, string[]>; body: string } {
  const boundary = /\r?\n\r?\n/.exec(raw);
  const head = boundary === null ? raw : raw.slice(0, boundary.index);
  const body = boundary === null ? '' : raw.slice(boundary.index + boundary[0].length);
  const headers = new Map<string, string[]>();
  const lines: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += line;
    else lines.push(line);
  }
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }
  return { headers, body };
}

function textPart(headers: Map<string, string[]>, body: string): string | undefined {
  const contentType = headers.get('content-type')?.[0] ?? 'text/plain; charset=us-ascii';
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('multipart/')) {
    const boundary = parameter(contentType, 'boundary');
    if (boundary === undefined) return undefined;
    const parts = body.split(new RegExp(`\\r?\\n?--${escapeRegExp(boundary)}(?:--)?[ \\t]*(?:\\r?\\n|$)`));
    for (const part of parts.slice(1)) {
      if (part.trim() === '') continue;
      const entity = splitEntity(part);
      const text = textPart(entity.headers, entity.body);
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (type !== 'text/plain') return undefined;

  const encoding = (headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase();
  const charset = parameter(contentType, 'charset') ?? 'utf-8';
  let bytes: Buffer;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else bytes = Buffer.from(body, 'utf8');
  return new TextDecoder(charset).decode(bytes).replace(/\r\n/g, '\n');
}

/** RFC 2045 §6.7: `=XX` octets and soft line breaks (`=` at the end of a line). */
function decodeQuotedPrintable(text: string): Buffer {
  const unfolded = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const char = unfolded[i] ?? '';
    const hex = unfolded.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      for (const byte of Buffer.from(char, 'utf8')) bytes.push(byte);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 §4: `=?charset?B|Q?text?=`; whitespace between adjacent encoded-words is dropped (§6.2). */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : decodeQuotedPrintable(text.replace(/_/g, ' ')); // §4.2 (2): "_" is a space
      return new TextDecoder(charset.split('*', 1)[0]).decode(bytes);
    });
}

function parameter(header: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return match === null ? undefined : (match[1] ?? match[2]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
