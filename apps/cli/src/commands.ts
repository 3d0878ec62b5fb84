import type { Command } from 'commander';
import type { CliContext } from './context.ts';

/** How a command module adds its commands to the program. */
export type RegisterCommands = (program: Command, context: (cmd: Command) => CliContext) => void;

export interface CommandModule {
  /** The top-level commands the module adds (checked against the modules by apps/cli/test/commands.test.ts). */
  commands: readonly string[];
  load: () => Promise<RegisterCommands>;
}

/**
 * Every command module, in the order `ww --help` lists them. Each is a dynamic import, so that the bundle
 * (scripts/ensure-cli-build.ts) puts it — and what only it uses — in its own chunk, loaded when its command is run.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { commands: ['register', 'login', 'unlock', 'lock', 'logout', 'sessions', 'token'], load: async () => (await import('./commands/auth.ts')).authCommands },
  { commands: ['add', 'list', 'trash', 'move', 'get', 'edit', 'rm', 'restore', 'purge', 'generate'], load: async () => (await import('./commands/items.ts')).itemCommands },
  { commands: ['export'], load: async () => (await import('./commands/export.ts')).exportCommands },
  { commands: ['import'], load: async () => (await import('./commands/import.ts')).importCommand },
  { commands: ['mfa'], load: async () => (await import('./commands/mfa.ts')).mfaCommands },
  { commands: ['password', 'verify-email', 'recover', 'activity', 'account'], load: async () => (await import('./commands/account.ts')).accountCommands },
  { commands: ['admin'], load: async () => (await import('./commands/admin.ts')).adminCommands },
  { commands: ['admin', 'apikey'], load: async () => (await import('./commands/oauth.ts')).oauthCommands },
  { commands: ['org', 'vault'], load: async () => (await import('./commands/orgs.ts')).orgCommands },
  { commands: ['status', 'sync'], load: async () => (await import('./commands/status.ts')).statusCommands },
];

/** Global options that take a value (the word after them is not a command). */
const GLOBAL_WITH_VALUE = new Set(['--server']);

/**
 * The modules a command line needs: none for `--version` before any command, the modules adding the command named,
 * or every module (help, completion, no or an unknown command: commander then lists or suggests from all of them).
 */
export function commandModules(argv: readonly string[]): readonly CommandModule[] {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '-V' || word === '--version') return [];
    if (word === '-h' || word === '--help' || word === '--') return COMMAND_MODULES;
    if (GLOBAL_WITH_VALUE.has(word)) {
      i++;
      continue;
    }
    if (word.startsWith('-')) continue;
    const modules = COMMAND_MODULES.filter((m) => m.commands.includes(word));
    return modules.length > 0 ? modules : COMMAND_MODULES;
  }
  return COMMAND_MODULES;
}
