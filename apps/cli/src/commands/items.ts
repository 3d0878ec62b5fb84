import { type Command, Option } from 'commander';
import type { CacheIndexEntry, CachedVault, ItemContent, Vault, VaultItem } from '@watchword/client';
import { WatchwordError, generatePassword } from '@watchword/client';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@watchword/protocol';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { KNOWN_FIELDS, fieldValue, filterEntries, itemRows, renderRows } from '../item-view.ts';
import { renderTable } from '../output.ts';

type Ctx = (cmd: Command) => CliContext;
const collect = (value: string, previous: string[] = []) => [...previous, value];

interface ItemOptions {
  type?: ItemContent['type'];
  name?: string;
  username?: string;
  password?: string;
  generate?: boolean;
  length?: string;
  symbols?: boolean;
  url?: string[];
  notes?: string;
  totp?: string;
  folder?: string;
  favorite?: boolean;
  field?: string[];
  hiddenField?: string[];
  cardholder?: string;
  brand?: string;
  number?: string;
  expiry?: string;
  cardCode?: string;
  title?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  address?: string;
  company?: string;
  identityUsername?: string;
}

const CARD_OPTIONS = ['cardholder', 'brand', 'number', 'expiry', 'cardCode'] as const;
const IDENTITY_OPTIONS = ['title', 'firstName', 'lastName', 'email', 'phone', 'address', 'company', 'identityUsername'] as const;

function itemOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--type <type>', 'item type').choices(['login', 'note', 'card', 'identity']))
    .option('--name <name>', 'item name')
    .option('--username <username>', 'login user name')
    .option('--password <password>', 'login password (visible in the process list; prefer --generate)')
    .option('--generate', 'generate a random password')
    .option('--length <n>', `generated password length (${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH})`, '20')
    .option('--no-symbols', 'generated password without symbols')
    .option('--url <url>', 'login URL (repeatable)', collect)
    .option('--notes <text>', 'notes')
    .option('--totp <secret>', 'TOTP secret or otpauth:// URI')
    .option('--folder <folder>', 'folder name')
    .option('--favorite', 'mark as favourite')
    .option('--no-favorite', 'no longer a favourite')
    .option('--field <name=value>', 'custom field (repeatable)', collect)
    .option('--hidden-field <name=value>', 'hidden custom field (repeatable)', collect)
    .option('--cardholder <name>', 'card: name on the card')
    .option('--brand <brand>', 'card: brand (Visa, …)')
    .option('--number <number>', 'card: number (visible in the process list)')
    .option('--expiry <MM/YYYY>', 'card: expiry month and year')
    .option('--card-code <code>', 'card: security code (visible in the process list)')
    .option('--title <title>', 'identity: title')
    .option('--first-name <name>', 'identity: first name')
    .option('--last-name <name>', 'identity: last name')
    .option('--email <address>', 'identity: e-mail address')
    .option('--phone <number>', 'identity: phone number')
    .option('--address <text>', 'identity: postal address')
    .option('--company <name>', 'identity: company')
    .option('--identity-username <name>', 'identity: user name');
}

/** Card expiry as MM/YYYY (or MM/YY), month 01–12. */
function parseExpiry(raw: string): { expMonth: string; expYear: string } {
  const m = /^\s*(0?[1-9]|1[0-2])\s*\/\s*([0-9]{2}|[0-9]{4})\s*$/.exec(raw);
  if (!m) throw new CliError('--expiry is MM/YYYY, e.g. 04/2029', EXIT.usage);
  const month = (m[1] ?? '').padStart(2, '0');
  const year = (m[2] ?? '').length === 2 ? `20${m[2] ?? ''}` : (m[2] ?? '');
  return { expMonth: month, expYear: year };
}

function parseField(spec: string, hidden: boolean) {
  const at = spec.indexOf('=');
  if (at <= 0) throw new CliError(`custom fields are name=value, got "${spec}"`, EXIT.usage);
  return { name: spec.slice(0, at), value: spec.slice(at + 1), hidden };
}

function parseLength(raw: string | undefined): number {
  const n = Number(raw ?? '20');
  if (!/^[0-9]+$/.test((raw ?? '20').trim()) || n < PASSWORD_MIN_LENGTH || n > PASSWORD_MAX_LENGTH) {
    throw new CliError(`--length must be a whole number from ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH}`, EXIT.usage);
  }
  return n;
}

