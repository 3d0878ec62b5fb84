import { describe, expect, it } from 'vitest';
import { type SessionFile, withRefreshedTokens } from '../src/session-file.ts';

const tokens = (refreshToken: string) => ({ accessToken: `at-${refreshToken}`, refreshToken, accessExpiresAt: 1 });
const file = (refreshToken: string, sealedAccountKey: string | null): SessionFile => ({
  version: 1,
  server: 'https://vault.example.com',
  email: 'me@example.com',
  userId: 'u1',
  tokens: tokens(refreshToken),
  sealedAccountKey,
  dpop: null,
});

describe('the session file after a refresh (another ww process may have changed it meanwhile)', () => {
  it('takes the new tokens into the file as it is now: a lock done meanwhile stays', () => {
    expect(withRefreshedTokens(file('r1', null), 'r1', tokens('r2'))).toEqual(file('r2', null));
    expect(withRefreshedTokens(file('r1', 'sealed'), 'r1', tokens('r2'))).toEqual(file('r2', 'sealed'));
  });

  it('leaves the file alone after a logout or a new login meanwhile', () => {
    expect(withRefreshedTokens(undefined, 'r1', tokens('r2'))).toBeUndefined();
    expect(withRefreshedTokens(file('other', 'sealed'), 'r1', tokens('r2'))).toBeUndefined();
  });
});
