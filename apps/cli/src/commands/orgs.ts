import { type Command, Option } from 'commander';
import { KeyChangedError, Organisations, type Vault } from '@watchword/client';
import type { Org } from '@watchword/protocol';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { renderTable } from '../output.ts';
import { vaultIdByName } from './items.ts';

type Ctx = (cmd: Command) => CliContext;
const ACCESS = ['read', 'edit', 'manage'] as const;
type Access = (typeof ACCESS)[number];
const collect = (value: string, previous: string[] = []) => [...previous, value];

async function open(ctx: CliContext): Promise<{ vault: Vault; orgs: Organisations }> {
  // Sharing reads no item: the local copy is neither synced nor decrypted, only its revision seeds the vault's sync.
  const vault = await ctx.vault({ items: 'none' });
  return { vault, orgs: new Organisations(vault) };
}

/** An organisation by name (case-insensitive) or id, among the caller's organisations (and, for accept, invitations). */
async function findOrg(orgs: Organisations, query: string, withInvitations = false): Promise<Pick<Org, 'id' | 'name'>> {
  const mine: Pick<Org, 'id' | 'name'>[] = await orgs.list();
  const invited = withInvitations ? (await orgs.invitations()).map((i) => ({ id: i.orgId, name: i.orgName })) : [];
  const matches = [...mine, ...invited].filter((o) => o.id === query || o.name.toLowerCase() === query.toLowerCase());
  const unique = [...new Map(matches.map((o) => [o.id, o])).values()];
  if (unique.length === 0) throw new CliError(`no organisation named "${query}" (ww org list shows them)`, EXIT.notFound);
  if (unique.length > 1) throw new CliError(`more than one organisation is named "${query}": give its id`, EXIT.usage);
  return unique[0] as Pick<Org, 'id' | 'name'>;
}

function phrase(words: readonly string[]): string {
  return words.join(' ');
}

/** `--vault NAME[:read|edit|manage]` (edit when no access is given). */
function parseGrant(spec: string): { name: string; access: Access } {
  const at = spec.lastIndexOf(':');
  const access = at > 0 ? spec.slice(at + 1) : '';
  if ((ACCESS as readonly string[]).includes(access)) return { name: spec.slice(0, at), access: access as Access };
  return { name: spec, access: 'edit' };
}

function keyChanged(error: unknown): never {
  if (error instanceof KeyChangedError) throw new CliError(`${error.message} [KEY_CHANGED]`, EXIT.auth);
  throw error;
}