/** Applies command-line options onto item content (a new item starts from `base`). */
function applyOptions(base: ItemContent, o: ItemOptions): { content: ItemContent; generated?: string } {
  const c: ItemContent = structuredClone(base);
  if (o.type) c.type = o.type;
  if (o.name !== undefined) c.name = o.name;
  if (o.notes !== undefined) c.notes = o.notes;
  if (o.folder !== undefined) c.folder = o.folder;
  if (o.favorite === true) c.favorite = true;
  if (o.favorite === false) delete c.favorite;
  const extra = [...(o.field ?? []).map((f) => parseField(f, false)), ...(o.hiddenField ?? []).map((f) => parseField(f, true))];
  for (const f of extra) {
    const existing = c.fields.find((x) => x.name === f.name);
    if (existing) Object.assign(existing, f);
    else c.fields.push(f);
  }
  let generated: string | undefined;
  if (o.generate) {
    if (o.password !== undefined) throw new CliError('use either --password or --generate', EXIT.usage);
    generated = generatePassword({ length: parseLength(o.length), symbols: o.symbols !== false });
  }
  const password = generated ?? o.password;
  if (o.username !== undefined || password !== undefined || o.url || o.totp !== undefined) {
    if (c.type !== 'login') throw new CliError('--username, --password, --url and --totp belong to login items', EXIT.usage);
    c.login = { ...(c.login ?? {}) };
    if (o.username !== undefined) c.login.username = o.username;
    if (password !== undefined) c.login.password = password;
    if (o.url) c.login.urls = o.url;
    if (o.totp !== undefined) c.login.totp = o.totp;
  }
  if (CARD_OPTIONS.some((k) => o[k] !== undefined)) {
    if (c.type !== 'card') throw new CliError('--cardholder, --brand, --number, --expiry and --card-code belong to card items (--type card)', EXIT.usage);
    c.card = { ...(c.card ?? {}) };
    if (o.cardholder !== undefined) c.card.cardholder = o.cardholder;
    if (o.brand !== undefined) c.card.brand = o.brand;
    if (o.number !== undefined) c.card.number = o.number.replace(/[\s-]/g, '');
    if (o.expiry !== undefined) Object.assign(c.card, parseExpiry(o.expiry));
    if (o.cardCode !== undefined) c.card.code = o.cardCode;
  }
  if (IDENTITY_OPTIONS.some((k) => o[k] !== undefined)) {
    if (c.type !== 'identity') {
      throw new CliError('--title, --first-name, --last-name, --email, --phone, --address, --company and --identity-username belong to identity items (--type identity)', EXIT.usage);
    }
    c.identity = { ...(c.identity ?? {}) };
    if (o.title !== undefined) c.identity.title = o.title;
    if (o.firstName !== undefined) c.identity.firstName = o.firstName;
    if (o.lastName !== undefined) c.identity.lastName = o.lastName;
    if (o.email !== undefined) c.identity.email = o.email;
    if (o.phone !== undefined) c.identity.phone = o.phone;
    if (o.address !== undefined) c.identity.address = o.address;
    if (o.company !== undefined) c.identity.company = o.company;
    if (o.identityUsername !== undefined) c.identity.username = o.identityUsername;
  }
  return { content: c, ...(generated ? { generated } : {}) };
}

/** Two item contents are the same when their JSON is, key order aside (an edit that changes nothing sends nothing). */
function sameContent(a: ItemContent, b: ItemContent): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical)
    : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, canonical(v)]))
    : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

const ITEM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
type Trash = 'include' | 'exclude' | 'only';

/**
 * Finds one item of the synced local copy by id, id prefix (8+ characters) or exact name (case-insensitive), from its
 * index alone: nothing is decrypted.
 */
export function findEntry(copy: CachedVault, query: string, trash: Trash = 'include'): CacheIndexEntry {
  const q = query.toLowerCase();
  const inScope = (e: CacheIndexEntry) => trash === 'include' || (trash === 'only') === e.deleted;
  const exact = ITEM_ID.test(q) ? copy.byId(q) : undefined;
  if (exact !== undefined && inScope(exact)) return exact;
  const matches = copy.named(q, trash);
  if (matches.length === 0) throw new CliError(`no item matches "${query}"`, EXIT.notFound);
  if (matches.length > 1) {
    const ids = matches.map((m) => `${m.id} (${m.name})`).join(', ');
    throw new CliError(`several items match "${query}": use the id — ${ids}`, EXIT.notFound);
  }
  return matches[0] as CacheIndexEntry;
}

/** The item `query` names (findEntry), decrypted: the only blob of the copy this opens. */
export function findItem(ctx: CliContext, query: string, trash: Trash = 'include'): Promise<VaultItem> {
  return ctx.read(async (copy) => (await copy.decrypt([findEntry(copy, query, trash)]))[0] as VaultItem);
}

