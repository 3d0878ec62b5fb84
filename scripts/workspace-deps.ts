/**
 * Every import of a workspace package (`@watchword/…`) is declared by the package that makes it (dependencies or
 * devDependencies of its package.json; the root package.json for bench/ and scripts/). npm links every workspace
 * into the root node_modules, so an undeclared one still resolves here, and only breaks when that package is
 * installed or built on its own. scripts/test/workspace-deps.test.ts runs this on the tree.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const WORKSPACE_IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)'(@watchword\/[a-z-]+)(?:\/[^']*)?'/g;

interface Manifest {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

function sourceFiles(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.') || skip.includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

/** `file: @watchword/x is not declared in <package.json>` for every undeclared workspace import under `root`. */
export function undeclaredWorkspaceImports(root: string): string[] {
  const rootManifest = manifest(root);
  const workspaces = rootManifest.workspaces ?? [];
  const owners: { dir: string; files: string[] }[] = workspaces.map((ws) => ({ dir: join(root, ws), files: sourceFiles(join(root, ws)) }));
  // The root owns what is not in a workspace: bench/, scripts/ and the root config files.
  const workspaceTops = new Set(workspaces.map((ws) => ws.split('/')[0]));
  owners.push({ dir: root, files: sourceFiles(root, [...workspaceTops].filter((top): top is string => top !== undefined)) });
  const problems: string[] = [];
  for (const { dir, files } of owners) {
    const m = manifest(dir);
    const declared = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {})]);
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(WORKSPACE_IMPORT)) {
        const name = match[1] as string;
        if (name === m.name || declared.has(name)) continue;
        problems.push(`${relative(root, file)}: ${name} is not declared in ${relative(root, join(dir, 'package.json'))}`);
      }
    }
  }
  return [...new Set(problems)].sort();
}
