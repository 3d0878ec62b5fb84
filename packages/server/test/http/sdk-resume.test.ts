import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealedResumeError, WatchwordClient } from '@watchword/client';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

/**
 * The SDK's sealed resume (the CLI's session file and WATCHWORD_SESSION): a vault unlocked in one process is opened
 * in another from the stored session, the sealed account key and its resume key, without the master password.
 */
describe('SDK: sealForResume / resumeSealed against the server', () => {
  let t: TestApp;
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: 'storable' });
  const password = 'a long enough test passphrase';

  beforeAll(async () => {
    // DPoP-bound throughout: the app's clock follows wall time (testkit's createTestApp).
    t = await createTestApp('sqlite', {}, { clock: 'running' });
    await client().register({ email: 'resume@example.com', password });
    await client().register({ email: 'other@example.com', password });
  });
  afterAll(async () => t.close());

  it('a new client resumes the DPoP-bound session and reads the vault; nothing secret is sent', async () => {
    const first = await client().login({ email: 'resume@example.com', password });
    const item = await first.add({ type: 'note', name: 'kept', notes: 'sealed resume note', fields: [] });
    const { sealed, resumeKey } = await client().sealForResume(first);
    const stored = first.session.toStored();
    expect(stored.dpop?.privateJwk.d).toEqual(expect.any(String));
    // What a client keeps between processes is JSON; the resume key is never part of it.
    const kept = JSON.parse(JSON.stringify({ ...stored, userId: first.userId, sealed })) as typeof stored & { userId: string; sealed: string };
    expect(JSON.stringify(kept)).not.toContain(resumeKey);

    const sent = t.requests.length;
    const vault = await client().resumeSealed({ ...kept, resumeKey });
    expect(vault.userId).toBe(first.userId);
    expect(vault.session.dpopKey).toBeDefined();
    expect((await vault.list()).map((i) => [i.id, i.content.notes])).toEqual([[item.id, 'sealed resume note']]);
    for (const r of t.requests.slice(sent)) {
      expect(r.url).not.toContain(resumeKey);
      expect(r.body).not.toContain(resumeKey);
      expect(r.body).not.toContain(sealed);
    }
  });

  it('resumes with a non-extractable DPoP key pair kept apart from the stored tokens (the browser extension)', async () => {
    const { generateDpopKeyPair } = await import('@watchword/protocol');
    const dpopKey = await generateDpopKeyPair();
    const keyed = new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: dpopKey });
    const first = await keyed.login({ email: 'resume@example.com', password });
    const { sealed, resumeKey } = await keyed.sealForResume(first);
    const kept = { tokens: first.session.tokens, dpop: null, userId: first.userId, sealed };
    const vault = await client().resumeSealed({ ...kept, resumeKey }, dpopKey);
    expect(vault.session.dpopKey).toBe(dpopKey);
    expect(vault.userId).toBe(first.userId);
    expect((await vault.session.listSessions()).length).toBeGreaterThan(0);
    // Without the key the tokens are useless: they are bound to it.
    const bare = await client().restoreSession({ tokens: first.session.tokens, dpop: null });
    await expect(bare.listSessions()).rejects.toMatchObject({ code: expect.stringMatching(/INVALID_TOKEN|INVALID_DPOP_PROOF|INVALID_REFRESH_TOKEN|UNAUTHENTICATED/) });
  });

  it('refuses a tampered blob and a wrong key before sending anything', async () => {
    const vault = await client().login({ email: 'resume@example.com', password });
    const { sealed, resumeKey } = await client().sealForResume(vault);
    const other = await client().sealForResume(vault);
    const base = { ...vault.session.toStored(), userId: vault.userId };
    const tampered = `${sealed.slice(0, 40)}${sealed[40] === 'A' ? 'B' : 'A'}${sealed.slice(41)}`;
    const sent = t.requests.length;
    await expect(client().resumeSealed({ ...base, sealed: tampered, resumeKey })).rejects.toBeInstanceOf(SealedResumeError);
    await expect(client().resumeSealed({ ...base, sealed, resumeKey: other.resumeKey })).rejects.toBeInstanceOf(SealedResumeError);
    expect(t.requests.length).toBe(sent);
    // The genuine pair still opens it.
    expect((await client().resumeSealed({ ...base, sealed, resumeKey })).userId).toBe(vault.userId);
  });

  it("refuses an account key sealed for one account with another account's session", async () => {
    const mine = await client().login({ email: 'resume@example.com', password });
    const theirs = await client().login({ email: 'other@example.com', password });
    const { sealed, resumeKey } = await client().sealForResume(mine);
    const error = await client()
      .resumeSealed({ ...theirs.session.toStored(), userId: mine.userId, sealed, resumeKey })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SealedResumeError);
  });

  it('restoreSession keeps a session usable without the vault key; a non-storable DPoP key is not stored', async () => {
    const vault = await client().login({ email: 'resume@example.com', password });
    const session = await client().restoreSession(vault.session.toStored());
    expect((await session.listSessions()).length).toBeGreaterThan(0);
    const browserLike = new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 });
    const inMemory = await browserLike.login({ email: 'resume@example.com', password });
    expect(() => inMemory.session.toStored()).toThrow(/not storable/);
    const bearer = new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
    expect((await bearer.login({ email: 'resume@example.com', password })).session.toStored().dpop).toBeNull();
  });
});
