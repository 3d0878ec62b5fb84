/** The mail outbox (`DATA_DIR/outbox`, one .eml per message) as the end-to-end suites read it. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseMail } from './mime.ts';

/** An .eml from the outbox: its recipient and its text. */
export function outboxMail(raw: string): { to: string; body: string } {
  const mail = parseMail(raw);
  return { to: mail.headers.get('to')?.[0] ?? '', body: mail.text };
}

/**
 * The link in the newest outbox mail of this kind to `to` that is not in `seen` (it is added), or undefined when
 * there is none yet: mail goes out in the background, so callers poll this.
 */
export function unseenMailLink(outbox: string, to: string, kind: 'verify-email' | 'recover', seen: Set<string>): string | undefined {
  if (!existsSync(outbox)) return undefined;
  for (const name of readdirSync(outbox).filter((n) => n.endsWith('.eml') && !seen.has(n)).sort().reverse()) {
    const mail = outboxMail(readFileSync(join(outbox, name), 'utf8'));
    const link = new RegExp(`(http://\\S+/#/${kind}\\?token=[A-Za-z0-9_-]+)`).exec(mail.body)?.[1];
    if (mail.to === to && link) {
      seen.add(name);
      return link;
    }
  }
  return undefined;
}
