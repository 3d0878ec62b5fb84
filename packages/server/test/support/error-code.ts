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
