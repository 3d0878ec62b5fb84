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
