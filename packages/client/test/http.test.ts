import { describe, expect, it } from 'vitest';
import { WatchwordError, api } from '@watchword/protocol';
import { HttpClient } from '../src/http.ts';

describe('the SDK never follows a redirect', () => {
  it('asks fetch not to follow, and refuses a 3xx with the address it names (nothing is resent there)', async () => {
    const seen: RequestInit[] = [];
    const http = new HttpClient('http://vault.example.com', async (_input, init) => {
      seen.push(init);
      return new Response(null, { status: 308, headers: { location: 'https://vault.example.com/api/v1/auth/refresh' } });
    });
    const error = await http.call(api.auth.refresh, { body: { refreshToken: 'wwr1_secret' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatchwordError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/redirect to https:\/\/vault\.example\.com/);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.redirect).toBe('manual');
  });

  it('treats a browser opaque redirect the same way', async () => {
    const opaque = { type: 'opaqueredirect', status: 0, headers: new Headers(), text: async () => '' } as unknown as Response;
    const http = new HttpClient('https://vault.example.com', async () => opaque);
    await expect(http.call(api.account.get, {}, { token: 'an-access-token' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('calls through route descriptors', () => {
  it('fills path parameters percent-encoded, sends the query, and returns a text answer as it came', async () => {
    const seen: string[] = [];
    const http = new HttpClient('https://vault.example.com', async (input) => {
      seen.push(input);
      return new Response('{"id":1}\n{"id":2}\n', { status: 200, headers: { 'content-type': 'application/x-ndjson' } });
    });
    const text = await http.call(api.admin.auditExport, { query: { format: 'jsonl', action: 'auth.login' } }, { token: 't' });
    expect(text).toBe('{"id":1}\n{"id":2}\n');
    expect(seen[0]).toBe('https://vault.example.com/api/v1/admin/audit/export?format=jsonl&action=auth.login');
    const json = new HttpClient('https://vault.example.com', async (input) => {
      seen.push(input);
      return Response.json({ user: { id: 'u' } });
    });
    await json.call(api.admin.grantRole, { params: { id: 'a/b', role: 'r?x' }, body: {} }, { token: 't' });
    expect(seen[1]).toBe('https://vault.example.com/api/v1/admin/users/a%2Fb/roles/r%3Fx');
  });
});