/** A full vault for changing the item `query` names, seeded with it, its shared vaults synced (their keys). */
async function itemToChange(ctx: CliContext, query: string, trash: Trash): Promise<{ vault: Vault; item: VaultItem }> {
  const item = await findItem(ctx, query, trash);
  const vault = await ctx.vault({ items: [item] });
  await vault.sync();
  return { vault, item };
}

function summary(item: Pick<VaultItem, 'id' | 'updatedAt' | 'deletedAt'>, content: { name: string; type: string; username: string | null; url: string | undefined; folder: string | null | undefined }) {
  return {
    id: item.id,
    name: content.name,
    type: content.type,
    username: content.username ?? '',
    url: content.url ?? '',
    folder: content.folder ?? '',
    updated: new Date(item.updatedAt).toISOString(),
    deleted: item.deletedAt !== null,
  };
}

const itemSummary = (i: VaultItem) =>
  summary(i, { name: i.content.name, type: i.content.type, username: i.content.login?.username ?? null, url: i.content.login?.urls?.[0], folder: i.content.folder });
const entrySummary = (e: CacheIndexEntry) => summary(e, { name: e.name, type: e.type, username: e.username, url: e.urls[0], folder: e.folder });

/** A list from the index alone (nothing decrypted): name, type, user name, first URL, vault and id. */
function listAction(ctx: CliContext, entries: CacheIndexEntry[], copy: CachedVault): void {
  for (const { vaultId, error } of copy.sharedVaultProblems()) ctx.info(`Warning: shared vault ${vaultId} is not shown: ${error.message}`);
  if (ctx.json) return ctx.out(JSON.stringify(entries.map((e) => ({ ...entrySummary(e), revision: e.revision, vaultId: e.vaultId, vault: copy.vaultName(e.vaultId) }))));
  if (entries.length === 0) return ctx.info('No items.');
  ctx.out(renderTable(['NAME', 'TYPE', 'USERNAME', 'URL', 'VAULT', 'ID'], entries.map((e) => {
    const s = entrySummary(e);
    return [s.name, s.type, s.username, s.url, copy.vaultName(e.vaultId), s.id.slice(0, 8)];
  })));
}

/** The vault named by --vault: "personal", or a shared vault's name or id. */
export async function vaultIdByName(vault: Vault, name: string): Promise<string> {
  if (name.toLowerCase() === 'personal') return vault.personalVaultId;
  await vault.sync();
  const matches = vault.sharedVaults().filter((v) => v.id === name || v.name?.toLowerCase() === name.toLowerCase());
  if (matches.length === 0) throw new CliError(`no vault named "${name}" (ww vault list shows them)`, EXIT.notFound);
  if (matches.length > 1) throw new CliError(`more than one vault is named "${name}": give its id`, EXIT.usage);
  return (matches[0] as { id: string }).id;
}

