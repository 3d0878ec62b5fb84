/**
 * API keys for automation: OAuth client credentials at the provider's token endpoint, secret stored as an Argon2id
 * hash. A key's token reads the owner's (encrypted) vault without the master password, a read-only key cannot
 * change anything, no key reaches administration, and revoking a key refuses its tokens at once on every instance
 * (the denylist is in the shared state store: Redis when it runs). Neither the secret nor a token is ever stored,
 * logged or audited. Runs on SQLite + memory and on PostgreSQL + Redis when available.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient, apiKeyAccessToken } from '@watchword/client';
import { findSecrets } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { build } from '../../src/app.ts';
import type { App } from '../../src/http/types.ts';
import { loadServerSecrets } from '../../src/keys/server-secrets.ts';
import { loadSigningKeys } from '../../src/keys/signing-keys.ts';
import { revokedSessionKey } from '../../src/tokens/denylist.ts';
import { PASSWORD, PUBLIC } from './support.ts';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
const codeOf = (body: string) => (JSON.parse(body) as { error?: { code?: string } }).error?.code;

describe.each(backendsUnderTest())('API keys ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let other: App;
  let vault: Vault;
  let sdk: WatchwordClient;
  const secrets: Record<string, string> = {};

  const call = (app: App, method: 'GET' | 'DELETE' | 'POST', url: string, token: string) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state });
    // A second instance on the same database and state store (as behind a load balancer).
    other = await build(t.config, {
      storage: t.storage,
      state: t.state,
      secrets: await loadServerSecrets(t.config, t.storage),
      signingKeys: loadSigningKeys(t.dataDir, { accessTokenTtlSeconds: t.config.accessTokenTtlSeconds, clockToleranceSeconds: t.config.clockToleranceSeconds }),
      clock: () => t.clock.now,
    });
    sdk = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
    await sdk.register({ email: 'robot-owner@example.com', password: PASSWORD });
    vault = await sdk.login({ email: 'robot-owner@example.com', password: PASSWORD });
    await t.storage.roles.grant(vault.userId, 'admin', null, t.clock.now);
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('create, use without the master password, read-only refused on write, revoke at once everywhere', async () => {
    const item = await vault.add({ type: 'note', name: 'deploy notes', notes: 'kept encrypted', fields: [] });
    const keys = sdk.oauth(vault.session);
    const full = await keys.createApiKey({ name: 'CI deploys' });
    const readOnly = await keys.createApiKey({ name: 'Backups', readOnly: true });
    secrets['full key secret'] = full.clientSecret;
    secrets['read-only key secret'] = readOnly.clientSecret;
    expect(full.key).toMatchObject({ name: 'CI deploys', readOnly: false, lastUsedAt: null });
    expect((await keys.apiKeys()).map((k) => [k.name, k.readOnly])).toEqual([['CI deploys', false], ['Backups', true]]);

    const fullToken = await apiKeyAccessToken(PUBLIC, { clientId: full.key.clientId, secret: full.clientSecret }, t.fetch);
    const roToken = await apiKeyAccessToken(PUBLIC, { clientId: readOnly.key.clientId, secret: readOnly.clientSecret }, t.fetch);
    secrets['full key token'] = fullToken.accessToken;
    secrets['read-only key token'] = roToken.accessToken;
    expect(claimsOf(fullToken.accessToken)).toMatchObject({ iss: PUBLIC, aud: PUBLIC, sub: vault.userId, sid: `apikey:${full.key.clientId}`, scope: 'vault:read vault:write', client_id: full.key.clientId });
    expect(claimsOf(roToken.accessToken)).toMatchObject({ sub: vault.userId, scope: 'vault:read' });
    // Asking for more changes nothing: the key decides its scope.
    const asked = await t.fetch(`${PUBLIC}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${readOnly.key.clientId}:${readOnly.clientSecret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=vault%3Awrite',
    });
    if (asked.ok) expect(claimsOf(((await asked.json()) as { access_token: string }).access_token).scope).toBe('vault:read');

    // Reads work on both instances: the vault as ciphertext (decrypting it still needs the account key).
    for (const app of [t.app, other]) {
      const listed = await call(app, 'GET', '/api/v1/items', roToken.accessToken);
      expect(listed.statusCode).toBe(200);
      expect(listed.body).toContain(item.id);
      expect(listed.body).not.toContain('deploy notes');
    }
    // A read-only key changes nothing; a full key may; no key reaches administration.
    const refused = await call(t.app, 'DELETE', `/api/v1/items/${item.id}`, roToken.accessToken);
    expect([refused.statusCode, codeOf(refused.body)]).toEqual([403, 'API_KEY_READ_ONLY']);
    expect((await call(t.app, 'POST', '/api/v1/api-keys', roToken.accessToken)).statusCode).toBe(403);
    expect((await call(t.app, 'DELETE', `/api/v1/items/${item.id}`, fullToken.accessToken)).statusCode).toBe(200);
    const admin = await call(t.app, 'GET', '/api/v1/admin/users', fullToken.accessToken);
    expect([admin.statusCode, codeOf(admin.body)]).toEqual([403, 'FORBIDDEN']);
    // A key cannot mint keys.
    const mint = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${fullToken.accessToken}` }, payload: { name: 'x' } });
    expect(codeOf(mint.body)).toBe('FORBIDDEN');
    // Nor sharing (issue 25): no key registers sharing keys, creates or joins an organisation, or reaches a shared vault.
    const id = crypto.randomUUID();
    for (const [method, url, payload] of [
      ['PUT', '/api/v1/account/keys', {}],
      ['POST', '/api/v1/orgs', { id, name: 'robots' }],
      ['GET', '/api/v1/orgs', undefined],
      ['POST', `/api/v1/orgs/${id}/accept`, {}],
      ['POST', '/api/v1/vaults/sync', { known: [] }],
      ['POST', '/api/v1/items/move', {}],
      ['GET', `/api/v1/vaults/${id}/items/${id}`, undefined],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: { authorization: `Bearer ${fullToken.accessToken}` }, ...(payload === undefined ? {} : { payload }) });
      expect([`${method} ${url}`, res.statusCode, codeOf(res.body)]).toEqual([`${method} ${url}`, 403, 'FORBIDDEN']);
    }
    expect((await keys.apiKeys()).find((k) => k.clientId === full.key.clientId)?.lastUsedAt).not.toBeNull();

    // A wrong secret gets nothing.
    await expect(apiKeyAccessToken(PUBLIC, { clientId: full.key.clientId, secret: readOnly.clientSecret }, t.fetch)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });

    // Revoked on one instance: refused at once on both, and no new token.
    await keys.revokeApiKey(full.key.clientId);
    for (const app of [t.app, other]) {
      const after = await call(app, 'GET', '/api/v1/items', fullToken.accessToken);
      expect([after.statusCode, codeOf(after.body)]).toEqual([401, 'INVALID_TOKEN']);
    }
    await expect(apiKeyAccessToken(PUBLIC, { clientId: full.key.clientId, secret: full.clientSecret }, t.fetch)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // A state store that lost the denylist entry still refuses it: the key is gone from the database.
    await t.state.delete(revokedSessionKey(`apikey:${full.key.clientId}`));
    expect((await call(other, 'GET', '/api/v1/items', fullToken.accessToken)).statusCode).toBe(401);
    expect((await call(other, 'GET', '/api/v1/items', roToken.accessToken)).statusCode).toBe(200);
    expect((await keys.apiKeys()).map((k) => k.name)).toEqual(['Backups']);
  });

  it('the secret and tokens are never in the database, the log or the audit trail', async () => {
    const audit = await t.storage.audit.query({}, undefined, 1000);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['apikey.created', 'apikey.revoked']));
    expect(findSecrets(JSON.stringify(audit), secrets)).toEqual([]);
    expect(findSecrets(t.logs.join('\n'), secrets)).toEqual([]);
    const stored = await t.storage.oauth.listApiKeys(vault.userId);
    expect(stored[0]?.secretHash).toMatch(/^\$argon2id\$/);
    expect(findSecrets(JSON.stringify(stored), secrets)).toEqual([]);
    if (dialect === 'sqlite') {
      const files = ['watchword.db', 'watchword.db-wal'].map((f) => {
        try {
          return readFileSync(join(t.dataDir, f));
        } catch {
          return Buffer.alloc(0);
        }
      });
      expect(findSecrets(Buffer.concat(files), secrets)).toEqual([]);
    }
  });
});
