import {
  api,
  fingerprintPhrase,
  type Invitation,
  type Member,
  type Org,
  type OrgAuditEvent,
  type OrgRole,
  type OrgVault,
  type PublicKeys,
  randomBytes,
  sealVaultName,
  type VaultAccess,
  type VaultMember,
  WatchwordError,
} from '@watchword/protocol';
import type { Vault } from '../vault.ts';
import { keyChain } from './keyring.ts';

/** A member as the SDK hands it out: with the fingerprint phrase of their keys once they accepted. */
export interface OrgMember extends Member {
  fingerprint: string[] | null;
}

/** A vault of an organisation with its name, when this member holds a key that opens it. */
export interface OrgVaultInfo extends OrgVault {
  name: string | null;
}

/**
 * Asked before a member is confirmed: shows the member's fingerprint phrase (to compare out of band with what the
 * member sees for themselves: `Organisations.myFingerprint`). Answer true to confirm.
 */
export type FingerprintCheck = (member: { email: string; userId: string; fingerprint: string[] }) => boolean | Promise<boolean>;

/**
 * Organisations and shared vaults for an unlocked vault (issue 25). Every key operation happens here, on the client:
 * sharing keys are registered on first need, members' keys are checked against their signature and the pinned ones
 * (KeyChangedError), vault keys travel only as grants sealed to a member and signed by this account.
 */
export class Organisations {
  readonly #vault: Vault;

  constructor(vault: Vault) {
    this.#vault = vault;
  }

