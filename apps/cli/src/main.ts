import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError } from 'commander';
import type { CliContext, GlobalOptions } from './context.ts';
import { DEFAULT_SERVER } from './defaults.ts';
import { COMMAND_MODULES, commandModules } from './commands.ts';
import { EXIT } from './exit-codes.ts';

/**
 * `ww`. Start-up stays small (docs/performance.md, "Large vaults, client side"): this module loads commander and
 * nothing of the SDK; the module of the command asked for — and with it the SDK — is imported when the command line
 * names it (`commands.ts`), so `ww --version` loads no command and `ww get` loads the item commands only. Help,
 * completion and an unknown command load every module.
 */
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The contexts the command made, to persist once it has succeeded (the local copy of the vault). */
const opened: CliContext[] = [];

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('ww')
    .description('Watchword — zero-knowledge password manager')
    .version(VERSION, '-V, --version', 'print the version of ww')
    .option('--server <url>', `server URL (env WATCHWORD_SERVER; default ${DEFAULT_SERVER})`)
    .option('--json', 'machine-readable output')
    .option('--password-stdin', 'read the master password — and any further answer, one per line — from standard input')
    .addHelpText(
      'after',
      `
Environment:
  WATCHWORD_SERVER        server URL
  WATCHWORD_SESSION       session key printed by \`ww unlock\`: keeps the vault unlocked in this shell
  WATCHWORD_PASSWORD      master password for non-interactive use (less safe: other processes of yours can read it)
  WATCHWORD_NEW_PASSWORD  the new master password for \`password change\` and \`recover\` (same caveat)
  WATCHWORD_EXPORT_PASSWORD  the password that seals \`export --format encrypted-json\` (same caveat)
  WATCHWORD_HOME          where the session file lives (default ~/.config/watchword)
  WATCHWORD_CLIENT_ID, WATCHWORD_CLIENT_SECRET
                          an API key for \`login --apikey\` and for renewing its token (the secret is never stored)

Scripts: with --password-stdin every answer is the next line of standard input, in the order asked: the master
password, then a second-factor code if the account has one (or use --code). Codes and confirmations are read from
standard input whenever it is not a terminal.
\`password change\`: current, then new password; \`recover --token\`: recovery key, then new password;
\`recover --reset-vault\`: the phrase, yes, then new password; \`account delete\`: password, then the address;
\`export\`: the master password (asked again even when unlocked), then for encrypted-json the export password.

Exit codes: 0 ok, 1 usage or validation error, 2 authentication failure, 3 not found or conflict, 4 other.`,
    )
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });
  const modules = commandModules(argv);
  if (modules.length === 0) return program; // --version: commander prints it, nothing else is loaded
  const [{ CliContext }, registers] = await Promise.all([import('./context.ts'), Promise.all(modules.map((m) => m.load()))]);
  const context = (cmd: Command) => {
    const ctx = new CliContext(cmd.optsWithGlobals<GlobalOptions>());
    opened.push(ctx);
    return ctx;
  };
  for (const register of registers) register(program, context);
  if (modules.length === COMMAND_MODULES.length) {
    const { SHELLS, completionScript } = await import('./completion.ts');
    program
      .command('completion')
      .description('print a shell completion script: source <(ww completion bash), or `ww completion fish | source`')
      .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
      .action((shell: (typeof SHELLS)[number]) => {
        process.stdout.write(completionScript(program, shell));
      });
  }
  const overrideAll = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(overrideAll);
  };
  program.commands.forEach(overrideAll);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    for (const ctx of opened) await ctx.persist();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const { describeError } = await import('./errors.ts');
    const { message, exitCode } = describeError(error);
    process.stderr.write(`ww: ${message}\n`);
    process.exitCode = exitCode;
  }
}

await main(process.argv.slice(2));
