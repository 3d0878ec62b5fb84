/**
 * Organisations and shared vaults end to end on the server (issue 25), on SQLite + memory and PostgreSQL (+ Redis):
 * three members (owner alice, editor bob, reader carol) and an outsider (dave): keys, invitation, acceptance,
 * confirmation with sealed keys, shared items (edit by one, read by another, read-only refused), concurrent edits
 * (a conflict, never a lost update), removal (refused at once, the vault reported gone), key rotation, moves, the
 * organisation's audit events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { MAX_SYNC_QUERY_VAULTS } from '@watchword/protocol';
import { type Person, blob, call, person, signedKeys, uuid } from './support.ts';

describe.each(backendsUnderTest())('organisations and shared vaults ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  const orgId = uuid();
  const vaultId = uuid();
  let itemId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { ORG_MAX_VAULTS: '3', ORG_INVITES_PER_HOUR: '8' }, { state, clock: 'running' });
    alice = await person(t, 'alice@org.example.com');
    bob = await person(t, 'bob@org.example.com');
    carol = await person(t, 'carol@org.example.com', { keys: false, verified: false });
    dave = await person(t, 'dave@org.example.com');
  });
  afterAll(async () => t?.close());

  it('sharing keys: the signature is checked, registered once, carried by the account answer', async () => {
    const forged = await signedKeys(carol.userId, alice.userId);
    expect((await call(t, carol, 'PUT', '/api/v1/account/keys', forged)).code).toBe('INVALID_KEY_SIGNATURE');
    expect((await call(t, carol, 'GET', '/api/v1/account/keys')).body).toEqual({ keys: null });
    const keys = await signedKeys(carol.userId);
    const first = await call(t, carol, 'PUT', '/api/v1/account/keys', keys);
    expect(first.status).toBe(200);
    expect((await call(t, carol, 'PUT', '/api/v1/account/keys', await signedKeys(carol.userId))).code).toBe('KEYS_ALREADY_REGISTERED');
    // Replacing needs a fresh authentication: a made-up reauth token is refused.
    expect((await call(t, carol, 'PUT', '/api/v1/account/keys', { ...(await signedKeys(carol.userId)), reauthToken: 'x'.repeat(43) })).code).toBe('REAUTH_REQUIRED');
    const account = await call(t, carol, 'GET', '/api/v1/account');
    expect(account.body.sharingKeys).toEqual({ ...keys, registeredAt: first.body.keys.registeredAt });
  });

  it('public keys of a stranger answer exactly like a missing user', async () => {
    const stranger = await call(t, dave, 'GET', `/api/v1/users/${alice.userId}/keys`);
    const missing = await call(t, dave, 'GET', `/api/v1/users/${uuid()}/keys`);
    expect(stranger.status).toBe(404);
    expect(stranger.code).toBe('USER_NOT_FOUND');
    expect({ ...missing.body, error: { ...missing.body.error, requestId: '' } }).toEqual({ ...stranger.body, error: { ...stranger.body.error, requestId: '' } });
  });

  it('creates an organisation; invitations answer the same for accounts and unknown addresses', async () => {
    const created = await call(t, alice, 'POST', '/api/v1/orgs', { id: orgId, name: 'Family' });
    expect(created.status).toBe(201);
    expect(created.body.org).toMatchObject({ id: orgId, name: 'Family', role: 'owner', state: 'confirmed', memberCount: 1, vaultCount: 0 });
    expect((await call(t, alice, 'POST', '/api/v1/orgs', { id: orgId, name: 'Again' })).code).toBe('ORG_EXISTS');
    const answers = [];
    for (const [email, role] of [['bob@org.example.com', 'admin'], ['carol@org.example.com', 'member'], ['nobody-here@org.example.com', 'member']] as const) {
      const res = await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email, role });
      answers.push([res.status, res.body]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual([202, { ok: true }]);
    const members = await call(t, alice, 'GET', `/api/v1/orgs/${orgId}/members`);
    expect(members.body.members.map((m: { email: string; state: string; userId: string | null }) => [m.email, m.state, m.userId])).toEqual([
      ['alice@org.example.com', 'confirmed', alice.userId],
      ['bob@org.example.com', 'invited', null],
      ['carol@org.example.com', 'invited', null],
      ['nobody-here@org.example.com', 'invited', null],
    ]);
  });

  it('accepting needs a verified address and registered keys; an invitee is not yet a member', async () => {
    expect((await call(t, carol, 'GET', '/api/v1/orgs/invitations')).body).toEqual({ invitations: [] });
    expect((await call(t, carol, 'POST', `/api/v1/orgs/${orgId}/accept`, {})).code).toBe('EMAIL_NOT_VERIFIED');
    await t.storage.account.markEmailVerified(carol.userId, t.clock.now);
    expect((await call(t, carol, 'GET', `/api/v1/orgs/${orgId}`)).code).toBe('ORG_NOT_FOUND');
    const invitations = await call(t, carol, 'GET', '/api/v1/orgs/invitations');
    expect(invitations.body.invitations).toMatchObject([{ orgId, orgName: 'Family', role: 'member' }]);
    for (const p of [bob, carol]) {
      const accepted = await call(t, p, 'POST', `/api/v1/orgs/${orgId}/accept`, {});
      expect(accepted.status).toBe(200);
      expect(accepted.body.org.state).toBe('accepted');
    }
    expect((await call(t, dave, 'POST', `/api/v1/orgs/${orgId}/accept`, {})).code).toBe('ORG_NOT_FOUND');
    // bob was invited as an admin, but until confirmed he only reads.
    expect((await call(t, bob, 'GET', `/api/v1/orgs/${orgId}/members`)).status).toBe(200);
    expect((await call(t, bob, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: 'friend@org.example.com', role: 'admin' })).code).toBe('FORBIDDEN');
    expect((await call(t, bob, 'GET', `/api/v1/orgs/${orgId}/audit`)).code).toBe('FORBIDDEN');
    // Now they share an organisation: public keys are visible (for the confirmation fingerprint).
    const keys = await call(t, alice, 'GET', `/api/v1/users/${bob.userId}/keys`);
    expect(keys.status).toBe(200);
    expect(keys.body.keys.userId).toBe(bob.userId);
  });

  it('creates a shared vault and confirms members with their sealed vault keys', async () => {
    const created = await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/vaults`, { id: vaultId, encryptedName: blob('name'), wrappedKey: blob('key-alice-1') });
    expect(created.status).toBe(201);
    expect(created.body.vault).toMatchObject({ id: vaultId, orgId, keyVersion: 1, revision: 0, access: 'manage', memberKeyVersion: 1, wrappedKey: blob('key-alice-1') });
    const members = (await call(t, alice, 'GET', `/api/v1/orgs/${orgId}/members`)).body.members as { id: string; userId: string; keys: unknown }[];
    const bobMember = members.find((m) => m.userId === bob.userId)!;
    const carolMember = members.find((m) => m.userId === carol.userId)!;
    expect(bobMember.keys).not.toBeNull();
    // A stale key version or a vault of no organisation of the caller's is refused, and nothing changes.
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/members/${bobMember.id}/confirm`, { grants: [{ vaultId, access: 'edit', keyVersion: 2, wrappedKey: blob('k') }] })).code).toBe('KEY_VERSION_MISMATCH');
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/members/${bobMember.id}/confirm`, { grants: [{ vaultId: uuid(), access: 'edit', keyVersion: 1, wrappedKey: blob('k') }] })).code).toBe('VAULT_NOT_FOUND');
    const confirmed = await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/members/${bobMember.id}/confirm`, { grants: [{ vaultId, access: 'edit', keyVersion: 1, wrappedKey: blob('key-bob-1') }] });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.member.state).toBe('confirmed');
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/members/${bobMember.id}/confirm`, { grants: [] })).code).toBe('MEMBER_STATE_INVALID');
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/members/${carolMember.id}/confirm`, { grants: [{ vaultId, access: 'read', keyVersion: 1, wrappedKey: blob('key-carol-1') }] })).status).toBe(200);
    const bobsView = await call(t, bob, 'GET', `/api/v1/vaults/${vaultId}`);
    expect(bobsView.body.vault).toMatchObject({ access: 'edit', wrappedKey: blob('key-bob-1') });
  });

  it('one member writes, another reads; a read-only member is refused on every write', async () => {
    itemId = uuid();
    const created = await call(t, bob, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: itemId, keyVersion: 1, data: blob('item-v1') });
    expect(created.status).toBe(201);
    expect(created.body.item).toMatchObject({ id: itemId, vaultId, revision: 1, keyVersion: 1, data: blob('item-v1') });
    const read = await call(t, carol, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`);
    expect(read.body.item.data).toBe(blob('item-v1'));
    expect((await call(t, carol, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: uuid(), keyVersion: 1, data: blob('x') })).code).toBe('VAULT_ACCESS_DENIED');
    expect((await call(t, carol, 'PUT', `/api/v1/vaults/${vaultId}/items/${itemId}`, { revision: 1, keyVersion: 1, data: blob('x') })).code).toBe('VAULT_ACCESS_DENIED');
    expect((await call(t, carol, 'DELETE', `/api/v1/vaults/${vaultId}/items/${itemId}`)).code).toBe('VAULT_ACCESS_DENIED');
    expect((await call(t, carol, 'POST', `/api/v1/vaults/${vaultId}/items/${itemId}/restore`)).code).toBe('VAULT_ACCESS_DENIED');
    // The storage decides by itself too, whatever a route checked before.
    expect(await t.storage.sharedItems.update({ userId: carol.userId, vaultId, id: itemId, expectedRevision: 1, keyVersion: 1, data: blob('x'), now: t.clock.now })).toBe('denied');
    expect((await call(t, alice, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).body.item.data).toBe(blob('item-v1'));
  });

  it('two members editing the same revision: one wins, the other gets a conflict, nothing is lost', async () => {
    const [a, b] = await Promise.all([
      call(t, alice, 'PUT', `/api/v1/vaults/${vaultId}/items/${itemId}`, { revision: 1, keyVersion: 1, data: blob('by-alice') }),
      call(t, bob, 'PUT', `/api/v1/vaults/${vaultId}/items/${itemId}`, { revision: 1, keyVersion: 1, data: blob('by-bob') }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.code).toBe('ITEM_CONFLICT');
    const winner = a.status === 200 ? blob('by-alice') : blob('by-bob');
    const now = await call(t, carol, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`);
    expect(now.body.item).toMatchObject({ revision: 2, data: winner });
  });

  it('the shared sync: everything at first, then deltas, with the vault revision as the cursor', async () => {
    const full = await call(t, carol, 'POST', '/api/v1/vaults/sync', { known: [] });
    expect(full.body.gone).toEqual([]);
    expect(full.body.vaults.map((v: { id: string }) => v.id)).toEqual([vaultId]);
    expect(full.body.items.map((i: { id: string }) => i.id)).toEqual([itemId]);
    const revision = full.body.vaults[0].revision as number;
    const quiet = await call(t, carol, 'POST', '/api/v1/vaults/sync', { known: [{ vaultId, revision }] });
    expect(quiet.body.items).toEqual([]);
    const second = uuid();
    await call(t, bob, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: second, keyVersion: 1, data: blob('second') });
    await call(t, bob, 'DELETE', `/api/v1/vaults/${vaultId}/items/${second}?purge=true`);
    const delta = await call(t, carol, 'POST', '/api/v1/vaults/sync', { known: [{ vaultId, revision }] });
    expect(delta.body.items).toMatchObject([{ id: second, purged: true, data: null }]);
    // The query form answers the same as the body form, first sync and delta alike.
    expect((await call(t, carol, 'GET', '/api/v1/vaults/sync')).body).toEqual((await call(t, carol, 'POST', '/api/v1/vaults/sync', { known: [] })).body);
    expect((await call(t, carol, 'GET', `/api/v1/vaults/sync?known=${vaultId}:${revision}`)).body).toEqual(delta.body);
    // Personal sync is untouched by shared items.
    const personal = await call(t, carol, 'GET', '/api/v1/items');
    expect(personal.body.items).toEqual([]);
  });

  it('the query form of the sync refuses what is not a list of vaults and revisions', async () => {
    const other = uuid();
    const bad = [
      'known=',
      `known=${vaultId}`,
      `known=${vaultId}:-1`,
      `known=${vaultId}:01`,
      `known=${vaultId}:9007199254740992`,
      `known=${vaultId}:1,${vaultId}:2`,
      `known=${vaultId.toUpperCase()}:1`,
      `known=${vaultId}:1,`,
      `known=${Array.from({ length: MAX_SYNC_QUERY_VAULTS + 1 }, () => `${uuid()}:1`).join(',')}`,
    ];
    for (const query of bad) {
      const answer = await call(t, carol, 'GET', `/api/v1/vaults/sync?${query}`);
      expect([query, answer.status, answer.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
    expect((await call(t, carol, 'GET', `/api/v1/vaults/sync?known=${other}:1&extra=1`)).code).toBe('UNKNOWN_FIELD');
    // The largest list the query form takes is taken (unknown ids: reported gone).
    const most = Array.from({ length: MAX_SYNC_QUERY_VAULTS }, () => uuid());
    const answer = await call(t, carol, 'GET', `/api/v1/vaults/sync?known=${most.map((id) => `${id}:7`).join(',')}`);
    expect(answer.status).toBe(200);
    expect(answer.body.gone).toEqual([...most].sort());
  });

  it('moves an item from a personal vault into the shared vault (edit on both), atomically', async () => {
    const personalId = uuid();
    expect((await call(t, bob, 'POST', '/api/v1/items', { id: personalId, vaultId: bob.personalVaultId, data: blob('personal') })).status).toBe(201);
    // carol cannot move into a vault she only reads.
    const carolsOwn = uuid();
    await call(t, carol, 'POST', '/api/v1/items', { id: carolsOwn, vaultId: carol.personalVaultId, data: blob('c') });
    expect((await call(t, carol, 'POST', '/api/v1/items/move', { from: { vaultId: carol.personalVaultId, id: carolsOwn, revision: 1 }, to: { vaultId, id: uuid(), keyVersion: 1, data: blob('c2') } })).code).toBe('VAULT_ACCESS_DENIED');
    expect((await call(t, carol, 'GET', `/api/v1/items/${carolsOwn}`)).status).toBe(200);
    const target = uuid();
    const moved = await call(t, bob, 'POST', '/api/v1/items/move', { from: { vaultId: bob.personalVaultId, id: personalId, revision: 1 }, to: { vaultId, id: target, keyVersion: 1, data: blob('moved') } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ item: { id: target, vaultId, revision: 1 }, keyVersion: 1 });
    expect((await call(t, bob, 'GET', `/api/v1/items/${personalId}`)).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, carol, 'GET', `/api/v1/vaults/${vaultId}/items/${target}`)).body.item.data).toBe(blob('moved'));
  });

  it('a removed member is refused at once, and its next sync reports the vault gone', async () => {
    const before = await call(t, carol, 'POST', '/api/v1/vaults/sync', { known: [] });
    const members = (await call(t, alice, 'GET', `/api/v1/orgs/${orgId}/members`)).body.members as { id: string; userId: string }[];
    const carolMember = members.find((m) => m.userId === carol.userId)!;
    // Bob is an admin: he cannot remove the owner.
    const aliceMember = members.find((m) => m.userId === alice.userId)!;
    expect((await call(t, bob, 'DELETE', `/api/v1/orgs/${orgId}/members/${aliceMember.id}`)).code).toBe('FORBIDDEN');
    expect((await call(t, bob, 'DELETE', `/api/v1/orgs/${orgId}/members/${carolMember.id}`)).status).toBe(200);
    expect((await call(t, carol, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).code).toBe('VAULT_NOT_FOUND');
    expect(await t.storage.sharedItems.get(carol.userId, vaultId, itemId)).toBeUndefined();
    expect((await call(t, carol, 'GET', `/api/v1/orgs/${orgId}`)).code).toBe('ORG_NOT_FOUND');
    const after = await call(t, carol, 'POST', '/api/v1/vaults/sync', { known: before.body.vaults.map((v: { id: string; revision: number }) => ({ vaultId: v.id, revision: v.revision })) });
    expect(after.body).toEqual({ vaults: [], gone: [vaultId], items: [] });
  });

  it('rotation: the new key for exactly the remaining members; writes must then carry the new version', async () => {
    const current = (await call(t, alice, 'GET', `/api/v1/vaults/${vaultId}`)).body.vault;
    expect((await call(t, alice, 'POST', `/api/v1/vaults/${vaultId}/rotate`, { keyVersion: 2, wrappedKeys: [{ userId: alice.userId, wrappedKey: blob('a2') }] })).code).toBe('ROTATION_MEMBERS_MISMATCH');
    expect((await call(t, alice, 'POST', `/api/v1/vaults/${vaultId}/rotate`, { keyVersion: 2, wrappedKeys: [{ userId: alice.userId, wrappedKey: blob('a2') }, { userId: carol.userId, wrappedKey: blob('c2') }] })).code).toBe('ROTATION_MEMBERS_MISMATCH');
    expect((await call(t, bob, 'POST', `/api/v1/vaults/${vaultId}/rotate`, { keyVersion: 2, wrappedKeys: [{ userId: bob.userId, wrappedKey: blob('b2') }] })).code).toBe('VAULT_ACCESS_DENIED');
    const item = (await call(t, alice, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).body.item;
    const rotated = await call(t, alice, 'POST', `/api/v1/vaults/${vaultId}/rotate`, {
      keyVersion: 2,
      wrappedKeys: [{ userId: alice.userId, wrappedKey: blob('a2') }, { userId: bob.userId, wrappedKey: blob('b2') }],
      items: [{ id: itemId, revision: item.revision, data: blob('re-encrypted') }],
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.vault).toMatchObject({ keyVersion: 2, memberKeyVersion: 2, wrappedKey: blob('a2') });
    expect(rotated.body.vault.revision).toBeGreaterThan(current.revision);
    expect((await call(t, bob, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).body.item).toMatchObject({ keyVersion: 2, data: blob('re-encrypted') });
    expect((await call(t, bob, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: uuid(), keyVersion: 1, data: blob('old key') })).code).toBe('KEY_VERSION_MISMATCH');
    expect((await call(t, bob, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: uuid(), keyVersion: 2, data: blob('new key') })).status).toBe(201);
    expect((await call(t, bob, 'GET', `/api/v1/vaults/${vaultId}`)).body.vault).toMatchObject({ keyVersion: 2, memberKeyVersion: 2, wrappedKey: blob('b2') });
  });

  it('vault members, access changes, the last manager and the vault limit', async () => {
    const members = await call(t, bob, 'GET', `/api/v1/vaults/${vaultId}/members`);
    expect(members.body.members.map((m: { userId: string; access: string }) => [m.userId, m.access])).toEqual([[alice.userId, 'manage'], [bob.userId, 'edit']]);
    expect((await call(t, alice, 'PATCH', `/api/v1/vaults/${vaultId}/members/${alice.userId}`, { access: 'edit' })).code).toBe('VAULT_LAST_MANAGER');
    expect((await call(t, alice, 'PATCH', `/api/v1/vaults/${vaultId}/members/${bob.userId}`, { access: 'read' })).status).toBe(200);
    expect((await call(t, bob, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: uuid(), keyVersion: 2, data: blob('x') })).code).toBe('VAULT_ACCESS_DENIED');
    expect((await call(t, alice, 'PATCH', `/api/v1/vaults/${vaultId}/members/${bob.userId}`, { access: 'edit' })).status).toBe(200);
    // carol is no longer a confirmed member of the organisation: she cannot be given the vault.
    expect((await call(t, alice, 'PUT', `/api/v1/vaults/${vaultId}/members/${carol.userId}`, { access: 'read', keyVersion: 2, wrappedKey: blob('c') })).code).toBe('MEMBER_NOT_FOUND');
    for (let i = 0; i < 2; i++) expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/vaults`, { id: uuid(), encryptedName: blob(`v${i}`), wrappedKey: blob('k') })).status).toBe(201);
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/vaults`, { id: uuid(), encryptedName: blob('v'), wrappedKey: blob('k') })).code).toBe('ORG_LIMIT_REACHED');
    // Admins see every vault of the organisation; bob is an admin.
    expect((await call(t, bob, 'GET', `/api/v1/orgs/${orgId}/vaults`)).body.vaults).toHaveLength(3);
  });

  it('roles: only an owner makes owners; the last owner cannot leave or be demoted', async () => {
    const members = (await call(t, alice, 'GET', `/api/v1/orgs/${orgId}/members`)).body.members as { id: string; userId: string }[];
    const aliceMember = members.find((m) => m.userId === alice.userId)!;
    const bobMember = members.find((m) => m.userId === bob.userId)!;
    expect((await call(t, bob, 'PUT', `/api/v1/orgs/${orgId}/members/${bobMember.id}/role`, { role: 'owner' })).code).toBe('FORBIDDEN');
    expect((await call(t, alice, 'PUT', `/api/v1/orgs/${orgId}/members/${aliceMember.id}/role`, { role: 'admin' })).code).toBe('ORG_LAST_OWNER');
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/leave`, {})).code).toBe('ORG_LAST_OWNER');
    expect((await call(t, alice, 'PUT', `/api/v1/orgs/${orgId}/members/${bobMember.id}/role`, { role: 'member' })).body.member.role).toBe('member');
    expect((await call(t, bob, 'GET', `/api/v1/orgs/${orgId}/audit`)).code).toBe('FORBIDDEN');
    expect((await call(t, bob, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: 'x@org.example.com', role: 'member' })).code).toBe('FORBIDDEN');
    expect((await call(t, bob, 'DELETE', `/api/v1/orgs/${orgId}`)).code).toBe('FORBIDDEN');
  });

  it('the organisation audit: membership, role and vault events, metadata only, for owners and admins', async () => {
    const res = await call(t, alice, 'GET', `/api/v1/orgs/${orgId}/audit?limit=100`);
    expect(res.status).toBe(200);
    const actions = new Set((res.body.events as { action: string }[]).map((e) => e.action));
    for (const a of ['org.created', 'org.member_invited', 'org.member_accepted', 'org.member_confirmed', 'org.member_removed', 'org.member_role_changed', 'vault.created', 'vault.key_rotated', 'vault.access_changed']) {
      expect(actions.has(a), a).toBe(true);
    }
    const text = JSON.stringify(res.body);
    for (const secret of ['key-bob-1', 'item-v1', 'private-keys']) {
      expect(text).not.toContain(Buffer.from(`test-blob:${secret}`).toString('base64url'));
    }
    // Another organisation's owner reads nothing of it.
    expect((await call(t, dave, 'GET', `/api/v1/orgs/${orgId}/audit`)).code).toBe('ORG_NOT_FOUND');
  });

  it('an invitation can be declined by the invitee or withdrawn by an admin; neither lists the organisation', async () => {
    const erin = await person(t, 'erin@org.example.com');
    expect((await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: 'ERIN@org.example.com', role: 'member' })).status).toBe(202);
    expect((await call(t, erin, 'GET', '/api/v1/orgs')).body).toEqual({ orgs: [] });
    expect((await call(t, erin, 'GET', '/api/v1/orgs/invitations')).body.invitations).toHaveLength(1);
    expect((await call(t, erin, 'POST', `/api/v1/orgs/${orgId}/leave`, {})).status).toBe(200);
    expect((await call(t, erin, 'GET', '/api/v1/orgs/invitations')).body.invitations).toEqual([]);
    expect((await call(t, erin, 'POST', `/api/v1/orgs/${orgId}/accept`, {})).code).toBe('ORG_NOT_FOUND');
    await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: 'erin@org.example.com', role: 'member' });
    const invited = ((await call(t, alice, 'GET', `/api/v1/orgs/${orgId}/members`)).body.members as { id: string; email: string }[]).find((m) => m.email === 'erin@org.example.com')!;
    expect((await call(t, alice, 'DELETE', `/api/v1/orgs/${orgId}/members/${invited.id}`)).status).toBe(200);
    expect((await call(t, erin, 'GET', '/api/v1/orgs/invitations')).body.invitations).toEqual([]);
  });

  it('invitations per organisation and hour are limited', async () => {
    let last = 0;
    for (let i = 0; i < 8; i++) last = (await call(t, alice, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: `many${i}@org.example.com`, role: 'member' })).status;
    expect(last).toBe(429);
  });

  it('deleting the organisation takes its vaults and items with it', async () => {
    expect((await call(t, alice, 'DELETE', `/api/v1/orgs/${orgId}`)).status).toBe(200);
    expect((await call(t, bob, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).code).toBe('VAULT_NOT_FOUND');
    expect((await call(t, bob, 'POST', '/api/v1/vaults/sync', { known: [{ vaultId, revision: 1 }] })).body).toEqual({ vaults: [], gone: [vaultId], items: [] });
    expect((await call(t, alice, 'GET', '/api/v1/orgs')).body).toEqual({ orgs: [] });
  });
});
