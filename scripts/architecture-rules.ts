/**
 * Which code may import which (docs/architecture.md), as dependency-cruiser rules, and the check that runs them.
 * scripts/test/architecture.test.ts runs it on the tree (through `npm test`) and on a fixture that breaks each rule.
 * Type-only imports count: a loop through types is still a loop a reader has to untangle.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type ICruiseOptions, type IForbiddenRuleType, type IViolation, cruise } from 'dependency-cruiser';

const SERVER = '^(packages/server/|@watchword/server$)';

export const ARCHITECTURE_RULES: IForbiddenRuleType[] = [
  {
    name: 'module-imports-module',
    comment: 'A server module (modules/<x>/) never imports another module: what two modules share is a library (lib/).',
    severity: 'error',
    from: { path: '^packages/server/src/modules/([^/]+)/' },
    to: { path: '^packages/server/src/modules/', pathNot: '^packages/server/src/modules/$1/' },
  },
  {
    name: 'library-imports-module',
    comment: 'A server library (lib/) never imports a module: modules lean on libraries, not the other way round.',
    severity: 'error',
    from: { path: '^packages/server/src/lib/' },
    to: { path: '^packages/server/src/modules/' },
  },
  {
    name: 'protocol-imports-ours',
    comment: 'The protocol imports nothing of ours: the SDK, the server and the apps all build on it.',
    severity: 'error',
    from: { path: '^packages/protocol/src/' },
    to: { path: '^(packages|apps|scripts|bench)/|^@watchword/', pathNot: '^packages/protocol/' },
  },
  {
    name: 'protocol-imports-node',
    comment: 'The protocol runs in browsers: no Node built-in.',
    severity: 'error',
    from: { path: '^packages/protocol/src/' },
    to: { dependencyTypes: ['core'] },
  },
  {
    name: 'client-imports-server-or-app',
    comment: 'The SDK speaks HTTP to the server; it never imports the server, nor an app.',
    severity: 'error',
    from: { path: '^packages/client/src/' },
    to: { path: `${SERVER}|^apps/|^@watchword/(cli|web)$` },
  },
  {
    name: 'app-imports-server',
    comment: 'Apps reach the server through the SDK only.',
    severity: 'error',
    from: { path: '^apps/[^/]+/src/' },
    to: { path: SERVER },
  },
  {
    name: 'app-imports-app',
    comment: 'Apps share code through packages (the SDK, the protocol, the shared UI package), never by importing another app.',
    severity: 'error',
    from: { path: '^apps/([^/]+)/src/' },
    to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
  },
  {
    name: 'ui-imports-app-or-server',
    comment: 'The shared UI package sits between the apps and the SDK / protocol: it never imports an app or the server.',
    severity: 'error',
    from: { path: '^packages/ui/src/' },
    to: { path: `${SERVER}|^apps/|^@watchword/(cli|web|extension)$` },
  },
  {
    name: 'shipped-code-imports-testkit',
    comment: 'The testkit is for tests and the benchmark only.',
    severity: 'error',
    from: { path: '^(packages|apps)/[^/]+/src/', pathNot: '^packages/testkit/' },
    to: { path: '^(packages/testkit/|@watchword/testkit)' },
  },
  {
    name: 'server-import-loop',
    comment: 'No import loops in the server.',
    severity: 'error',
    from: { path: '^packages/server/src/' },
    to: { path: '^packages/server/src/', circular: true },
  },
];

/** The sources the rules are about. */
export const CRUISED = ['packages/protocol/src', 'packages/client/src', 'packages/server/src', 'packages/testkit/src', 'packages/ui/src', 'apps/cli/src', 'apps/web/src', 'apps/extension/src'];

/** One line per broken rule and import: `rule: from → to` (a loop: its whole path). */
export async function architectureViolations(baseDir: string, roots: readonly string[] = CRUISED): Promise<string[]> {
  const options: ICruiseOptions = {
    baseDir,
    validate: true,
    ruleSet: { forbidden: ARCHITECTURE_RULES },
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.d\\.ts$' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.mjs', '.js'], conditionNames: ['import', 'default'], exportsFields: ['exports'] },
  };
  const result = await cruise([...roots], options);
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned a report instead of a result');
  return result.output.summary.violations.map(describe).sort();
}

function describe(violation: IViolation): string {
  const path = violation.cycle?.map((step) => step.name) ?? [];
  return path.length > 0
    ? `${violation.rule.name}: ${violation.from} → ${path.join(' → ')}`
    : `${violation.rule.name}: ${violation.from} → ${violation.to}`;
}

/**
 * Protocol modules that hold key handling, encryption, OPAQUE and DPoP: apps reach these only through the SDK, so
 * that every app shares one audited use of them. Apps may still import the protocol's types, constants, schemas and
 * pure helpers (encoding, e-mail normalisation, the recovery-key parser, TOTP codes, the password generator, route
 * descriptors).
 */
export const SDK_ONLY_PROTOCOL_MODULES = ['crypto/aead.ts', 'crypto/hkdf.ts', 'keys.ts', 'items.ts', 'account-data.ts', 'opaque.ts', 'dpop.ts', 'sharing/hpke.ts', 'sharing/identity.ts', 'sharing/vault-key-grant.ts', 'sharing/own-keys.ts', 'sharing/vault-name.ts'];
/** Pure helpers in those modules that apps may use. */
const APP_ALLOWED = new Set(['validateItemContent']);

/** The value exports of the SDK-only modules that an app must not import: functions, classes, and lower-case consts (objects of operations). */
export function sdkOnlyProtocolExports(root: string): Set<string> {
  const names = new Set<string>();
  for (const module of SDK_ONLY_PROTOCOL_MODULES) {
    const text = readFileSync(join(root, 'packages', 'protocol', 'src', module), 'utf8');
    for (const match of text.matchAll(/^export (?:async )?(?:function|class) (\w+)|^export const ([a-z]\w*)/gm)) {
      const name = match[1] ?? match[2];
      if (name !== undefined && !APP_ALLOWED.has(name)) names.add(name);
    }
  }
  return names;
}

/** `file: name` for every value an app's sources import from the protocol that only the SDK may use. */
export function appProtocolViolations(root: string): string[] {
  const forbidden = sdkOnlyProtocolExports(root);
  const problems: string[] = [];
  for (const app of readdirSync(join(root, 'apps'))) {
    const src = join(root, 'apps', app, 'src');
    for (const file of sourceFilesUnder(src)) {
      const text = readFileSync(file, 'utf8');
      const where = relative(root, file);
      if (/import\s+\*\s+as\s+\w+\s+from\s+'@watchword\/protocol'/.test(text)) problems.push(`${where}: a namespace import of @watchword/protocol`);
      for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@watchword\/protocol'/g)) {
        if (match[1] !== undefined) continue;
        for (const entry of (match[2] ?? '').split(',')) {
          const name = entry.trim().split(/\s+as\s+/)[0]?.trim() ?? '';
          if (name.startsWith('type ') || name === '') continue;
          if (forbidden.has(name)) problems.push(`${where}: ${name}`);
        }
      }
    }
  }
  return problems.sort();
}

function sourceFilesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFilesUnder(path));
    else if (/\.(ts|tsx)$/.test(name)) out.push(path);
  }
  return out;
}
