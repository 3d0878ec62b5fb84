/**
 * Organisation- and vault-scoped permissions (issue 25), walked over every `org:*` and `vault:*` route of the contract:
 * each organisation role and each vault access is let through exactly where permissions.ts says, refused elsewhere
 * (FORBIDDEN / VAULT_ACCESS_DENIED), before validation. Then IDOR: another organisation's ids, another vault's ids,
 * item ids from a vault the caller left — on every new route — answer as if they did not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_ROLE_PERMISSIONS, VAULT_ACCESS_PERMISSIONS, type OrgPermission, type RouteSpec, type VaultPermission, allRoutes, api, isScopedPermission } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { type Answer, type Person, blob, call, join, person, uuid } from './support.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe.each(backendsUnderTest())('organisation scope and IDOR ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Person; // owner of A, manages VA
  let bob: Person; // admin of A, no vault access
  let carol: Person; // member of A, reads VA
  let erin: Person; // member of A, edits VA
  let frank: Person; // was a member of A with edit on VA, left
  let dave: Person; // owner of B, manages VB
  const A = uuid();
  const B = uuid();
  const VA = uuid();
  const VB = uuid();
  const IA = uuid();
  const IB = uuid();
  let bobMemberId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    const at = (n: string) => person(t, `${n}@scope.example.com`);
    [alice, bob, carol, erin, frank, dave] = await Promise.all([at('alice'), at('bob'), at('carol'), at('erin'), at('frank'), at('dave')]);
    await call(t, alice, 'POST', '/api/v1/orgs', { id: A, name: 'A' });
    await call(t, alice, 'POST', `/api/v1/orgs/${A}/vaults`, { id: VA, encryptedName: blob('VA'), wrappedKey: blob('ka') });
    await call(t, alice, 'POST', `/api/v1/vaults/${VA}/items`, { id: IA, keyVersion: 1, data: blob('IA') });
    bobMemberId = await join(t, alice, A, bob, 'admin');
    await join(t, alice, A, carol, 'member', { [VA]: 'read' });
    await join(t, alice, A, erin, 'member', { [VA]: 'edit' });
    await join(t, alice, A, frank, 'member', { [VA]: 'edit' });
    expect((await call(t, frank, 'GET', `/api/v1/vaults/${VA}/items/${IA}`)).status).toBe(200);
    expect((await call(t, frank, 'POST', `/api/v1/orgs/${A}/leave`, {})).status).toBe(200);
    await call(t, dave, 'POST', '/api/v1/orgs', { id: B, name: 'B' });
    await call(t, dave, 'POST', `/api/v1/orgs/${B}/vaults`, { id: VB, encryptedName: blob('VB'), wrappedKey: blob('kb') });
    await call(t, dave, 'POST', `/api/v1/vaults/${VB}/items`, { id: IB, keyVersion: 1, data: blob('IB') });
  });
  afterAll(async () => t?.close());

  const scoped = () => allRoutes().filter((r) => isScopedPermission(r.permission));
  /** Destructive routes go last (the vault, then the organisation). */
  const ordered = () => {
    const routes = scoped();
    const last = [api.vaults.delete, api.orgs.delete] as RouteSpec[];
    return [...routes.filter((r) => !last.includes(r)), ...last];
  };
  const path = (r: RouteSpec, ids: Record<string, string>) => r.path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? uuid());
  const send = (who: Person, r: RouteSpec, url: string, invalid: boolean): Promise<Answer> => {
    const hasBody = !['GET', 'DELETE'].includes(r.method) || r.body !== undefined;
    const query = invalid && !hasBody ? '?not_a_parameter=1' : '';
    return call(t, who, r.method as Method, url + query, hasBody ? (invalid ? { not_a_field: true } : {}) : undefined);
  };

  it('every org:* and vault:* route lets through exactly the roles and accesses that hold its permission', async () => {
    const orgRoles: [Person, 'owner' | 'admin' | 'member'][] = [[alice, 'owner'], [bob, 'admin'], [carol, 'member']];
    const vaultAccess: [Person, 'manage' | 'edit' | 'read' | null][] = [[alice, 'manage'], [erin, 'edit'], [carol, 'read'], [bob, null]];
    const wrong: string[] = [];
    let allowed = 0;
    let refused = 0;
    for (const r of ordered()) {
      const url = path(r, { orgId: A, vaultId: VA, id: IA });
      const isOrg = r.permission.startsWith('org:');
      const cases = isOrg
        ? orgRoles.map(([p, role]) => [p, role, ORG_ROLE_PERMISSIONS[role].includes(r.permission as OrgPermission)] as const)
        : vaultAccess.map(([p, access]) => [p, access ?? 'none', access !== null && VAULT_ACCESS_PERMISSIONS[access].includes(r.permission as VaultPermission)] as const);
      // Refusals first: they change nothing.
      for (const [p, label, holds] of cases.filter((c) => !c[2])) {
        refused++;
        const res = await send(p, r, url, true);
        const expected = isOrg ? ['FORBIDDEN'] : label === 'none' ? ['VAULT_NOT_FOUND'] : ['VAULT_ACCESS_DENIED'];
        if (!expected.includes(res.code ?? '')) wrong.push(`${label} → ${r.method} ${r.path}: expected ${expected.join('|')}, got ${res.status} ${res.code} (${holds})`);
      }
      for (const [p, label] of cases.filter((c) => c[2])) {
        allowed++;
        const res = await send(p, r, url, true);
        if (res.status === 401 || res.status === 403 || (res.status === 404 && ['ORG_NOT_FOUND', 'VAULT_NOT_FOUND'].includes(res.code ?? ''))) {
          wrong.push(`${label} → ${r.method} ${r.path}: holds it, got ${res.status} ${res.code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(allowed).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

describe.each(backendsUnderTest())('IDOR on every organisation and vault route ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Person;
  let carol: Person;
  let frank: Person;
  let dave: Person;
  const A = uuid();
  const B = uuid();
  const VA = uuid();
  const VB = uuid();
  const IA = uuid();
  const IB = uuid();
  let carolMemberIdInA: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    const at = (n: string) => person(t, `${n}@idor.example.com`);
    [alice, carol, frank, dave] = await Promise.all([at('alice'), at('carol'), at('frank'), at('dave')]);
    await call(t, alice, 'POST', '/api/v1/orgs', { id: A, name: 'A' });
    await call(t, alice, 'POST', `/api/v1/orgs/${A}/vaults`, { id: VA, encryptedName: blob('VA'), wrappedKey: blob('ka') });
    await call(t, alice, 'POST', `/api/v1/vaults/${VA}/items`, { id: IA, keyVersion: 1, data: blob('IA') });
    carolMemberIdInA = await join(t, alice, A, carol, 'member', { [VA]: 'read' });
    await join(t, alice, A, frank, 'admin', { [VA]: 'manage' });
    expect((await call(t, frank, 'GET', `/api/v1/vaults/${VA}/items/${IA}`)).status).toBe(200);
    await call(t, dave, 'POST', '/api/v1/orgs', { id: B, name: 'B' });
    await call(t, dave, 'POST', `/api/v1/orgs/${B}/vaults`, { id: VB, encryptedName: blob('VB'), wrappedKey: blob('kb') });
    await call(t, dave, 'POST', `/api/v1/vaults/${VB}/items`, { id: IB, keyVersion: 1, data: blob('IB') });
    // frank leaves A: every id he saw there is now another organisation's.
    expect((await call(t, frank, 'POST', `/api/v1/orgs/${A}/leave`, {})).status).toBe(200);
  });
  afterAll(async () => t?.close());

  /** A body of valid shape for each route (so nothing is refused for its shape rather than for the id). */
  const bodies: Partial<Record<string, unknown>> = {
    [`PATCH ${api.orgs.rename.path}`]: { name: 'taken over' },
    [`POST ${api.orgs.invite.path}`]: { email: 'spy@idor.example.com', role: 'admin' },
    [`POST ${api.orgs.confirm.path}`]: { grants: [] },
    [`PUT ${api.orgs.role.path}`]: { role: 'owner' },
    [`POST ${api.vaults.create.path}`]: { id: uuid(), encryptedName: blob('n'), wrappedKey: blob('k') },
    [`PATCH ${api.vaults.rename.path}`]: { encryptedName: blob('n') },
    [`PUT ${api.vaults.share.path}`]: { access: 'manage', keyVersion: 1, wrappedKey: blob('k') },
    [`PATCH ${api.vaults.access.path}`]: { access: 'manage' },
    [`POST ${api.vaults.rotate.path}`]: { keyVersion: 2, wrappedKeys: [{ userId: uuid(), wrappedKey: blob('k') }] },
    [`POST ${api.vaults.createItem.path}`]: { id: uuid(), keyVersion: 1, data: blob('d') },
    [`PUT ${api.vaults.updateItem.path}`]: { revision: 1, keyVersion: 1, data: blob('d') },
  };
  const hit = (who: Person, r: RouteSpec, ids: Record<string, string>) => {
    const url = r.path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? uuid());
    const body = bodies[`${r.method} ${r.path}`] ?? (r.body !== undefined ? {} : undefined);
    return call(t, who, r.method as Method, url, body);
  };
  const scoped = () => allRoutes().filter((r) => isScopedPermission(r.permission));

  for (const [label, who] of [['an owner of another organisation', () => dave], ['a member who left', () => frank]] as const) {
    it(`${label}: organisation A's and vault VA's ids answer as missing on every scoped route`, async () => {
      const wrong: string[] = [];
      for (const r of scoped()) {
        const res = await hit(who(), r, { orgId: A, vaultId: VA, id: IA, memberId: carolMemberIdInA, userId: carol.userId });
        const expected = r.permission.startsWith('org:') ? 'ORG_NOT_FOUND' : 'VAULT_NOT_FOUND';
        if (res.status !== 404 || res.code !== expected) wrong.push(`${r.method} ${r.path}: ${res.status} ${res.code}`);
      }
      expect(wrong).toEqual([]);
      // Nothing changed in A.
      expect((await call(t, alice, 'GET', `/api/v1/orgs/${A}`)).body.org.name).toBe('A');
      expect((await call(t, alice, 'GET', `/api/v1/vaults/${VA}/items/${IA}`)).body.item).toMatchObject({ revision: 1, data: blob('IA') });
    });
  }

  it('ids of another organisation inside one’s own: members, vault members and items answer as missing', async () => {
    expect((await call(t, dave, 'POST', `/api/v1/orgs/${B}/members/${carolMemberIdInA}/confirm`, { grants: [] })).code).toBe('MEMBER_NOT_FOUND');
    expect((await call(t, dave, 'PUT', `/api/v1/orgs/${B}/members/${carolMemberIdInA}/role`, { role: 'owner' })).code).toBe('MEMBER_NOT_FOUND');
    expect((await call(t, dave, 'DELETE', `/api/v1/orgs/${B}/members/${carolMemberIdInA}`)).code).toBe('MEMBER_NOT_FOUND');
    expect((await call(t, dave, 'PUT', `/api/v1/vaults/${VB}/members/${alice.userId}`, { access: 'read', keyVersion: 1, wrappedKey: blob('k') })).code).toBe('MEMBER_NOT_FOUND');
    expect((await call(t, dave, 'PATCH', `/api/v1/vaults/${VB}/members/${alice.userId}`, { access: 'read' })).code).toBe('MEMBER_NOT_FOUND');
    expect((await call(t, dave, 'DELETE', `/api/v1/vaults/${VB}/members/${alice.userId}`)).code).toBe('MEMBER_NOT_FOUND');
    // Item ids of VA through one's own vault VB.
    expect((await call(t, dave, 'GET', `/api/v1/vaults/${VB}/items/${IA}`)).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, dave, 'PUT', `/api/v1/vaults/${VB}/items/${IA}`, { revision: 1, keyVersion: 1, data: blob('x') })).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, dave, 'DELETE', `/api/v1/vaults/${VB}/items/${IA}`)).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, dave, 'POST', `/api/v1/vaults/${VB}/items/${IA}/restore`)).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, dave, 'POST', `/api/v1/vaults/${VB}/items`, { id: IA, keyVersion: 1, data: blob('x') })).code).toBe('ITEM_EXISTS');
    // A shared item is not a personal one, whoever asks.
    expect((await call(t, carol, 'GET', `/api/v1/items/${IA}`)).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, alice, 'GET', `/api/v1/items/${IA}`)).code).toBe('ITEM_NOT_FOUND');
    expect((await call(t, alice, 'GET', `/api/v1/vaults/${VA}/items/${IA}`)).body.item.data).toBe(blob('IA'));
  });

  it('account-level routes: moves, sync, accept, leave and public keys with another organisation’s ids', async () => {
    const intoVB = { vaultId: VB, id: uuid(), keyVersion: 1, data: blob('stolen') };
    expect((await call(t, dave, 'POST', '/api/v1/items/move', { from: { vaultId: VA, id: IA, revision: 1 }, to: intoVB })).code).toBe('VAULT_NOT_FOUND');
    expect((await call(t, frank, 'POST', '/api/v1/items/move', { from: { vaultId: VA, id: IA, revision: 1 }, to: { vaultId: frank.personalVaultId, id: uuid(), data: blob('x') } })).code).toBe('VAULT_NOT_FOUND');
    expect((await call(t, dave, 'POST', '/api/v1/items/move', { from: { vaultId: VB, id: IB, revision: 1 }, to: { vaultId: VA, id: uuid(), keyVersion: 1, data: blob('planted') } })).code).toBe('VAULT_NOT_FOUND');
    // Into someone else's personal vault: not the caller's, so a shared vault it cannot reach.
    expect((await call(t, dave, 'POST', '/api/v1/items/move', { from: { vaultId: VB, id: IB, revision: 1 }, to: { vaultId: alice.personalVaultId, id: uuid(), data: blob('planted') } })).code).toBe('VAULT_NOT_FOUND');
    expect((await call(t, dave, 'GET', `/api/v1/vaults/${VB}/items/${IB}`)).body.item.revision).toBe(1);
    const sync = await call(t, frank, 'POST', '/api/v1/vaults/sync', { known: [{ vaultId: VA, revision: 0 }, { vaultId: VB, revision: 0 }] });
    expect(sync.body).toEqual({ vaults: [], gone: [VA, VB].sort(), items: [] });
    // The query form of the same sync: the same answer.
    expect((await call(t, frank, 'GET', `/api/v1/vaults/sync?known=${VA}:0,${VB}:0`)).body).toEqual({ vaults: [], gone: [VA, VB].sort(), items: [] });
    expect((await call(t, dave, 'POST', `/api/v1/orgs/${A}/accept`, {})).code).toBe('ORG_NOT_FOUND');
    expect((await call(t, dave, 'POST', `/api/v1/orgs/${A}/leave`, {})).code).toBe('ORG_NOT_FOUND');
    expect((await call(t, dave, 'GET', `/api/v1/users/${alice.userId}/keys`)).code).toBe('USER_NOT_FOUND');
    expect((await call(t, frank, 'GET', `/api/v1/users/${carol.userId}/keys`)).code).toBe('USER_NOT_FOUND');
    expect((await call(t, alice, 'GET', `/api/v1/orgs/${A}/members`)).body.members.map((m: { userId: string }) => m.userId)).not.toContain(frank.userId);
  });
});
