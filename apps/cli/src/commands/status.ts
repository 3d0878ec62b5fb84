import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { renderRows } from '../item-view.ts';
import { vaultCopyPath } from '../session-file.ts';

type Ctx = (cmd: Command) => CliContext;

/** How long `ww status` waits for the server's health probe before calling it unreachable. */
const PROBE_TIMEOUT_MS = 3000;

type VaultState = 'logged out' | 'locked' | 'unlocked';

async function serverReachable(server: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/healthz', server), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return response.ok;
  } catch {
    return false;
  }
}

export function statusCommands(program: Command, context: Ctx): void {
  program
    .command('status')
    .description('show the server, the account, whether the vault is locked, and the last sync (nothing is unlocked)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.stored;
      const client = ctx.client();
      let state: VaultState = 'logged out';
      if (stored) {
        const resumeKey = ctx.env.WATCHWORD_SESSION;
        const open = stored.sealedAccountKey !== null && resumeKey !== undefined && resumeKey !== '' &&
          (await client.canResume({ userId: stored.userId, sealed: stored.sealedAccountKey, resumeKey }));
        state = open ? 'unlocked' : 'locked';
      }
      const reachable = await serverReachable(ctx.server);
      const lastSyncAt = stored?.lastSyncAt ?? null;
      let offlineCopyAt: number | null = null;
      try {
        offlineCopyAt = statSync(vaultCopyPath(ctx.env)).mtimeMs;
      } catch {
        // no offline copy
      }
      if (ctx.json) {
        return ctx.out(
          JSON.stringify({ server: ctx.server, serverReachable: reachable, status: state, email: stored?.email ?? null, userId: stored?.userId ?? null, apiKey: stored?.apiKey ?? null, lastSyncAt, offlineCopyAt }),
        );
      }
      const rows: [string, string][] = [
        ['server', `${ctx.server} (${reachable ? 'reachable' : 'unreachable'})`],
        ['account', stored ? `${stored.email} (${stored.userId})` : 'not logged in: ww login'],
        ...(stored?.apiKey ? [['API key', `${stored.apiKey.clientId} (${stored.apiKey.readOnly ? 'read-only' : 'read-write'})`] as [string, string]] : []),
        ['vault', state === 'locked' ? 'locked: eval "$(ww unlock)"' : state],
      ];
      if (stored) {
        rows.push(['last sync', lastSyncAt === null ? 'never' : new Date(lastSyncAt).toISOString()]);
        rows.push(['offline copy', offlineCopyAt === null ? 'none yet (made by the next list, get or sync)' : `saved ${new Date(Math.round(offlineCopyAt)).toISOString()} (encrypted)`]);
      }
      ctx.out(renderRows(rows));
    });

  program
    .command('sync')
    .description('bring the local copy of the vault up to date with the server')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      // Opening the local copy brings it up to date (a delta sync): what that sync did is the answer.
      const copy = await ctx.copy();
      const result = ctx.lastSync;
      if (ctx.offlineSince !== null || result === undefined) {
        throw new CliError(`cannot sync: ${ctx.server} cannot be reached (the offline copy from ${new Date(ctx.offlineSince ?? copy.savedAt).toISOString()} stays as it is)`, EXIT.other);
      }
      ctx.noteSync();
      const items = copy.entries.length;
      if (ctx.json) return ctx.out(JSON.stringify({ ...result, items }));
      ctx.info(`Synced: ${items} item(s), revision ${result.revision}.`);
    });
}
