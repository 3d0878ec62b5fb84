import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { loadNodemailer } from './load.ts';
import type { MailLog } from './mail-log.ts';

export const OUTBOX_LOG_MESSAGE = 'mail written to outbox (SMTP_URL not set)';

export interface Outbox {
  /** Composes the message and stores it; resolves with the path of the new .eml file. */
  write(options: SendMailOptions): Promise<string>;
}

/**
 * Mail for a server without SMTP: every message becomes an RFC 5322 file
 * `<timestamp>-<random>.eml` in `dir` that an operator can open in any mail client or
 * hand to `sendmail -t`. Messages carry tokens, so the directory is created 0700 and the
 * files 0600. A file appears complete or not at all: it is written and flushed under a
 * hidden temporary name, then renamed (atomic within a directory, POSIX rename(2)).
 * Only the path is logged, never the message.
 */
export function createOutbox(dir: string, log: MailLog): Outbox {
  // newline 'windows': RFC 5322 §2.1 lines end in CRLF. Made on the first message (nodemailer loads then).
  let composer: Promise<Transporter> | undefined;
  const compose = () =>
    (composer ??= loadNodemailer().then((nodemailer) =>
      nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', disableFileAccess: true, disableUrlAccess: true, logger: false }),
    ));

  return {
    async write(options) {
      const info = await (await compose()).sendMail(options);
      if (!Buffer.isBuffer(info.message)) throw new Error('the mail composer did not return a buffer');
      const message = readableText(info.message);
      await mkdir(dir, { recursive: true, mode: 0o700 });

      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(8).toString('hex')}.eml`;
      const file = join(dir, name);
      const temp = join(dir, `.${name}.tmp`);
      try {
        const handle = await open(temp, 'wx', 0o600);
        try {
          await handle.writeFile(message);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw error;
      }
      log.info({ file }, OUTBOX_LOG_MESSAGE);
      return file;
    },
  };
}

/** RFC 5322 §2.1.1: a line is at most 998 octets without its CRLF. */
const MAX_LINE_OCTETS = 998;

/**
 * The outbox's files are read by people, who copy the verification and recovery links out of them. nodemailer
 * writes any text with a line over 76 characters or a non-ASCII character as quoted-printable (RFC 2045 §6.7),
 * which turns the link's `token=` into `token=3D` and breaks long lines with a trailing `=`: a link copied from the
 * file is refused. A single-part text message is therefore stored decoded, as 8bit UTF-8 (which a file, unlike an
 * old SMTP relay, carries as is), unless a line would exceed 998 octets; anything else is stored as composed.
 */
export function readableText(message: Buffer): Buffer {
  const split = message.indexOf('\r\n\r\n');
  if (split < 0) return message;
  const head = message.subarray(0, split).toString('latin1');
  const unfolded = head.replace(/\r\n[ \t]/g, ' ');
  if (!/^content-type:\s*text\/plain\b/im.test(unfolded) || !/^content-transfer-encoding:[ \t]*quoted-printable[ \t]*\r?$/im.test(unfolded)) return message;
  const body = decodeQuotedPrintable(message.subarray(split + 4).toString('latin1'));
  if (body.toString('latin1').split('\r\n').some((line) => line.length > MAX_LINE_OCTETS)) return message;
  const newHead = head.replace(/^content-transfer-encoding:[ \t]*quoted-printable[ \t]*$/im, 'Content-Transfer-Encoding: 8bit');
  return Buffer.concat([Buffer.from(`${newHead}\r\n\r\n`, 'latin1'), body]);
}

/** RFC 2045 §6.7: soft line breaks (`=` at the end of a line) removed, `=XX` octets restored. */
function decodeQuotedPrintable(encoded: string): Buffer {
  const joined = encoded.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c);
  }
  return Buffer.from(bytes);
}
