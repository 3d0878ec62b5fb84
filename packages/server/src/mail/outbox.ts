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
      await mkdir(dir, { recursive: true, mode: 0o700 });

      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(8).toString('hex')}.eml`;
      const file = join(dir, name);
      const temp = join(dir, `.${name}.tmp`);
      try {
        const handle = await open(temp, 'wx', 0o600);
        try {
          await handle.writeFile(info.message);
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
