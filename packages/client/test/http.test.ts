import { describe, expect, it } from 'vitest';
import { WatchwordError } from '@watchword/protocol';
import { HttpClient } from '../src/http.ts';

describe('the SDK never follows a redirect', () => {
  it('asks fetch not to follow, and refuses a 3xx with the address it names (nothing is resent there)', async () => {
    const seen: RequestInit[] = [];
    const http = new HttpClient('http://vault.example.com', async (_input, init) => {
      seen.push(init);
      return new Response(null, { status: 308, headers: { location: 'https://vault.example.com/api/v1/auth/refresh' } });
    });
    const error = await http.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: 'wwr1_secret' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatchwordError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/redirect to https:\/\/vault\.example\.com/);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.redirect).toBe('manual');
  });

  it('treats a browser opaque redirect the same way', async () => {
    const opaque = { type: 'opaqueredirect', status: 0, headers: new Headers(), text: async () => '' } as unknown as Response;
    const http = new HttpClient('https://vault.example.com', async () => opaque);
    await expect(http.request('GET', '/api/v1/account')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
