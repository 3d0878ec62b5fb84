import { dialectsUnderTest } from '@watchword/testkit';
import { storageSuite } from './storage.suite.ts';
import { sharedVaultsSuite } from './shared-vaults.suite.ts';

for (const dialect of dialectsUnderTest()) storageSuite(dialect);
for (const dialect of dialectsUnderTest()) sharedVaultsSuite(dialect);
