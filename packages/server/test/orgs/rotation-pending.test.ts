/**
 * Pending key rotation over HTTP, on SQLite + memory and PostgreSQL + Redis, with three users — alice (organisation
 * owner, manages the vault), bob (admin, manages it), carol (member, edits it) — and an outsider: every way a member
 * loses access marks the vault (seen in the shared sync, the vault and the organisation's vault list), new content is
 * refused with VAULT_ROTATION_PENDING until a manager rotates, a member without manage cannot rotate, two managers
 * rotating at once rotate once. Then the account data route: compare-and-swap, bounds, unknown fields, audit. Blobs are
 * opaque here; the real sealing (and the removed member's keys failing) is the SDK's test (packages/client/test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SEALED_ACCOUNT_DATA } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { type Person, blob, call, join, person, uuid } from './support.ts';

describe.each(backendsUnderTest())('pending key rotation after a removal ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    const at = (n: string) => person(t, `${n}@rotation.example.com`);
    [alice, bob, carol, dave] = await Promise.all([at('alice'), at('bob'), at('carol'), at('dave')]);
  });
  afterAll(async () => t?.close());

  /** A fresh organisation of alice with one vault; bob (admin) manages it, carol (member) edits it. */
  async function setup() {
    const orgId = uuid();
    const vaultId = uuid();
    expect((await call(t, alice, 'POST', '/api/v1/orgs', { id: orgId, name: 'Team' })).status).toBe(201);
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/vaults`, { id: vaultId, encryptedName: blob('n'), wrappedKey: blob('k1') })).status).toBe(201);
    const bobId = await join(t, alice, orgId, bob, 'admin', { [vaultId]: 'manage' });
    const carolId = await join(t, alice, orgId, carol, 'member', { [vaultId]: 'edit' });
    return { orgId, vaultId, bobId, carolId };
  }
  const pending = async (who: Person, vaultId: string) => {
    const sync = await call(t, who, 'POST', '/api/v1/vaults/sync', { known: [] });
    return sync.body.vaults.find((v: { id: string }) => v.id === vaultId)?.rotationPendingSince as number | null | undefined;
  };
  const rotate = (who: Person, vaultId: string, keyVersion: number, members: Person[]) =>
    call(t, who, 'POST', `/api/v1/vaults/${vaultId}/rotate`, { keyVersion, wrappedKeys: members.map((m) => ({ userId: m.userId, wrappedKey: blob(`k${keyVersion}-${m.userId}`) })) });

  it('each removal path marks the vault, seen in the sync, the vault and the organisation’s list', async () => {
    const paths: [string, (s: Awaited<ReturnType<typeof setup>>) => Promise<number>][] = [
      ['unshare', (s) => call(t, alice, 'DELETE', `/api/v1/vaults/${s.vaultId}/members/${carol.userId}`).then((r) => r.status)],
      ['removal by the owner', (s) => call(t, alice, 'DELETE', `/api/v1/orgs/${s.orgId}/members/${s.carolId}`).then((r) => r.status)],
      ['removal by an admin', (s) => call(t, bob, 'DELETE', `/api/v1/orgs/${s.orgId}/members/${s.carolId}`).then((r) => r.status)],
      ['leaving', (s) => call(t, carol, 'POST', `/api/v1/orgs/${s.orgId}/leave`, {}).then((r) => r.status)],
    ];
    for (const [label, remove] of paths) {
      const s = await setup();
      expect(await pending(bob, s.vaultId), label).toBeNull();
      const before = Date.now();
      expect(await remove(s), label).toBe(200);
      const since = await pending(bob, s.vaultId);
      expect(since, label).toBeGreaterThanOrEqual(before - 1000);
      expect((await call(t, alice, 'GET', `/api/v1/vaults/${s.vaultId}`)).body.vault.rotationPendingSince, label).toBe(since);
      expect((await call(t, alice, 'GET', `/api/v1/orgs/${s.orgId}/vaults`)).body.vaults[0].rotationPendingSince, label).toBe(since);
      // The removed member is refused at once.
      expect((await call(t, carol, 'GET', `/api/v1/vaults/${s.vaultId}`)).code, label).toBe('VAULT_NOT_FOUND');
    }
  });

  it('a role change keeps every key where it was: nothing owed', async () => {
    const s = await setup();
    expect((await call(t, alice, 'PUT', `/api/v1/orgs/${s.orgId}/members/${s.bobId}/role`, { role: 'member' })).status).toBe(200);
    expect((await call(t, alice, 'PATCH', `/api/v1/vaults/${s.vaultId}/members/${carol.userId}`, { access: 'read' })).status).toBe(200);
    expect(await pending(alice, s.vaultId)).toBeNull();
  });

  it('new content waits for the rotation; a member without manage cannot rotate; a manager’s rotation clears it', async () => {
    const s = await setup();
    const item = uuid();
    expect((await call(t, carol, 'POST', `/api/v1/vaults/${s.vaultId}/items`, { id: item, keyVersion: 1, data: blob('before') })).status).toBe(201);
    const dan = await person(t, `dan-${uuid()}@rotation.example.com`);
    await join(t, alice, s.orgId, dan, 'member', { [s.vaultId]: 'read' });
    expect((await call(t, alice, 'DELETE', `/api/v1/vaults/${s.vaultId}/members/${dan.userId}`)).status).toBe(200);

    const refused = await call(t, carol, 'POST', `/api/v1/vaults/${s.vaultId}/items`, { id: uuid(), keyVersion: 1, data: blob('after') });
    expect([refused.status, refused.code]).toEqual([409, 'VAULT_ROTATION_PENDING']);
    expect((await call(t, carol, 'PUT', `/api/v1/vaults/${s.vaultId}/items/${item}`, { revision: 1, keyVersion: 1, data: blob('edited') })).code).toBe('VAULT_ROTATION_PENDING');
    expect((await call(t, carol, 'GET', `/api/v1/vaults/${s.vaultId}/items/${item}`)).body.item).toMatchObject({ revision: 1, data: blob('before') });

    // carol edits but does not manage: the rotation route is closed to her, and the marker stays.
    expect((await rotate(carol, s.vaultId, 2, [alice, bob, carol])).code).toBe('VAULT_ACCESS_DENIED');
    expect(await pending(carol, s.vaultId)).not.toBeNull();
    // A rotation naming the removed member is refused: it would hand them the new key.
    expect((await rotate(alice, s.vaultId, 2, [alice, bob, carol, dan])).code).toBe('ROTATION_MEMBERS_MISMATCH');
    expect(await pending(alice, s.vaultId)).not.toBeNull();

    const done = await rotate(bob, s.vaultId, 2, [alice, bob, carol]);
    expect(done.body.vault).toMatchObject({ keyVersion: 2, rotationPendingSince: null });
    expect((await call(t, carol, 'POST', `/api/v1/vaults/${s.vaultId}/items`, { id: uuid(), keyVersion: 1, data: blob('old key') })).code).toBe('KEY_VERSION_MISMATCH');
    expect((await call(t, carol, 'POST', `/api/v1/vaults/${s.vaultId}/items`, { id: uuid(), keyVersion: 2, data: blob('after') })).status).toBe(201);
    const events = (await call(t, alice, 'GET', `/api/v1/orgs/${s.orgId}/audit`)).body.events.map((e: { action: string }) => e.action);
    expect(events).toContain('vault.key_rotated');
  });

  it('two managers rotating at once: one succeeds, the other is told the version moved', async () => {
    const s = await setup();
    expect((await call(t, alice, 'DELETE', `/api/v1/orgs/${s.orgId}/members/${s.carolId}`)).status).toBe(200);
    const answers = await Promise.all([rotate(alice, s.vaultId, 2, [alice, bob]), rotate(bob, s.vaultId, 2, [alice, bob])]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.code).toBe('KEY_VERSION_MISMATCH');
    const vault = (await call(t, bob, 'GET', `/api/v1/vaults/${s.vaultId}`)).body.vault;
    expect(vault).toMatchObject({ keyVersion: 2, rotationPendingSince: null });
    const audit = (await call(t, alice, 'GET', `/api/v1/orgs/${s.orgId}/audit`)).body.events.filter((e: { action: string }) => e.action === 'vault.key_rotated');
    expect(audit).toHaveLength(1);
  });

  it('an outsider cannot see or clear another organisation’s marker', async () => {
    const s = await setup();
    await call(t, alice, 'DELETE', `/api/v1/vaults/${s.vaultId}/members/${carol.userId}`);
    expect((await rotate(dave, s.vaultId, 2, [alice, bob])).code).toBe('VAULT_NOT_FOUND');
    expect((await call(t, dave, 'GET', `/api/v1/vaults/${s.vaultId}`)).code).toBe('VAULT_NOT_FOUND');
    expect((await call(t, dave, 'POST', '/api/v1/vaults/sync', { known: [{ vaultId: s.vaultId, revision: 0 }] })).body).toEqual({ vaults: [], gone: [s.vaultId], items: [] });
    // The removed member, too, is an outsider now.
    expect((await rotate(carol, s.vaultId, 2, [alice, bob])).code).toBe('VAULT_NOT_FOUND');
    expect(await pending(alice, s.vaultId)).not.toBeNull();
  });
});

describe.each(backendsUnderTest())('account data written by compare-and-swap ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let erin: Person;
  let frank: Person;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    [erin, frank] = await Promise.all([person(t, 'erin@account-data.example.com', { keys: false }), person(t, 'frank@account-data.example.com', { keys: false })]);
  });
  afterAll(async () => t?.close());

  const read = async (who: Person) => {
    const { body } = await call(t, who, 'GET', '/api/v1/account');
    return { sealed: body.accountData as string | null, revision: body.accountDataRevision as number };
  };

  it('a write at the revision read succeeds; a second device still at that revision gets a conflict', async () => {
    const start = await read(erin);
    expect(start.sealed).not.toBeNull(); // registration stores the first password's history
    const first = await call(t, erin, 'PUT', '/api/v1/account/data', { accountData: blob('device-a'), revision: start.revision });
    expect(first.body).toEqual({ revision: start.revision + 1 });
    const second = await call(t, erin, 'PUT', '/api/v1/account/data', { accountData: blob('device-b'), revision: start.revision });
    expect([second.status, second.code]).toEqual([409, 'ACCOUNT_DATA_CONFLICT']);
    expect(await read(erin)).toEqual({ sealed: blob('device-a'), revision: start.revision + 1 });
    // The audit event says it changed, never what it holds.
    const events = (await t.storage.audit.query({ action: 'account.data_updated' }, undefined, 10)).filter((e) => e.actorId === erin.userId);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0])).not.toContain(blob('device-a'));
  });

  it('only the caller’s own account data: another user’s write changes nothing here', async () => {
    const before = await read(erin);
    const mine = await read(frank);
    expect((await call(t, frank, 'PUT', '/api/v1/account/data', { accountData: blob('frank'), revision: mine.revision })).status).toBe(200);
    expect(await read(erin)).toEqual(before);
  });

  it('oversize, malformed and unknown fields are refused with stable codes and change nothing', async () => {
    const before = await read(erin);
    const cases: [unknown, string][] = [
      [{ accountData: 'A'.repeat(MAX_SEALED_ACCOUNT_DATA + 1), revision: before.revision }, 'VALIDATION_FAILED'],
      [{ accountData: 'not base64url!', revision: before.revision }, 'VALIDATION_FAILED'],
      [{ accountData: blob('x'), revision: -1 }, 'VALIDATION_FAILED'],
      [{ accountData: blob('x') }, 'VALIDATION_FAILED'],
      [{ accountData: blob('x'), revision: before.revision, userId: frank.userId }, 'UNKNOWN_FIELD'],
    ];
    for (const [body, code] of cases) {
      const res = await call(t, erin, 'PUT', '/api/v1/account/data', body);
      expect([res.status, res.code]).toEqual([400, code]);
    }
    expect(await read(erin)).toEqual(before);
    const largest = await call(t, erin, 'PUT', '/api/v1/account/data', { accountData: 'A'.repeat(MAX_SEALED_ACCOUNT_DATA), revision: before.revision });
    expect(largest.status).toBe(200);
  });
});
