import { describe, expect, it } from 'vitest';
import { HttpClient } from '../src/http.ts';
import { type RefreshCoordinator, Session, type StoredTokens } from '../src/session.ts';

const OLD: StoredTokens = { accessToken: 'old-access', refreshToken: 'wwr1_old', accessExpiresAt: 0 };
const ELSEWHERE: StoredTokens = { accessToken: 'rotated-elsewhere', refreshToken: 'wwr1_elsewhere', accessExpiresAt: Date.now() + 900_000 };

function server() {
  const presented: string[] = [];
  const http = new HttpClient('https://vault.example.com', async (_input, init) => {
    presented.push((JSON.parse(String(init.body)) as { refreshToken: string }).refreshToken);
    return Response.json({ accessToken: 'fresh-access', refreshToken: 'wwr1_fresh', expiresIn: 900, tokenType: 'Bearer' });
  });
  return { http, presented };
}

describe('refresh-token rotation through a coordinator (the web vault\'s tabs share one session)', () => {
  it('takes the tokens the coordinator hands over without presenting the retired one', async () => {
    const { http, presented } = server();
    const kept: StoredTokens[] = [];
    const coordinate: RefreshCoordinator = async () => ELSEWHERE;
    const session = new Session(http, OLD, (t) => void kept.push(t), undefined, undefined, coordinate);
    expect(await session.accessToken()).toBe('rotated-elsewhere');
    expect(presented).toEqual([]);
    expect(session.tokens).toEqual(ELSEWHERE);
    expect(kept).toEqual([ELSEWHERE]);
  });

  it('rotates through the coordinator when it lets the session present its own token', async () => {
    const { http, presented } = server();
    const seen: StoredTokens[] = [];
    const coordinate: RefreshCoordinator = async (current, rotate) => {
      seen.push(current);
      return rotate(current);
    };
    const session = new Session(http, OLD, undefined, undefined, undefined, coordinate);
    // Concurrent callers share one rotation.
    const [a, b] = await Promise.all([session.accessToken(), session.accessToken()]);
    expect([a, b]).toEqual(['fresh-access', 'fresh-access']);
    expect(seen).toEqual([OLD]);
    expect(presented).toEqual(['wwr1_old']);
    expect(session.tokens.refreshToken).toBe('wwr1_fresh');
  });
});
