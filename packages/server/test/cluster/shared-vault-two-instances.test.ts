/**
 * Issue 25 on a scaled-out deployment: two real server processes on one PostgreSQL and one Redis. A member removed
 * through one instance is refused by the other on its very next request (membership is read from the database on
 * every request, never cached in a process), and its next sync there reports the vault gone.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { sharingKeyMessage, toBase64Url } from '@watchword/protocol';
import { dialectsUnderTest, type ServerProcess, stateKindsUnderTest, unseenMailLink } from '@watchword/testkit';
import { type Cluster, startCluster } from '../support/cluster.ts';

const PUBLIC = 'http://watchword.cluster';
const enabled = dialectsUnderTest().includes('postgres') && stateKindsUnderTest().includes('redis');
const blob = (label: string) => Buffer.from(`test-blob:${label}`).toString('base64url');

describe.runIf(enabled)('shared vaults on two instances', () => {
  let cluster: Cluster;
  let instances: ServerProcess[] = [];
  const seen = new Set<string>();

  beforeAll(async () => {
    cluster = await startCluster(2, { PUBLIC_URL: PUBLIC, ALLOWED_KDF_VERSIONS: '0,1', RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
    instances = cluster.instances;
  });
  afterAll(async () => cluster?.stop());

  const api = async (i: number, token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${(instances[i] as ServerProcess).url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as any;
    return { status: res.status, body: json, code: json?.error?.code as string | undefined };
  };

  /** Registers through instance 0, verifies the address from the outbox, registers sharing keys; returns a token. */
  const signUp = async (email: string) => {
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: (instances[0] as ServerProcess).url, kdfVersion: 0, dpop: false });
    await client().register({ email, password: `${email} passphrase` });
    let link: string | undefined;
    for (let tries = 0; tries < 100 && link === undefined; tries++) {
      link = cluster.dataDirs.map((d) => unseenMailLink(join(d, 'outbox'), email, 'verify-email', seen)).find(Boolean);
      if (link === undefined) await sleep(50);
    }
    if (link === undefined) throw new Error('no verification mail');
    const token = new URL(link.replace('/#/', '/')).searchParams.get('token');
    const verified = await fetch(`${(instances[1] as ServerProcess).url}/api/v1/auth/verify-email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(verified.status).toBe(200);
    const vault = await client().login({ email, password: `${email} passphrase` });
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign'])) as CryptoKeyPair;
    const x = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
    const x25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey)));
    const keys = {
      x25519PublicKey,
      ed25519PublicKey: toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey))),
      keySignature: toBase64Url(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, ed.privateKey, sharingKeyMessage(vault.userId, x25519PublicKey)))),
      wrappedPrivateKeys: blob('private'),
    };
    const token2 = vault.session.tokens.accessToken;
    expect((await api(1, token2, 'PUT', '/api/v1/account/keys', keys)).status).toBe(200);
    return { userId: vault.userId, email, token: token2 };
  };

  it('a member removed through one instance is refused by the other at once', async () => {
    const owner = await signUp('owner@cluster.example.com');
    const member = await signUp('member@cluster.example.com');
    const orgId = crypto.randomUUID();
    const vaultId = crypto.randomUUID();
    const itemId = crypto.randomUUID();
    expect((await api(0, owner.token, 'POST', '/api/v1/orgs', { id: orgId, name: 'Team' })).status).toBe(201);
    expect((await api(1, owner.token, 'POST', `/api/v1/orgs/${orgId}/vaults`, { id: vaultId, encryptedName: blob('n'), wrappedKey: blob('k') })).status).toBe(201);
    expect((await api(0, owner.token, 'POST', `/api/v1/vaults/${vaultId}/items`, { id: itemId, keyVersion: 1, data: blob('item') })).status).toBe(201);
    expect((await api(1, owner.token, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: member.email, role: 'member' })).status).toBe(202);
    expect((await api(0, member.token, 'POST', `/api/v1/orgs/${orgId}/accept`, {})).status).toBe(200);
    const members = (await api(1, owner.token, 'GET', `/api/v1/orgs/${orgId}/members`)).body.members as { id: string; userId: string }[];
    const memberId = members.find((m) => m.userId === member.userId)!.id;
    expect((await api(0, owner.token, 'POST', `/api/v1/orgs/${orgId}/members/${memberId}/confirm`, { grants: [{ vaultId, access: 'edit', keyVersion: 1, wrappedKey: blob('km') }] })).status).toBe(200);
    // Reads and writes work on both instances.
    for (const i of [0, 1]) expect((await api(i, member.token, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).status).toBe(200);
    const sync = await api(1, member.token, 'POST', '/api/v1/vaults/sync', { known: [] });
    expect(sync.body.items).toHaveLength(1);
    // Removed through instance 0; instance 1 refuses on the very next request.
    expect((await api(0, owner.token, 'DELETE', `/api/v1/orgs/${orgId}/members/${memberId}`)).status).toBe(200);
    expect((await api(1, member.token, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).code).toBe('VAULT_NOT_FOUND');
    expect((await api(1, member.token, 'PUT', `/api/v1/vaults/${vaultId}/items/${itemId}`, { revision: 1, keyVersion: 1, data: blob('after removal') })).code).toBe('VAULT_NOT_FOUND');
    const after = await api(1, member.token, 'POST', '/api/v1/vaults/sync', { known: sync.body.vaults.map((v: { id: string; revision: number }) => ({ vaultId: v.id, revision: v.revision })) });
    expect(after.body).toEqual({ vaults: [], gone: [vaultId], items: [] });
    expect((await api(0, owner.token, 'GET', `/api/v1/vaults/${vaultId}/items/${itemId}`)).body.item.data).toBe(blob('item'));
  });
});