export function orgCommands(program: Command, context: Ctx): void {
  const org = program.command('org').description('organisations: share vaults with a family or a team');

  org
    .command('create <name>')
    .description('create an organisation (you become its owner)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const created = await orgs.create(name);
      if (ctx.json) return ctx.out(JSON.stringify(created));
      ctx.info(`Created organisation "${created.name}" (${created.id}).`);
    });

  org
    .command('list')
    .description('your organisations, and invitations waiting for you')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const [mine, invitations] = await Promise.all([orgs.list(), orgs.invitations()]);
      if (ctx.json) return ctx.out(JSON.stringify({ orgs: mine, invitations }));
      if (mine.length === 0 && invitations.length === 0) return ctx.info('No organisations.');
      const rows = [
        ...mine.map((o) => [o.name, o.role, o.state, String(o.memberCount), String(o.vaultCount), o.id]),
        ...invitations.map((i) => [i.orgName, i.role, 'invited (ww org accept)', '', '', i.orgId]),
      ];
      ctx.out(renderTable(['NAME', 'ROLE', 'STATE', 'MEMBERS', 'VAULTS', 'ID'], rows));
    });

  org
    .command('fingerprint')
    .description('your fingerprint phrase: what an admin compares with you before confirming you')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const words = await orgs.myFingerprint();
      ctx.out(ctx.json ? JSON.stringify({ fingerprint: words }) : phrase(words));
    });

  org
    .command('invite <org> <email>')
    .description('invite an e-mail address (answered the same whether or not it has an account)')
    .addOption(new Option('--role <role>', 'role in the organisation').choices(['admin', 'member']).default('member'))
    .action(async (query: string, email: string, opts: { role: 'admin' | 'member' }, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      await orgs.invite(found.id, email, opts.role);
      ctx.info(`Invited ${email} to "${found.name}" as ${opts.role}. Once they accept: ww org confirm "${found.name}" ${email}`);
    });

  org
    .command('accept <org>')
    .description('accept an invitation (registers your sharing keys), then tell the admin your fingerprint phrase')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query, true);
      const accepted = await orgs.accept(found.id);
      const words = await orgs.myFingerprint();
      if (ctx.json) return ctx.out(JSON.stringify({ org: accepted, fingerprint: words }));
      ctx.info(`Accepted "${accepted.name}". An admin confirms you next; compare this fingerprint phrase with theirs:`);
      ctx.out(phrase(words));
    });

  org
    .command('members <org>')
    .description('members with their role, state and fingerprint phrase')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      const members = await orgs.members(found.id).catch(keyChanged);
      if (ctx.json) return ctx.out(JSON.stringify(members.map(({ keys: _keys, ...m }) => m)));
      ctx.out(renderTable(['EMAIL', 'ROLE', 'STATE', 'ID'], members.map((m) => [m.email, m.role, m.state, m.id])));
      // Phrases in full, never cut to a table column's width: they are compared word for word.
      const phrases = members.filter((m) => m.fingerprint);
      if (phrases.length > 0) ctx.out(`\nFingerprint phrases:\n${phrases.map((m) => `  ${m.email}: ${phrase(m.fingerprint ?? [])}`).join('\n')}`);
    });

  org
    .command('confirm <org> <member>')
    .description('confirm an accepted member after comparing their fingerprint phrase, and give them vaults')
    .option('--vault <name[:access]>', 'give this vault (access read, edit or manage; edit by default); repeatable', collect)
    .option('--fingerprint-ok', 'the phrase was compared out of band: do not ask')
    .option('--yes', 'the same as --fingerprint-ok')
    .action(async (query: string, who: string, opts: { vault?: string[]; fingerprintOk?: boolean; yes?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      const grants = [];
      for (const spec of opts.vault ?? []) {
        const { name, access } = parseGrant(spec);
        grants.push({ vaultId: await vaultIdByName(vault, name), access });
      }
      const confirmed = await orgs
        .confirm(
          found.id,
          who,
          async ({ email, fingerprint }) => {
            ctx.info(`Fingerprint phrase of ${email}: ${phrase(fingerprint)}`);
            if (opts.fingerprintOk || opts.yes) return true;
            const answer = await ctx.ask(`Does ${email} read exactly this phrase on their device (ww org fingerprint)? [y/N] `);
            return /^y(es)?$/i.test((answer ?? '').trim());
          },
          grants,
        )
        .catch(keyChanged);
      if (ctx.json) return ctx.out(JSON.stringify({ member: { ...confirmed, keys: undefined } }));
      ctx.info(`Confirmed ${confirmed.email}${grants.length ? ` with ${grants.length} vault(s)` : ''}.`);
    });

  org
    .command('role <org> <member> <role>')
    .description('change a member\'s role (owner, admin, member)')
    .action(async (query: string, who: string, role: string, _opts: unknown, cmd: Command) => {
      if (!['owner', 'admin', 'member'].includes(role)) throw new CliError('the role is owner, admin or member', EXIT.usage);
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      const member = await orgs.setRole(found.id, who, role as 'owner' | 'admin' | 'member');
      ctx.info(`${member.email} is now ${member.role} of "${found.name}".`);
    });

  org
    .command('remove <org> <member>')
    .description('remove a member at once; the vaults they could read owe a key rotation, made now for those you manage')
    .action(async (query: string, who: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      // Each rotation made (by the sync that follows the removal) is reported on its own line.
      await orgs.remove(found.id, who).catch(keyChanged);
      ctx.info(`Removed ${who} from "${found.name}".`);
    });

  org
    .command('leave <org>')
    .description('leave an organisation (or decline its invitation)')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query, true);
      await orgs.leave(found.id);
      ctx.info(`Left "${found.name}".`);
    });

  org
    .command('delete <org>')
    .description('delete an organisation with its shared vaults and their items (owner only)')
    .option('--yes', 'do not ask')
    .action(async (query: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      if (!opts.yes) {
        const answer = await ctx.ask(`Delete "${found.name}" and every item of its vaults? [y/N] `);
        if (!/^y(es)?$/i.test((answer ?? '').trim())) throw new CliError('nothing deleted', EXIT.usage);
      }
      await orgs.delete(found.id);
      ctx.info(`Deleted "${found.name}".`);
    });

  const vaults = program.command('vault').description('shared vaults of your organisations');

  vaults
    .command('create <org> <name>')
    .description('create a shared vault in an organisation (its name is encrypted)')
    .action(async (query: string, name: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { orgs } = await open(ctx);
      const found = await findOrg(orgs, query);
      const created = await orgs.createVault(found.id, name);
      if (ctx.json) return ctx.out(JSON.stringify({ id: created.id, orgId: created.orgId, name: created.name }));
      ctx.info(`Created vault "${name}" in "${found.name}" (${created.id}).`);
    });

  vaults
    .command('list')
    .description('the vaults you reach: your personal vault and the shared ones')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      await vault.sync();
      const names = new Map((await orgs.list()).map((o) => [o.id, o.name]));
      const shared = vault.sharedVaults();
      const pending = new Map(vault.pendingRotations().map((p) => [p.vaultId, p]));
      if (ctx.json) {
        return ctx.out(JSON.stringify([{ id: vault.personalVaultId, name: 'Personal', org: null, access: 'manage' }, ...shared.map((v) => ({ id: v.id, name: v.name, org: names.get(v.orgId) ?? v.orgId, access: v.access, keyVersion: v.keyVersion, rotationPendingSince: v.rotationPendingSince }))]));
      }
      // A vault still owing a rotation after this sync: a manager's client has yet to sync (or could not: a changed key).
      const key = (v: (typeof shared)[number]) => `v${v.keyVersion}${pending.has(v.id) ? ', rotation pending' : ''}`;
      ctx.out(renderTable(['NAME', 'ORGANISATION', 'ACCESS', 'KEY', 'ID'], [
        ['Personal', '', 'manage', '', vault.personalVaultId],
        ...shared.map((v) => [v.name ?? '(name not readable)', names.get(v.orgId) ?? v.orgId, v.access, key(v), v.id]),
      ]));
      for (const owed of pending.values()) {
        const why = owed.error ? `this client could not rotate it: ${owed.error.message}` : owed.canRotate ? 'it is rotated at your next sync' : 'a member who manages it rotates it at their next sync';
        ctx.info(`"${owed.name ?? owed.vaultId}" owes a key rotation (a member lost access); nothing new can be added until then: ${why}.`);
      }
    });

  vaults
    .command('share <vault> <member>')
    .description('give a confirmed member of the organisation access to a vault (its key sealed to them)')
    .addOption(new Option('--access <access>', 'what they may do').choices([...ACCESS]).default('edit'))
    .action(async (name: string, who: string, opts: { access: Access }, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      const vaultId = await vaultIdByName(vault, name);
      const member = await orgs.member(vault.sharedVault(vaultId).orgId, who).catch(keyChanged);
      if (!member.userId || member.state !== 'confirmed') throw new CliError(`${member.email} is not a confirmed member yet (ww org confirm)`, EXIT.notFound);
      await orgs.share(vaultId, member.userId, opts.access).catch(keyChanged);
      ctx.info(`Shared "${vault.vaultName(vaultId)}" with ${member.email} (${opts.access}).`);
    });

  vaults
    .command('unshare <vault> <member>')
    .description('take a member\'s access away at once; the vault key is rotated by the sync that follows')
    .action(async (name: string, who: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      const vaultId = await vaultIdByName(vault, name);
      const member = await orgs.member(vault.sharedVault(vaultId).orgId, who).catch(keyChanged);
      if (!member.userId) throw new CliError(`${member.email} has no access`, EXIT.notFound);
      await orgs.unshare(vaultId, member.userId).catch(keyChanged);
      ctx.info(`${member.email} no longer reaches "${vault.vaultName(vaultId)}".`);
    });

  vaults
    .command('rotate <vault>')
    .description('rotate a vault key: what is added afterwards is sealed under a key only current members get')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      const vaultId = await vaultIdByName(vault, name);
      const version = await orgs.rotate(vaultId).catch(keyChanged);
      ctx.info(`"${vault.vaultName(vaultId)}" now uses key version ${version}.`);
    });

  vaults
    .command('rename <vault> <name>')
    .description('rename a shared vault')
    .action(async (current: string, name: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      await orgs.renameVault(await vaultIdByName(vault, current), name);
      ctx.info(`Renamed "${current}" to "${name}".`);
    });

  vaults
    .command('delete <vault>')
    .description('delete a shared vault with its items')
    .option('--yes', 'do not ask')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, orgs } = await open(ctx);
      const vaultId = await vaultIdByName(vault, name);
      if (!opts.yes) {
        const answer = await ctx.ask(`Delete "${name}" and every item in it? [y/N] `);
        if (!/^y(es)?$/i.test((answer ?? '').trim())) throw new CliError('nothing deleted', EXIT.usage);
      }
      await orgs.deleteVault(vaultId);
      ctx.info(`Deleted "${name}".`);
    });
}
