import { dialectsUnderTest } from '@watchword/testkit';
import { storageSuite } from './storage.suite.ts';

for (const dialect of dialectsUnderTest()) storageSuite(dialect);
