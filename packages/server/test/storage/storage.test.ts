import { dialectsUnderTest } from '@watchword/testkit';
import { storageSuite } from './storage.suite.ts';
import { sharedVaultsSuite } from './shared-vaults.suite.ts';
import { rotationPendingSuite } from './rotation-pending.suite.ts';

for (const dialect of dialectsUnderTest()) storageSuite(dialect);
for (const dialect of dialectsUnderTest()) sharedVaultsSuite(dialect);
for (const dialect of dialectsUnderTest()) rotationPendingSuite(dialect);
