import { importError } from './types.ts';

/**
 * JSON.parse with an error that names the line and column but never quotes the text (the engine's own message
 * shows a piece of the file, which may be a password).
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const at = Number(message.match(/position (\d+)/)?.[1]);
    if (Number.isInteger(at)) {
      const before = text.slice(0, at);
      const line = before.split('\n').length;
      const column = at - before.lastIndexOf('\n');
      throw importError('IMPORT_UNREADABLE', `${what}: line ${line}, column ${column}: not valid JSON`, { line, column });
    }
    throw importError('IMPORT_UNREADABLE', `${what}: the JSON ends early (the file is truncated)`, {});
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string property, or '' (numbers are written out; anything else is absent). */
export function str(o: unknown, key: string): string {
  if (!isRecord(o)) return '';
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export function arr(o: unknown, key: string): unknown[] {
  return isRecord(o) && Array.isArray(o[key]) ? (o[key] as unknown[]) : [];
}

export function rec(o: unknown, key: string): Record<string, unknown> | undefined {
  return isRecord(o) && isRecord(o[key]) ? (o[key] as Record<string, unknown>) : undefined;
}

export const decodeUtf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: false }).decode(bytes);
