import { describe, expect, it } from 'vitest';
import { WatchwordError } from '@watchword/protocol';
import { EXIT, describeError } from '../src/errors.ts';

describe('describeError', () => {
  it('a conflict says nothing was overwritten and names the commands that resolve it', () => {
    const { message, exitCode } = describeError(new WatchwordError('ITEM_CONFLICT', { details: { currentRevision: 4 } }));
    expect(exitCode).toBe(EXIT.notFound);
    expect(message).toBe(
      'The item was changed elsewhere; sync and try again. (the server has revision 4): nothing was overwritten; see the new version with `ww get <item>`, then repeat the change [ITEM_CONFLICT]',
    );
  });
});
