import {
  api,
  fingerprintPhrase,
  type Invitation,
  type Member,
  type Org,
  type OrgAuditEvent,
  type OrgRole,
  type OrgVault,
  randomBytes,
  sealVaultName,
  type VaultAccess,
  type VaultMember,
  WatchwordError,
} from '@watchword/protocol';
import type { Vault } from '../vault.ts';
import { keyChain } from './keyring.ts';
import { checkedMembers, rotateVaultKey } from './rotation.ts';

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

  /** Leaves the organisation (or declines its invitation): the vaults this account could read then owe a key rotation. */
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
    await this.#vault.keyring.pins.flush();
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
   * Removes a member (or withdraws an invitation): the server refuses them at once and marks every vault they could
   * read as owing a key rotation; the sync that follows here rotates the ones this account manages (the others are
   * rotated by the next client of a member who manages them: Vault.sync). Returns the ids of the vaults rotated here.
   */
  async remove(orgId: string, who: string): Promise<string[]> {
    const member = await this.member(orgId, who);
    await this.#session.call(api.orgs.remove, { params: { orgId, memberId: member.id } });
    return this.#rotatedBySync();
  }

  /** Syncs (which rotates every vault this account manages that owes a rotation) and returns the ids rotated. */
  async #rotatedBySync(): Promise<string[]> {
    const rotated: string[] = [];
    const stop = this.#vault.onKeyRotated((r) => rotated.push(r.vaultId));
    try {
      await this.#vault.sync();
    } finally {
      stop();
    }
    return rotated;
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
    return checkedMembers(this.#session, this.#vault.keyring, vaultId);
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

  /** Takes a member's access away (at once, on the server), then rotates the vault key (through the sync). */
  async unshare(vaultId: string, userId: string): Promise<void> {
    await this.#session.call(api.vaults.unshare, { params: { vaultId, userId } });
    await this.#rotatedBySync();
  }

  /**
   * Rotates a vault's key now, whether or not a rotation is owed (rotation.ts): a new random key of the next version
   * granted to every member, checked against their signature and pins. Returns the new version.
   */
  async rotate(vaultId: string): Promise<number> {
    await this.#vault.sync();
    const keyVersion = await rotateVaultKey({ session: this.#session, keyring: this.#vault.keyring, userId: this.#vault.userId, state: this.#vault.sharedVault(vaultId) });
    await this.#vault.sync();
    return keyVersion;
  }
}
