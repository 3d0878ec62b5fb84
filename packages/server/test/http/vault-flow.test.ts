import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, WatchwordError, type Vault } from '@watchword/client';
import { opaqueClient } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';
import { secretKey } from '../../src/lib/handshakes.ts';

/** Bearer sessions here, because these tests also make raw requests with the tokens; DPoP has its own file. */
const login = (t: TestApp, email: string, password: string, dpop: 'generate' | false = false) =>
  new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop }).login({ email, password, deviceName: 'test' });

async function registerAndLogin(t: TestApp, email: string, password: string, dpop: 'generate' | false = false): Promise<Vault> {
  await new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 }).register({ email, password });
  return login(t, email, password, dpop);
}

describe.each(backendsUnderTest())('vault API end to end through the SDK ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Vault;
  let bob: Vault;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    alice = await registerAndLogin(t, 'alice@example.com', 'correct horse battery staple', 'generate');
    bob = await registerAndLogin(t, 'Bob@Example.com', 'another long passphrase');
  });
  afterAll(async () => t.close());

  it('logs in again with the same password and unlocks the same account key', async () => {
    const again = await login(t, 'ALICE@example.com ', 'correct horse battery staple');
    expect(again.userId).toBe(alice.userId);
    expect(again.exportAccountKey()).toEqual(alice.exportAccountKey());
  });

  it('rejects a wrong password with INVALID_CREDENTIALS, and an unknown address identically', async () => {
    expect(await code(login(t, 'alice@example.com', 'wrong password!'))).toBe('INVALID_CREDENTIALS');
    expect(await code(login(t, 'nobody@example.com', 'wrong password!'))).toBe('INVALID_CREDENTIALS');
  });

  it('registering an existing address answers like a new one and changes nothing', async () => {
    const before = await t.storage.users.findByEmail('alice@example.com');
    const result = await new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 }).register({
      email: 'alice@example.com',
      password: 'an attacker password',
    });
    expect(result.userId).not.toBe(alice.userId);
    expect(await t.storage.users.findByEmail('alice@example.com')).toEqual(before);
    expect(await code(login(t, 'alice@example.com', 'an attacker password'))).toBe('INVALID_CREDENTIALS');
  });

  it('adds, reads, updates and lists items; the server holds only ciphertext', async () => {
    const item = await alice.add({ type: 'login', name: 'github', fields: [], login: { username: 'alice', password: 'gh-S3cret!', urls: ['https://github.com'] } });
    expect(item.revision).toBe(1);
    const stored = await t.storage.items.get(alice.userId, item.id);
    expect(stored?.data).toBeTypeOf('string');
    expect(stored?.data).not.toContain('gh-S3cret');
    const read = await alice.get(item.id);
    expect(read.content.login?.password).toBe('gh-S3cret!');
    const updated = await alice.update(item.id, { ...read.content, login: { ...read.content.login, password: 'N3w!' } }, read.revision);
    expect(updated.revision).toBe(2);
    expect((await alice.get(item.id)).content.login?.password).toBe('N3w!');
    const names = (await alice.list()).map((i) => i.content.name);
    expect(names).toContain('github');
  });

  it('refuses a stale revision with 409 and the current revision; nothing is overwritten', async () => {
    const item = await alice.add({ type: 'note', name: 'conflict', notes: 'v1', fields: [] });
    await alice.update(item.id, { ...item.content, notes: 'v2 from device A' }, 1);
    let error: unknown;
    try {
      await alice.update(item.id, { ...item.content, notes: 'v2 from device B' }, 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WatchwordError);
    expect((error as WatchwordError).code).toBe('ITEM_CONFLICT');
    expect((error as WatchwordError).details).toEqual({ currentRevision: 2 });
    expect((await alice.get(item.id)).content.notes).toBe('v2 from device A');
  });

  it("answers another user's item exactly like a missing one", async () => {
    const secret = await alice.add({ type: 'note', name: 'private', notes: 'mine', fields: [] });
    const missing = crypto.randomUUID();
    for (const id of [secret.id, missing]) {
      expect(await code(bob.get(id))).toBe('ITEM_NOT_FOUND');
      expect(await code(bob.trash(id))).toBe('ITEM_NOT_FOUND');
      expect(await code(bob.restore(id))).toBe('ITEM_NOT_FOUND');
      expect(await code(bob.purge(id))).toBe('ITEM_NOT_FOUND');
    }
    const token = await bob.session.accessToken();
    const a = await t.app.inject({ method: 'GET', url: `/api/v1/items/${secret.id}`, headers: { authorization: `Bearer ${token}` } });
    const b = await t.app.inject({ method: 'GET', url: `/api/v1/items/${missing}`, headers: { authorization: `Bearer ${token}` } });
    expect(a.statusCode).toBe(404);
    expect(JSON.parse(a.body).error.code).toBe(JSON.parse(b.body).error.code);
    expect(a.body.length).toBe(b.body.length);
    // Bob cannot write into Alice's vault either.
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/items/${secret.id}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { revision: 1, data: 'AAAA' },
    });
    expect(put.statusCode).toBe(404);
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/v1/items',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { id: crypto.randomUUID(), vaultId: alice.personalVaultId, data: 'AAAA' },
    });
    expect(post.statusCode).toBe(404);
    expect(JSON.parse(post.body).error.code).toBe('VAULT_NOT_FOUND');
  });

  it('moves items to the trash, restores and purges them; delta sync reports each change', async () => {
    await alice.sync();
    const item = await alice.add({ type: 'note', name: 'trash me', fields: [] });
    await alice.trash(item.id);
    expect((await alice.list({ trash: 'only' })).map((i) => i.id)).toContain(item.id);
    expect((await alice.list()).map((i) => i.id)).not.toContain(item.id);
    await alice.restore(item.id);
    expect((await alice.list()).map((i) => i.id)).toContain(item.id);

    const other = await login(t, 'alice@example.com', 'correct horse battery staple', 'generate');
    const first = await other.sync();
    expect(first.full).toBe(true);
    await alice.trash(item.id);
    await alice.purge(item.id);
    const delta = await other.sync();
    expect(delta.full).toBe(false);
    expect(delta.removed).toBe(1);
    expect((await other.list({ trash: 'include' })).map((i) => i.id)).not.toContain(item.id);
    const nothing = await other.sync();
    expect(nothing).toMatchObject({ full: false, changed: 0, removed: 0 });
  });

  it('rotates refresh tokens; a rotated one replayed after the grace window revokes the family and its access tokens', async () => {
    const v = await login(t, 'bob@example.com', 'another long passphrase');
    const first = v.session.tokens;
    const second = await v.session.refresh();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    t.clock.advance(11_000); // past REFRESH_REUSE_GRACE (10 s)
    const replay = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(replay.statusCode).toBe(401);
    expect(JSON.parse(replay.body).error.code).toBe('INVALID_REFRESH_TOKEN');
    // The whole family is gone: the successor no longer works, nor does its access token.
    const successor = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: second.refreshToken } });
    expect(successor.statusCode).toBe(401);
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${second.accessToken}` } });
    expect(read.statusCode).toBe(401);
    expect(t.logs.some((l) => l.includes('"event":"refresh_token_reuse"') && !l.includes(first.refreshToken))).toBe(true);
  });

  it('20 concurrent refreshes with one token: one rotation, and every caller gets that same successor', async () => {
    const v = await login(t, 'bob@example.com', 'another long passphrase');
    const { refreshToken } = v.session.tokens;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
    const successors = new Set(answers.map((a) => JSON.parse(a.body).refreshToken as string));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    // The successor is the family's one current token: it rotates normally.
    const next = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: successor } });
    expect(next.statusCode).toBe(200);
    // Once the successor has moved on, the old token gets nothing (not even inside the window): it is a copy, and
    // the family ends, so whoever moved it on (a thief refreshing fast) loses the session too.
    const late = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    expect(late.statusCode).toBe(401);
    const thief = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: JSON.parse(next.body).refreshToken } });
    expect(thief.statusCode).toBe(401);
    expect(t.logs.filter((l) => l.includes('"event":"refresh_token_reuse"'))).not.toHaveLength(0);
  });

  it('lists sessions, revokes one (its tokens die at once), and logout-all ends every other session', async () => {
    const a = await login(t, 'bob@example.com', 'another long passphrase');
    const b = await login(t, 'bob@example.com', 'another long passphrase');
    const headers = async (v: Vault) => ({ authorization: `Bearer ${await v.session.accessToken()}` });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: await headers(a) });
    const { sessions } = JSON.parse(list.body) as { sessions: { id: string; current: boolean; deviceName: string }[] };
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    const current = sessions.find((s) => s.current)?.id;
    const other = sessions.find((s) => !s.current)?.id;
    expect(sessions[0]?.deviceName).toBe('test');
    // Alice cannot see or revoke Bob's sessions: a foreign id is a plain 404.
    await expect(alice.session.revokeSession(current ?? '')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${other}`, headers: await headers(a) });
    expect(del.statusCode).toBe(200);
    const all = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: await headers(b), payload: {} });
    expect(all.statusCode).toBe(200);
    expect(JSON.parse(all.body).revoked).toBeGreaterThanOrEqual(1);
    for (const v of [a, b]) {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${v.session.tokens.accessToken}` } });
      expect(r.statusCode).toBe(401);
    }
  });

  it('logout ends the session at once: its access and refresh tokens stop working', async () => {
    const v = await login(t, 'bob@example.com', 'another long passphrase');
    const otherDevice = await login(t, 'bob@example.com', 'another long passphrase');
    const { accessToken, refreshToken } = v.session.tokens;
    await v.session.logout();
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${accessToken}` } });
    expect(read.statusCode).toBe(401);
    expect(JSON.parse(read.body).error.code).toBe('INVALID_TOKEN');
    const refresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    expect(refresh.statusCode).toBe(401);
    // Other sessions of the same user are untouched.
    const stillThere = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${otherDevice.session.tokens.accessToken}` } });
    expect(stillThere.statusCode).toBe(200);
  });

  it('rejects a malformed OPAQUE message with 400, not a crash', async () => {
    for (const url of ['/api/v1/auth/login/start', '/api/v1/auth/register/start']) {
      const body = url.includes('login') ? { email: 'alice@example.com', startLoginRequest: 'AAAA' } : { email: 'new@example.com', registrationRequest: 'AAAA' };
      const res = await t.app.inject({ method: 'POST', url, payload: body });
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('a login handshake can be finished once only', async () => {
    const password = 'correct horse battery staple';
    const { clientLoginState, startLoginRequest } = await opaqueClient.startLogin(password);
    const start = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/start', payload: { email: 'alice@example.com', startLoginRequest } });
    const { loginId, loginResponse, kdfVersion } = JSON.parse(start.body);
    const { finishLoginRequest } = await opaqueClient.finishLogin({ clientLoginState, loginResponse, password, kdfVersion });
    const first = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/finish', payload: { loginId, finishLoginRequest } });
    expect(first.statusCode).toBe(200);
    const second = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/finish', payload: { loginId, finishLoginRequest } });
    expect(second.statusCode).toBe(401);
    expect(JSON.parse(second.body).error.code).toBe('HANDSHAKE_EXPIRED');
  });

  it('a login handshake expires after its TTL', async () => {
    const password = 'correct horse battery staple';
    const { clientLoginState, startLoginRequest } = await opaqueClient.startLogin(password);
    const start = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/start', payload: { email: 'alice@example.com', startLoginRequest } });
    const { loginId, loginResponse, kdfVersion } = JSON.parse(start.body);
    const { finishLoginRequest } = await opaqueClient.finishLogin({ clientLoginState, loginResponse, password, kdfVersion });
    await new Promise((r) => setTimeout(r, 10));
    await t.state.delete(secretKey('login', loginId)); // what the TTL does; the TTL itself is covered by the state-store suite
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/finish', payload: { loginId, finishLoginRequest } });
    expect(JSON.parse(res.body).error.code).toBe('HANDSHAKE_EXPIRED');
  });
});

describe.each(backendsUnderTest())('session lifetimes ($name)', ({ dialect, state }) => {
  it('an idle session cannot be refreshed; the absolute lifetime ends it too', async () => {
    const t = await createTestApp(dialect, {}, { state });
    await new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 }).register({ email: 'bob@example.com', password: 'another long passphrase' });
    const v = await login(t, 'bob@example.com', 'another long passphrase');
    t.clock.advance(7 * 24 * 3600 * 1000 + 1);
    const idle = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: v.session.tokens.refreshToken } });
    expect(idle.statusCode).toBe(401);
    const w = await login(t, 'bob@example.com', 'another long passphrase', false);
    let token = w.session.tokens.refreshToken;
    for (let day = 0; day < 30; day += 6) {
      t.clock.advance(6 * 24 * 3600 * 1000);
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: token } });
      if (day + 6 < 30) {
        expect(r.statusCode, `day ${day + 6}`).toBe(200);
        token = JSON.parse(r.body).refreshToken;
      } else {
        expect(r.statusCode, 'past 30 days').toBe(401);
      }
    }
    await t.close();
  });
});

describe('revocation survives a restart with in-memory state', () => {
  it('a logged-out access token stays rejected by a fresh process on the same database', async () => {
    const t = await createTestApp('sqlite');
    try {
      const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 });
      await client.register({ email: 'carol@example.com', password: 'carols long passphrase' });
      const v = await client.login({ email: 'carol@example.com', password: 'carols long passphrase' });
      const { accessToken } = v.session.tokens;
      await v.session.logout();
      // A second app on the same database and keys, with empty in-memory state: as after a restart.
      const { build } = await import('../../src/app.ts');
      const { MemoryStateStore } = await import('../../src/state/memory.ts');
      const { loadServerSecrets } = await import('../../src/keys/server-secrets.ts');
      const { loadSigningKeys } = await import('../../src/keys/signing-keys.ts');
      const state = new MemoryStateStore();
      const restarted = await build(t.config, {
        storage: t.storage,
        state,
        secrets: await loadServerSecrets(t.config, t.storage),
        signingKeys: loadSigningKeys(t.dataDir),
        clock: () => t.clock.now,
      });
      const r = await restarted.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${accessToken}` } });
      expect(r.statusCode).toBe(401);
      await restarted.close();
      await state.close();
    } finally {
      await t.close();
    }
  });
});
