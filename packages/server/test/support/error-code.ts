import { expect } from 'vitest';
import { WatchwordError } from '@watchword/protocol';

/** The catalogue code a promise rejects with, 'no error' if it resolves; any other rejection is rethrown. */
export async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WatchwordError) return error.code;
    throw error;
  }
  return 'no error';
}

/** An injected reply's status and catalogue code, as one value to compare. */
export function expectError(reply: { statusCode: number; body: string }, status: number, errorCode: string): void {
  const error = (JSON.parse(reply.body) as { error?: { code: string } }).error;
  expect({ status: reply.statusCode, code: error?.code }).toEqual({ status, code: errorCode });
}
