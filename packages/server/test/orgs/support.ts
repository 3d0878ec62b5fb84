/**
 * Helpers of the organisation suites: accounts registered through the SDK (the real OPAQUE flow), their sharing keys
 * signed with real Ed25519 keys, and raw requests through inject. Wrapped vault keys and item data are opaque test
 * blobs here: the server never opens them (the real sealing is the client's, tested there).
 */
import { WatchwordClient } from '@watchword/client';
import { sharingKeyMessage, toBase64Url } from '@watchword/protocol';
import type { TestApp } from '@watchword/testkit/app';

export interface Person {
  userId: string;
  email: string;
  token: () => Promise<string>;
  personalVaultId: string;
}

export async function person(t: TestApp, email: string, options: { verified?: boolean; keys?: boolean } = {}): Promise<Person> {
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
  const password = `${email} long passphrase`;
  await client().register({ email, password });
  const vault = await client().login({ email, password, deviceName: 'test' });
  if (options.verified !== false) await t.storage.account.markEmailVerified(vault.userId, t.clock.now);
  const personalVaultId = (await t.storage.vaults.listForUser(vault.userId))[0]!.id;
  const p: Person = { userId: vault.userId, email, token: () => vault.session.accessToken(), personalVaultId };
  if (options.keys !== false) {
    const res = await call(t, p, 'PUT', '/api/v1/account/keys', await signedKeys(p.userId));
    if (res.status !== 200) throw new Error(`key registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return p;
}

export async function signedKeys(userId: string, signFor = userId) {
  const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const x = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const x25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey)));
  const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
  const keySignature = toBase64Url(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, ed.privateKey, sharingKeyMessage(signFor, x25519PublicKey))));
  return { x25519PublicKey, ed25519PublicKey, keySignature, wrappedPrivateKeys: blob('private-keys') };
}

/** An opaque base64url test blob, different per label. */
export const blob = (label: string) => Buffer.from(`test-blob:${label}`).toString('base64url');

export interface Answer {
  status: number;
  body: any;
  code: string | undefined;
}

export async function call(t: TestApp, who: Person, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<Answer> {
  const res = await t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${await who.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  const parsed = res.body === '' ? undefined : (JSON.parse(res.body) as any);
  return { status: res.statusCode, body: parsed, code: parsed?.error?.code };
}

export const uuid = () => crypto.randomUUID();

/** owner invites `member` with `role`, the member accepts, the owner confirms with `grants` (vault id → access). */
export async function join(t: TestApp, owner: Person, orgId: string, member: Person, role: 'admin' | 'member', grants: Record<string, 'read' | 'edit' | 'manage'> = {}): Promise<string> {
  const steps: Answer[] = [];
  steps.push(await call(t, owner, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: member.email, role }));
  steps.push(await call(t, member, 'POST', `/api/v1/orgs/${orgId}/accept`, {}));
  const members = (await call(t, owner, 'GET', `/api/v1/orgs/${orgId}/members`)).body.members as { id: string; userId: string | null }[];
  const memberId = members.find((m) => m.userId === member.userId)?.id;
  if (memberId === undefined) throw new Error(`join failed: ${JSON.stringify(steps.map((s) => [s.status, s.code]))}`);
  const confirmed = await call(t, owner, 'POST', `/api/v1/orgs/${orgId}/members/${memberId}/confirm`, {
    grants: Object.entries(grants).map(([vaultId, access]) => ({ vaultId, access, keyVersion: 1, wrappedKey: blob(`key-${member.userId}`) })),
  });
  if (confirmed.status !== 200) throw new Error(`confirm failed: ${confirmed.status} ${confirmed.code}`);
  return memberId;
}
