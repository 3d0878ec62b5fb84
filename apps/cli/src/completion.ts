import type { Command, Option } from 'commander';

/**
 * Shell completion scripts, generated from the command tree itself so that they cannot fall behind it: commands,
 * sub-commands, options and the values of options with a closed list of choices. Nothing here runs `ww` while
 * completing (no network, no unlock).
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  /** The command's path below `ww`, e.g. "sessions revoke"; "" for `ww` itself. */
  path: string;
  description: string;
  subcommands: string[];
  options: Option[];
}

function walk(cmd: Command, path: string, out: Node[]): void {
  const visible = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
  out.push({ path, description: cmd.description(), subcommands: visible.map((c) => c.name()), options: cmd.options.filter((o) => !o.hidden) });
  for (const sub of visible) walk(sub, path ? `${path} ${sub.name()}` : sub.name(), out);
}

function nodes(program: Command): Node[] {
  const out: Node[] = [];
  walk(program, '', out);
  // Global options (--server, --json, …) apply to every command.
  const globals = out[0]?.options ?? [];
  return out.map((n, i) => (i === 0 ? n : { ...n, options: [...n.options, ...globals] }));
}

const optionWords = (n: Node) => n.options.flatMap((o) => [o.long, o.short].filter((x): x is string => x !== undefined));
const help = (n: Node) => (n.path === '' ? ['help', '--help', '--version'] : ['--help']);
/** Single-quoted for sh-like shells; every word here comes from our own command definitions. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashCompletion(program: Command): string {
  const all = nodes(program);
  const commandCases = all.filter((n) => n.path !== '').map((n) => q(n.path)).join('|');
  const wordCases = all.map((n) => `    ${q(n.path)}) words=${q([...n.subcommands, ...optionWords(n), ...help(n)].join(' '))} ;;`).join('\n');
  const choiceCases = all
    .flatMap((n) => n.options.filter((o) => o.argChoices && o.long).map((o) => `    ${q(`${n.path}|${o.long ?? ''}`)}) words=${q((o.argChoices ?? []).join(' '))} ;;`))
    .join('\n');
  return `# bash completion for ww (Watchword). Load it with:  source <(ww completion bash)
_ww_is_command() {
  case "$1" in
    ${commandCases}) return 0 ;;
  esac
  return 1
}
_ww() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" candidate word words="" i
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    candidate="\${path:+$path }$word"
    _ww_is_command "$candidate" && path="$candidate"
  done
  case "$path|$prev" in
${choiceCases}
  esac
  if [[ -z "$words" ]]; then
    case "$path" in
${wordCases}
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _ww ww
`;
}

/** zsh runs the bash function through its bashcompinit layer: one completion logic for both shells. */
export function zshCompletion(program: Command): string {
  return `#compdef ww
# zsh completion for ww (Watchword). Load it with:  source <(ww completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).split('\n').slice(1).join('\n')}`;
}

const fishQuote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function fishCompletion(program: Command): string {
  const all = nodes(program);
  const lines = ['# fish completion for ww (Watchword). Load it with:  ww completion fish | source', 'complete -c ww -f'];
  const top = all[0];
  for (const n of all) {
    // A condition that holds when the words typed so far are exactly this command's path.
    const parts = n.path === '' ? [] : n.path.split(' ');
    const condition =
      parts.length === 0 ? '__fish_use_subcommand'
      : `__fish_seen_subcommand_from ${parts[parts.length - 1]}${parts.length > 1 ? `; and __fish_seen_subcommand_from ${parts[0]}` : ''}`;
    for (const sub of n.subcommands) {
      const desc = all.find((x) => x.path === (n.path ? `${n.path} ${sub}` : sub))?.description ?? '';
      lines.push(`complete -c ww -n ${fishQuote(condition)} -a ${fishQuote(sub)} -d ${fishQuote(desc.slice(0, 80))}`);
    }
    if (n === top) continue;
    for (const o of n.options) {
      if (!o.long) continue;
      const choices = o.argChoices ? ` -r -a ${fishQuote(o.argChoices.join(' '))}` : o.required || o.optional ? ' -r' : '';
      lines.push(`complete -c ww -n ${fishQuote(condition)} -l ${o.long.replace(/^--/, '')}${choices} -d ${fishQuote(o.description.slice(0, 80))}`);
    }
  }
  for (const o of top?.options ?? []) {
    if (o.long) lines.push(`complete -c ww -l ${o.long.replace(/^--/, '')} -d ${fishQuote(o.description.slice(0, 80))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  return shell === 'bash' ? bashCompletion(program) : shell === 'zsh' ? zshCompletion(program) : fishCompletion(program);
}