export function itemCommands(program: Command, context: Ctx): void {
  itemOptions(program.command('add').description('add an item (encrypted before it leaves this machine)'))
    .option('--vault <name>', 'add it to this vault: "personal" (the default) or a shared vault\'s name or id')
    .action(async (opts: ItemOptions & { vault?: string }, cmd: Command) => {
    const ctx = context(cmd);
    if (!opts.name) throw new CliError('an item needs --name', EXIT.usage);
    const { content, generated } = applyOptions({ type: opts.type ?? 'login', name: opts.name, fields: [] }, opts);
    const vault = await ctx.vault({ items: 'none' });
    const vaultId = opts.vault === undefined ? undefined : await vaultIdByName(vault, opts.vault);
    const item = await vault.add(content, vaultId === undefined ? {} : { vaultId });
    if (ctx.json) return ctx.out(JSON.stringify({ ...itemSummary(item), revision: item.revision }));
    ctx.info(`Added "${item.content.name}" (${item.id}).${generated ? ' Generated a password: `ww get <name> --field password` shows it.' : ''}`);
  });

  program
    .command('list')
    .description('list items')
    .option('--trash', 'list the trash instead')
    .option('--search <text>', 'only items whose name, user name, URL, notes or a visible field contains the text')
    .option('--folder <folder>', 'only items in this folder')
    .addOption(new Option('--type <type>', 'only items of this type').choices(['login', 'note', 'card', 'identity']))
    .option('--favorite', 'only favourites')
    .option('--no-favorite', 'only items that are not favourites')
    .action(async (opts: { trash?: boolean; search?: string; folder?: string; type?: ItemContent['type']; favorite?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const copy = await ctx.copy();
      const trash = opts.trash ? 'only' : 'exclude';
      const entries = opts.search === undefined ? copy.list({ trash }) : copy.search(opts.search, { trash });
      ctx.noteSync();
      listAction(ctx, filterEntries(entries, opts), copy);
    });

  program
    .command('trash')
    .description('list the items in the trash')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const copy = await ctx.copy();
      listAction(ctx, copy.list({ trash: 'only' }), copy);
    });

  program
    .command('move <item>')
    .description('move an item (by name or id) to another vault, re-encrypted under its key')
    .requiredOption('--vault <name>', '"personal" or a shared vault\'s name or id')
    .action(async (query: string, opts: { vault: string }, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, item } = await itemToChange(ctx, query, 'exclude');
      const vaultId = await vaultIdByName(vault, opts.vault);
      const moved = await vault.move(item.id, vaultId);
      if (ctx.json) return ctx.out(JSON.stringify({ ...itemSummary(moved), revision: moved.revision, vaultId: moved.vaultId, vault: vault.vaultName(moved.vaultId) }));
      ctx.info(`Moved "${moved.content.name}" to ${vault.vaultName(moved.vaultId)} (now ${moved.id}).`);
    });

  program
    .command('get <item>')
    .description('show an item (by name or id)')
    .option('--field <field>', `print only this field: totp prints the current code; ${KNOWN_FIELDS.filter((f) => f !== 'totp').join(', ')}, or a custom field's name`)
    .action(async (query: string, opts: { field?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const item = await findItem(ctx, query);
      if (opts.field) return ctx.out(await fieldValue(item, opts.field));
      if (ctx.json) return ctx.out(JSON.stringify({ id: item.id, revision: item.revision, createdAt: item.createdAt, updatedAt: item.updatedAt, deletedAt: item.deletedAt, ...item.content }));
      ctx.out(renderRows(await itemRows(item)));
    });

  itemOptions(program.command('edit <item>').description('change an item (by name or id); refuses to overwrite a newer version')).action(
    async (query: string, opts: ItemOptions, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, item } = await itemToChange(ctx, query, 'include');
      const { content } = applyOptions(item.content, opts);
      if (sameContent(content, item.content)) {
        if (ctx.json) return ctx.out(JSON.stringify({ ...itemSummary(item), revision: item.revision, changed: false }));
        return ctx.info(`No change: "${item.content.name}" already reads so (revision ${item.revision}); nothing was sent.`);
      }
      let updated: VaultItem;
      try {
        updated = await vault.update(item.id, content, item.revision);
      } catch (error) {
        if (error instanceof WatchwordError && error.code === 'ITEM_CONFLICT') {
          throw new CliError(
            `"${item.content.name}" changed elsewhere while you edited it (you edited revision ${item.revision}, the server has ${String(error.details?.currentRevision ?? 'a newer one')}); nothing was overwritten: see it with \`ww get ${item.id}\`, then run your \`ww edit ${item.id} …\` again [ITEM_CONFLICT]`,
            EXIT.notFound,
          );
        }
        throw error;
      }
      if (ctx.json) return ctx.out(JSON.stringify({ ...itemSummary(updated), revision: updated.revision }));
      ctx.info(`Updated "${updated.content.name}" (revision ${updated.revision}).`);
    },
  );

  program
    .command('rm <item>')
    .description('move an item to the trash')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, item } = await itemToChange(ctx, query, 'exclude');
      await vault.trash(item.id);
      ctx.info(`Moved "${item.content.name}" to the trash (ww restore ${item.id.slice(0, 8)} brings it back).`);
    });

  program
    .command('restore <item>')
    .description('bring an item back from the trash')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, item } = await itemToChange(ctx, query, 'only');
      await vault.restore(item.id);
      ctx.info(`Restored "${item.content.name}".`);
    });

  program
    .command('purge <item>')
    .description('delete an item from the trash for good')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const { vault, item } = await itemToChange(ctx, query, 'only');
      await vault.purge(item.id);
      ctx.info(`Purged "${item.content.name}".`);
    });

  program
    .command('generate')
    .description('print a random password (nothing is stored)')
    .option('--length <n>', 'length', '20')
    .option('--no-symbols', 'without symbols')
    .option('--avoid-ambiguous', 'without look-alike characters (0/O, 1/l/I)')
    .action((opts: { length?: string; symbols?: boolean; avoidAmbiguous?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      ctx.out(generatePassword({ length: parseLength(opts.length), symbols: opts.symbols !== false, avoidAmbiguous: opts.avoidAmbiguous === true }));
    });
}
