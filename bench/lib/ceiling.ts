// The read path's ceiling (bench/ceiling-server.ts) started on the data a profiled Watchword server left, and the
// check that it answers a read as Watchword did: shared by the read-path harness (CEILING=1) and its test.
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '../../packages/server/src/storage/sqlite-file.ts';
import { type Server, startServer } from './processes.ts';
import type { ProfiledServer } from './profiling.ts';

/** One answer to a read: its status, body and sorted header names (what the ceiling must reproduce). */
export interface AnswerShape {
  status: number;
  body: string;
  headers: string;
}

export async function answerShape(url: string, path: string, authorization: string): Promise<AnswerShape> {
  const response = await fetch(`${url}${path}`, { headers: { authorization } });
  return { status: response.status, body: await response.text(), headers: [...response.headers.keys()].sort().join(' ') };
}

/**
 * Starts the ceiling on `profiled`'s data (its SQLite file or DATABASE_URL, its Redis key prefix), accepting the one
 * access token `accessToken`. Watchword must be stopped first when the ceiling is to be measured alone on the core.
 * `without`: parts to remove (CEILING_WITHOUT).
 */
export function startCeiling(profiled: ProfiledServer, accessToken: string, cpu: number | undefined, without = ''): Promise<Server> {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; sid: string };
  const env: Record<string, string> = { CEILING_AUTHORIZATION: `Bearer ${accessToken}`, CEILING_USER: claims.sub, CEILING_SESSION: claims.sid };
  if (without) env.CEILING_WITHOUT = without;
  const { DATABASE_URL, REDIS_URL } = profiled.backends;
  if (DATABASE_URL) env.DATABASE_URL = DATABASE_URL;
  else env.SQLITE_FILE = join(profiled.dataDir, SQLITE_FILE_NAME);
  if (REDIS_URL) Object.assign(env, { REDIS_URL, REDIS_KEY_PREFIX: profiled.keyPrefix });
  return startServer(join(import.meta.dirname, '..', 'ceiling-server.ts'), [], env, cpu);
}

/**
 * Throws unless the ceiling's answer matches Watchword's: same status and body, and the same header names unless
 * the ceiling runs without its headers (then it sends fewer, on purpose).
 */
export function assertSameAnswer(ceiling: AnswerShape, watchword: AnswerShape, without = ''): void {
  const compared = without.split(',').includes('headers') ? { ...ceiling, headers: watchword.headers } : ceiling;
  if (JSON.stringify(compared) !== JSON.stringify(watchword)) {
    throw new Error(`the ceiling answers differently:\n${JSON.stringify(ceiling)}\nWatchword:\n${JSON.stringify(watchword)}`);
  }
}