  get #session() {
    return this.#vault.session;
  }

  /** This account's fingerprint phrase (registers its sharing keys if needed): what others compare when confirming it. */
  async myFingerprint(): Promise<string[]> {
    const own = await this.#vault.keyring.ownKeys();
    return fingerprintPhrase({ userId: this.#vault.userId, x25519PublicKey: own.x25519PublicKey, ed25519PublicKey: own.ed25519PublicKey });
  }

  async create(name: string): Promise<Org> {
    await this.#vault.keyring.ownKeys();
    return (await this.#session.call(api.orgs.create, { body: { id: crypto.randomUUID(), name } })).org;
  }

  async list(): Promise<Org[]> {
    return (await this.#session.call(api.orgs.list, {})).orgs;
  }

  async invitations(): Promise<Invitation[]> {
    return (await this.#session.call(api.orgs.invitations, {})).invitations;
  }

  /** Answered the same whether or not the address has an account. */
  async invite(orgId: string, email: string, role: 'admin' | 'member' = 'member'): Promise<void> {
    await this.#session.call(api.orgs.invite, { params: { orgId }, body: { email, role } });
  }

  /** Accepts an invitation: the sharing keys are registered first (the server needs them to accept). */
  async accept(orgId: string): Promise<Org> {
    await this.#vault.keyring.ownKeys();
    return (await this.#session.call(api.orgs.accept, { params: { orgId }, body: {} })).org;
  }

  async leave(orgId: string): Promise<void> {
    await this.#session.call(api.orgs.leave, { params: { orgId }, body: {} });
  }

  async delete(orgId: string): Promise<void> {
    await this.#session.call(api.orgs.delete, { params: { orgId } });
  }

  /** Members with their state and, once accepted, the fingerprint phrase of their checked and pinned keys. @throws {KeyChangedError} */
  async members(orgId: string): Promise<OrgMember[]> {
    const { members } = await this.#session.call(api.orgs.members, { params: { orgId } });
    const out: OrgMember[] = [];
    for (const member of members) {
      if (member.keys) await this.#vault.keyring.pins.check(member.keys, member.email);
      out.push({ ...member, fingerprint: member.keys ? await fingerprintPhrase(member.keys) : null });
    }
    return out;
  }

  async member(orgId: string, who: string): Promise<OrgMember> {
    const members = await this.members(orgId);
    const found = members.find((m) => m.id === who || m.userId === who || m.email.toLowerCase() === who.toLowerCase());
    if (!found) throw new WatchwordError('MEMBER_NOT_FOUND');
    return found;
  }

  /**
   * Confirms an accepted member after `check` approved their fingerprint phrase, granting them the given vaults (keys
   * sealed to them and signed here). Nothing is sent when `check` answers false (then: VALIDATION_FAILED).
   */
  async confirm(orgId: string, who: string, check: FingerprintCheck, vaults: { vaultId: string; access: VaultAccess }[] = []): Promise<Member> {
    const member = await this.member(orgId, who);
    if (member.state !== 'accepted' || !member.keys || !member.userId || !member.fingerprint) throw new WatchwordError('MEMBER_STATE_INVALID');
    if (!(await check({ email: member.email, userId: member.userId, fingerprint: member.fingerprint }))) {
      throw new WatchwordError('VALIDATION_FAILED', { message: 'the fingerprint phrase was not confirmed; nothing was sent', details: { field: 'fingerprint' } });
    }
    await this.#vault.sync();
    const grants = [];
    for (const { vaultId, access } of vaults) {
      const state = this.#vault.sharedVault(vaultId);
      grants.push({ vaultId, access, keyVersion: state.keyVersion, wrappedKey: await this.#vault.keyring.grant({ vaultId, keyVersion: state.keyVersion, chain: keyChain(state), recipient: member.keys }) });
    }
    return (await this.#session.call(api.orgs.confirm, { params: { orgId, memberId: member.id }, body: { grants } })).member;
  }

  async setRole(orgId: string, who: string, role: OrgRole): Promise<Member> {
    const member = await this.member(orgId, who);
    return (await this.#session.call(api.orgs.role, { params: { orgId, memberId: member.id }, body: { role } })).member;
  }

  /**
   * Removes a member (or withdraws an invitation): the server refuses them at once; then this client rotates the key
   * of every vault it manages that the member could read, so what is added afterwards is sealed under a key they never
   * held. Returns the ids of the vaults rotated.
   */
  async remove(orgId: string, who: string): Promise<string[]> {
    const member = await this.member(orgId, who);
    await this.#vault.sync();
    const affected: string[] = [];
    if (member.userId) {
      for (const state of this.#vault.sharedVaults()) {
        if (state.orgId !== orgId || state.access !== 'manage') continue;
        const { members } = await this.#session.call(api.vaults.members, { params: { vaultId: state.id } });
        if (members.some((m) => m.userId === member.userId)) affected.push(state.id);
      }
    }
    await this.#session.call(api.orgs.remove, { params: { orgId, memberId: member.id } });
    for (const vaultId of affected) await this.rotate(vaultId);
    return affected;
  }

  async audit(orgId: string, options: { before?: number; limit?: number } = {}): Promise<OrgAuditEvent[]> {
    const query = { ...(options.before === undefined ? {} : { before: String(options.before) }), ...(options.limit === undefined ? {} : { limit: String(options.limit) }) };
    return (await this.#session.call(api.orgs.audit, { params: { orgId }, query })).events;
  }

  // ——— Shared vaults ———

  /** Creates a shared vault: a new random key (version 1), its name sealed under it, the key granted to this account. */
  async createVault(orgId: string, name: string): Promise<OrgVaultInfo> {
    const own = await this.#vault.keyring.ownKeys();
    const id = crypto.randomUUID();
    const key = randomBytes(32);
    const encryptedName = await sealVaultName({ vaultKey: key, vaultId: id, keyVersion: 1, name });
    const wrappedKey = await this.#vault.keyring.grant({ vaultId: id, keyVersion: 1, chain: [key], recipient: { userId: this.#vault.userId, x25519PublicKey: own.x25519PublicKey } });
    key.fill(0);
    const { vault } = await this.#session.call(api.vaults.create, { params: { orgId }, body: { id, encryptedName, wrappedKey } });
    await this.#vault.sync();
    return { id: vault.id, orgId: vault.orgId, encryptedName: vault.encryptedName, keyVersion: vault.keyVersion, memberCount: 1, access: vault.access, rotationPendingSince: vault.rotationPendingSince, createdAt: vault.createdAt, name: this.#vault.vaultName(vault.id) };
  }

  async vaults(orgId: string): Promise<OrgVaultInfo[]> {
    await this.#vault.sync();
    const { vaults } = await this.#session.call(api.vaults.list, { params: { orgId } });
    return vaults.map((v) => {
      const held = this.#vault.sharedVaults().find((s) => s.id === v.id);
      return { ...v, name: held?.name ?? null };
    });
  }

  /** The shared vault of this name (case-insensitive) among the ones this member reaches. */
  async vaultByName(name: string): Promise<string> {
    await this.#vault.sync();
    const matches = this.#vault.sharedVaults().filter((v) => v.name?.toLowerCase() === name.toLowerCase() || v.id === name);
    if (matches.length === 0) throw new WatchwordError('VAULT_NOT_FOUND');
    if (matches.length > 1) throw new WatchwordError('VALIDATION_FAILED', { message: `more than one vault is named ${name}: use its id`, details: { field: 'vault' } });
    return (matches[0] as { id: string }).id;
  }

  async renameVault(vaultId: string, name: string): Promise<void> {
    const state = this.#vault.sharedVault(vaultId);
    const key = state.keys.get(state.keyVersion);
    if (!key) throw new WatchwordError('VAULT_NOT_FOUND');
    await this.#session.call(api.vaults.rename, { params: { vaultId }, body: { encryptedName: await sealVaultName({ vaultKey: key, vaultId, keyVersion: state.keyVersion, name }) } });
    await this.#vault.sync();
  }

  async deleteVault(vaultId: string): Promise<void> {
    await this.#session.call(api.vaults.delete, { params: { vaultId } });
    await this.#vault.sync();
  }

  /** The vault's members, with their keys checked and pinned. @throws {KeyChangedError} */
  async vaultMembers(vaultId: string): Promise<VaultMember[]> {
    const { members } = await this.#session.call(api.vaults.members, { params: { vaultId } });
    for (const m of members) if (m.keys) await this.#vault.keyring.pins.check(m.keys, m.email);
    return members;
  }

  /** Gives a confirmed member of the organisation access to a vault: the vault's key chain, sealed to them. */
  async share(vaultId: string, userId: string, access: VaultAccess = 'edit'): Promise<void> {
    await this.#vault.sync();
    const state = this.#vault.sharedVault(vaultId);
    const keys = await this.#vault.keyring.memberKeys(userId);
    const wrappedKey = await this.#vault.keyring.grant({ vaultId, keyVersion: state.keyVersion, chain: keyChain(state), recipient: keys });
    await this.#session.call(api.vaults.share, { params: { vaultId, userId }, body: { access, keyVersion: state.keyVersion, wrappedKey } });
  }

  async setAccess(vaultId: string, userId: string, access: VaultAccess): Promise<void> {
    await this.#session.call(api.vaults.access, { params: { vaultId, userId }, body: { access } });
  }

  /** Takes a member's access away (at once, on the server), then rotates the vault key. */
  async unshare(vaultId: string, userId: string): Promise<void> {
    await this.#session.call(api.vaults.unshare, { params: { vaultId, userId } });
    await this.rotate(vaultId);
  }

  /**
   * Rotates a vault's key: a new random key of the next version, granted (with the older keys, keyring.ts) to every
   * remaining member after their keys are checked against their signature and pins. Items keep their key version;
   * everything written afterwards is sealed under the new key. Returns the new version.
   */
  async rotate(vaultId: string): Promise<number> {
    await this.#vault.sync();
    const state = this.#vault.sharedVault(vaultId);
    const members = await this.vaultMembers(vaultId);
    const keyVersion = state.keyVersion + 1;
    const chain = [randomBytes(32), ...keyChain(state)];
    const own = await this.#vault.keyring.ownKeys();
    const wrappedKeys: { userId: string; wrappedKey: string }[] = [];
    for (const m of members) {
      // This account's own key from its sealed keys, never as the server lists it; every other member's as checked and pinned.
      const recipient: Pick<PublicKeys, 'userId' | 'x25519PublicKey'> | null = m.userId === this.#vault.userId ? { userId: m.userId, x25519PublicKey: own.x25519PublicKey } : m.keys;
      if (!recipient) throw new WatchwordError('KEYS_REQUIRED', { message: `${m.email} has no sharing keys; the rotation was not made` });
      wrappedKeys.push({ userId: m.userId, wrappedKey: await this.#vault.keyring.grant({ vaultId, keyVersion, chain, recipient }) });
    }
    chain[0]?.fill(0);
    await this.#session.call(api.vaults.rotate, { params: { vaultId }, body: { keyVersion, wrappedKeys } });
    await this.#vault.sync();
    return keyVersion;
  }
}
