import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, commandModules } from '../src/commands.ts';
import type { CliContext } from '../src/context.ts';

const noContext = (): CliContext => {
  throw new Error('not run');
};

describe('lazy command modules (apps/cli/src/commands.ts)', () => {
  it('each module adds exactly the top-level commands the table says', async () => {
    for (const module of COMMAND_MODULES) {
      const program = new Command('ww');
      // oauth.ts adds under `admin` when it exists: register admin.ts first, as the full program does.
      if (module.commands.includes('apikey')) (await (COMMAND_MODULES.find((m) => m.commands.join() === 'admin') as (typeof COMMAND_MODULES)[number]).load())(program, noContext);
      (await module.load())(program, noContext);
      expect(program.commands.map((c) => c.name()).sort()).toEqual([...module.commands].sort());
    }
  });

  it('loads no module for --version, the command\'s modules for a command, every module otherwise', () => {
    expect(commandModules(['--version'])).toEqual([]);
    expect(commandModules(['--json', '-V'])).toEqual([]);
    const only = (argv: string[]) => commandModules(argv).flatMap((m) => m.commands);
    expect(only(['get', 'github', '--field', 'password'])).toContain('get');
    expect(only(['--server', 'https://vault.example', '--json', 'list', '--search', 'x'])).toEqual(['add', 'list', 'trash', 'move', 'get', 'edit', 'rm', 'restore', 'purge', 'generate']);
    expect(commandModules(['admin', 'users', 'list'])).toHaveLength(2);
    for (const argv of [[], ['--help'], ['help', 'get'], ['completion', 'bash'], ['no-such-command'], ['--server', 'get']]) {
      expect(commandModules(argv), argv.join(' ')).toBe(COMMAND_MODULES);
    }
  });
});
