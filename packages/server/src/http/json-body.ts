import { WatchwordError } from '@watchword/protocol';
import type { App } from './types.ts';

/** No request body of ours nests beyond a handful of levels; 32 leaves room and bounds every recursive consumer. */
export const MAX_JSON_DEPTH = 32;

/**
 * How deeply `text` nests arrays and objects, scanning at most to `limit + 1`. Brackets inside strings do not count.
 * Linear and allocation-free; run before parsing, so a hostile `[[[[…` never reaches the parser or a validator.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character (RFC 8259 §7)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * `application/json` (with or without parameters such as `charset=utf-8`) is the only body type the API takes;
 * anything else stays 415. Parsing is Fastify's own secure-json-parse parser with `__proto__` and
 * `constructor.prototype` keys rejected (400, never silently dropped), preceded by the nesting bound (400).
 */
export function registerJsonBody(app: App): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, MAX_JSON_DEPTH)) {
      done(new WatchwordError('BODY_TOO_DEEP', { details: { maxDepth: MAX_JSON_DEPTH } }), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
