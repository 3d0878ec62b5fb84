/**
 * `ww admin oauth clients …` (applications that use "Sign in with Watchword"; needs `oauth:read` / `oauth:manage`)
 * and `ww apikey …` (keys for scripts, each acting for the logged-in account). A secret is printed once, when it is
 * made; the server keeps only its Argon2id hash. The vault stays locked for all of these.
 */
import type { Command } from 'commander';
import type { ApiKeyView, OAuthClientView } from '@watchword/protocol';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clean, renderTable } from '../output.ts';

type Ctx = (cmd: Command) => CliContext;

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const CLIENT_ID = /^ww[ck]_[A-Za-z0-9_-]{22}$/;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function clientId(value: string, kind: 'wwc' | 'wwk'): string {
  if (!CLIENT_ID.test(value) || !value.startsWith(`${kind}_`)) throw new CliError(`give a ${kind === 'wwc' ? 'client' : 'key'} id (${kind}_…) as listed`, EXIT.usage);
  return value;
}

function describeClient(c: OAuthClientView): string {
  return [
    `Client id:      ${c.clientId}`,
    `Name:           ${clean(c.name)}`,
    `Type:           ${c.public ? 'public (PKCE + DPoP, no secret)' : 'confidential (client_secret_basic)'}`,
    `Redirect URIs:  ${c.redirectUris.map(clean).join(', ')}`,
    `Status:         ${c.disabled ? 'disabled' : 'active'}`,
  ].join('\n');
}

export function oauthCommands(program: Command, context: Ctx): void {
  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin');
  const clients = admin.command('oauth').description('OAuth / OpenID Connect: applications that sign in with Watchword').command('clients').description('registered applications');

  const oauthAdmin = async (cmd: Command) => {
    const ctx = context(cmd);
    return { ctx, api: ctx.client().oauthAdmin(await ctx.session()) };
  };

  clients
    .command('list')
    .description('registered applications')
    .action(async (_opts: unknown, cmd: Command) => {
      const { ctx, api } = await oauthAdmin(cmd);
      const list = await api.clients();
      if (ctx.json) return ctx.out(JSON.stringify(list));
      if (list.length === 0) return ctx.info('No applications registered.');
      ctx.out(renderTable(['CLIENT ID', 'NAME', 'TYPE', 'STATUS', 'REDIRECT URIS', 'CREATED'], list.map((c) => [c.clientId, clean(c.name), c.public ? 'public' : 'confidential', c.disabled ? 'disabled' : 'active', c.redirectUris.map(clean).join(' '), time(c.createdAt)])));
    });

  clients
    .command('create')
    .description('register an application; a confidential client\'s secret is printed once')
    .requiredOption('--name <name>', 'shown to users on the consent screen')
    .requiredOption('--redirect-uri <uri>', 'exact redirect URI (repeat for several)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'where RP-initiated logout may return (repeat for several)', collect, [])
    .option('--public', 'a public client (single-page or native app): no secret, PKCE and DPoP-bound tokens')
    .action(async (opts: { name: string; redirectUri: string[]; postLogoutRedirectUri: string[]; public?: boolean }, cmd: Command) => {
      const { ctx, api } = await oauthAdmin(cmd);
      const created = await api.create({ name: opts.name, redirectUris: opts.redirectUri, postLogoutRedirectUris: opts.postLogoutRedirectUri, public: opts.public === true });
      if (ctx.json) return ctx.out(JSON.stringify(created));
      ctx.out(describeClient(created.client));
      if (created.clientSecret !== null) {
        ctx.out(`Client secret:  ${created.clientSecret}`);
        ctx.info('The secret is shown once: store it in the application now (the server keeps only a hash).');
      }
      ctx.info(`Discovery: ${ctx.client().http.baseUrl}/.well-known/openid-configuration`);
    });

  clients
    .command('rotate-secret <clientId>')
    .description('replace a confidential client\'s secret (printed once; the old one stops working at once)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await oauthAdmin(cmd);
      const rotated = await api.rotateSecret(clientId(id, 'wwc'));
      if (ctx.json) return ctx.out(JSON.stringify(rotated));
      ctx.out(`Client secret:  ${rotated.clientSecret ?? ''}`);
      ctx.info('The secret is shown once: update the application now.');
    });

  clients
    .command('disable <clientId>')
    .description('stop an application: no sign-in, and every token it holds is revoked')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await oauthAdmin(cmd);
      const client = await api.disable(clientId(id, 'wwc'));
      if (ctx.json) return ctx.out(JSON.stringify(client));
      ctx.info(`Disabled ${clean(client.name)}; its tokens are revoked. \`ww admin oauth clients enable ${client.clientId}\` undoes the block (not the revocation).`);
    });

  clients
    .command('enable <clientId>')
    .description('allow a disabled application again')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await oauthAdmin(cmd);
      const client = await api.enable(clientId(id, 'wwc'));
      if (ctx.json) return ctx.out(JSON.stringify(client));
      ctx.info(`Enabled ${clean(client.name)}.`);
    });

  clients
    .command('delete <clientId>')
    .description('delete an application, its consents and every token it holds')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await oauthAdmin(cmd);
      await api.delete(clientId(id, 'wwc'));
      if (ctx.json) return ctx.out(JSON.stringify({ ok: true }));
      ctx.info('Deleted.');
    });

  const apikey = program.command('apikey').description('API keys for scripts: an access token without the master password (the vault still needs an unlock)');
  const keys = async (cmd: Command) => {
    const ctx = context(cmd);
    return { ctx, api: ctx.client().oauth(await ctx.session()) };
  };
  const keyRow = (k: ApiKeyView) => [k.clientId, clean(k.name), k.readOnly ? 'read-only' : 'read-write', time(k.createdAt), time(k.lastUsedAt)];

  apikey
    .command('create')
    .description('a new key for this account; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--read-only', 'the key can read but never change anything')
    .action(async (opts: { name: string; readOnly?: boolean }, cmd: Command) => {
      const { ctx, api } = await keys(cmd);
      const created = await api.createApiKey({ name: opts.name, readOnly: opts.readOnly === true });
      if (ctx.json) return ctx.out(JSON.stringify(created));
      ctx.out(`Key id:      ${created.key.clientId}`);
      ctx.out(`Key secret:  ${created.clientSecret}`);
      ctx.info('Shown once. A script exchanges id and secret for an access token (OAuth client credentials) at');
      ctx.info(`${ctx.client().http.baseUrl}/oauth/token; decrypting the vault still needs the master password or a sealed session.`);
    });

  apikey
    .command('list')
    .description('this account\'s keys (never their secrets)')
    .action(async (_opts: unknown, cmd: Command) => {
      const { ctx, api } = await keys(cmd);
      const list = await api.apiKeys();
      if (ctx.json) return ctx.out(JSON.stringify(list));
      if (list.length === 0) return ctx.info('No API keys.');
      ctx.out(renderTable(['KEY ID', 'NAME', 'ACCESS', 'CREATED', 'LAST USED'], list.map(keyRow)));
    });

  apikey
    .command('revoke <keyId>')
    .description('revoke a key: its tokens are refused at once, on every server instance')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await keys(cmd);
      await api.revokeApiKey(clientId(id, 'wwk'));
      if (ctx.json) return ctx.out(JSON.stringify({ ok: true }));
      ctx.info('Revoked.');
    });
}
