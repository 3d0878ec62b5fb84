import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, type TempDir } from '@watchword/testkit';
import { ARCHITECTURE_RULES, SDK_ONLY_PROTOCOL_MODULES, appProtocolViolations, architectureViolations, sdkOnlyProtocolExports } from '../architecture-rules.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('architecture rules (docs/architecture.md), checked with dependency-cruiser', () => {
  const dirs: TempDir[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => d.remove())));

  it('the tree keeps them: no forbidden import, no import loop in the server', async () => {
    expect(await architectureViolations(ROOT)).toEqual([]);
  });

  it('apps take key handling, encryption, OPAQUE and DPoP only through the SDK', async () => {
    const forbidden = sdkOnlyProtocolExports(ROOT);
    for (const name of ['sealBytes', 'openBytes', 'importAesKey', 'unlockAccountKey', 'encryptItem', 'openAccountData', 'opaqueClient', 'importDpopKeyPair']) {
      expect(forbidden.has(name), name).toBe(true);
    }
    expect(appProtocolViolations(ROOT)).toEqual([]);
    // A fixture app that reaches past the SDK is caught.
    const dir = await createTempDir('ww-arch-app-');
    dirs.push(dir);
    for (const module of SDK_ONLY_PROTOCOL_MODULES) {
      mkdirSync(join(dir.path, 'packages/protocol/src', module, '..'), { recursive: true });
      writeFileSync(join(dir.path, 'packages/protocol/src', module), readFileSync(join(ROOT, 'packages/protocol/src', module)));
    }
    mkdirSync(join(dir.path, 'apps/ext/src'), { recursive: true });
    const scope = '@watchword';
    writeFileSync(
      join(dir.path, 'apps/ext/src/popup.ts'),
      `import { type ItemContent, normaliseEmail, sealBytes as seal, validateItemContent } from '${scope}/protocol';\nimport type { StoredDpopKeyPair } from '${scope}/protocol';\n`,
    );
    writeFileSync(join(dir.path, 'apps/ext/src/all.ts'), `import * as protocol from '${scope}/protocol';\n`);
    expect(appProtocolViolations(dir.path)).toEqual(['apps/ext/src/all.ts: a namespace import of @watchword/protocol', 'apps/ext/src/popup.ts: sealBytes']);
  });

  it('each rule catches what it forbids (a fixture that breaks every one)', async () => {
    const dir = await createTempDir('ww-arch-');
    dirs.push(dir);
    const files: Record<string, string> = {
      'packages/server/src/modules/a/routes.ts': "import { b } from '../b/service.ts';\nimport { own } from './own.ts';\nexport const a = b + own;\n",
      'packages/server/src/modules/a/own.ts': 'export const own = 1;\n',
      'packages/server/src/modules/b/service.ts': 'export const b = 1;\n',
      'packages/server/src/lib/sessions.ts': "import { b } from '../modules/b/service.ts';\nexport const s = b;\n",
      'packages/server/src/loop/x.ts': "import type { Y } from './y.ts';\nexport type X = { y?: Y };\n",
      'packages/server/src/loop/y.ts': "import type { X } from './x.ts';\nexport type Y = { x?: X };\n",
      'packages/protocol/src/index.ts': "import { createHash } from 'node:crypto';\nimport { c } from '../../client/src/index.ts';\nexport const p = [createHash, c];\n",
      'packages/client/src/index.ts': "import { s } from '../../server/src/lib/sessions.ts';\nexport const c = s;\n",
      'packages/testkit/src/index.ts': 'export const kit = 1;\n',
      'packages/ui/src/index.ts': "import { e } from '../../../apps/extension/src/background.ts';\nexport const u = e;\n",
      'apps/cli/src/main.ts': "import { a } from '../../../packages/server/src/modules/a/routes.ts';\nexport const m = a;\n",
      'apps/web/src/main.tsx': "import { kit } from '../../../packages/testkit/src/index.ts';\nexport const w = kit;\n",
      'apps/extension/src/background.ts': "import { w } from '../../web/src/main.tsx';\nexport const e = w;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir.path, path, '..'), { recursive: true });
      writeFileSync(join(dir.path, path), text);
    }
    const found = await architectureViolations(dir.path);
    expect(found).toEqual(
      [
        'app-imports-app: apps/extension/src/background.ts → apps/web/src/main.tsx',
        'app-imports-server: apps/cli/src/main.ts → packages/server/src/modules/a/routes.ts',
        'client-imports-server-or-app: packages/client/src/index.ts → packages/server/src/lib/sessions.ts',
        'library-imports-module: packages/server/src/lib/sessions.ts → packages/server/src/modules/b/service.ts',
        'module-imports-module: packages/server/src/modules/a/routes.ts → packages/server/src/modules/b/service.ts',
        'protocol-imports-node: packages/protocol/src/index.ts → crypto',
        'protocol-imports-ours: packages/protocol/src/index.ts → packages/client/src/index.ts',
        'server-import-loop: packages/server/src/loop/x.ts → packages/server/src/loop/y.ts → packages/server/src/loop/x.ts',
        'shipped-code-imports-testkit: apps/web/src/main.tsx → packages/testkit/src/index.ts',
        'ui-imports-app-or-server: packages/ui/src/index.ts → apps/extension/src/background.ts',
      ].sort(),
    );
    // Every rule is exercised.
    expect(new Set(found.map((line) => line.split(':')[0]))).toEqual(new Set(ARCHITECTURE_RULES.map((rule) => rule.name)));
  });
});
