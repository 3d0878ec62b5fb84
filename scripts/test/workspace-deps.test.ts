import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, type TempDir } from '@watchword/testkit';
import { undeclaredWorkspaceImports } from '../workspace-deps.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** The scope, kept out of this file's own import-like strings (the check reads this file too). */
const WW = '@watchword';

describe('workspace dependencies', () => {
  const dirs: TempDir[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => d.remove())));

  it('every @watchword/… import is declared by the package that makes it', () => {
    expect(undeclaredWorkspaceImports(ROOT)).toEqual([]);
  });

  it('finds an undeclared one in a workspace and at the root', async () => {
    const dir = await createTempDir('ww-deps-');
    dirs.push(dir);
    const write = (path: string, text: string) => {
      mkdirSync(join(dir.path, path, '..'), { recursive: true });
      writeFileSync(join(dir.path, path), text);
    };
    write('package.json', JSON.stringify({ name: 'root', workspaces: ['packages/a', 'packages/b'], devDependencies: { [`${WW}/a`]: '*' } }));
    write('packages/a/package.json', JSON.stringify({ name: `${WW}/a`, dependencies: {} }));
    write('packages/b/package.json', JSON.stringify({ name: `${WW}/b`, devDependencies: { [`${WW}/a`]: '*' } }));
    write('packages/a/src/index.ts', `import { x } from '${WW}/b';\nimport { y } from '${WW}/a';\n`);
    write('packages/b/test/b.test.ts', `import { a } from '${WW}/a';\nconst c = await import('${WW}/c/app');\n`);
    write('bench/run.ts', `import { a } from '${WW}/a';\nimport type { B } from '${WW}/b';\n`);
    expect(undeclaredWorkspaceImports(dir.path)).toEqual([
      `bench/run.ts: ${WW}/b is not declared in package.json`,
      `packages/a/src/index.ts: ${WW}/b is not declared in packages/a/package.json`,
      `packages/b/test/b.test.ts: ${WW}/c is not declared in packages/b/package.json`,
    ]);
  });
});
