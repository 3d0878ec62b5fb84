import { dialectsUnderTest } from '../support/pg.ts';
import { storageSuite } from './storage.suite.ts';

for (const dialect of dialectsUnderTest()) storageSuite(dialect);
