/** PostgreSQL test databases: one uniquely named database per harness, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceUrl } from './env.ts';

/** The admin URL (any database the test user can connect to and CREATE DATABASE from), or undefined locally. */
export const testDatabaseUrl: string | undefined = process.env.TEST_DATABASE_URL || undefined;
export const pgAvailable = testDatabaseUrl !== undefined;

export type Dialect = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL when TEST_DATABASE_URL is set (required on CI, see env.ts). */
export function dialectsUnderTest(): Dialect[] {
  return serviceUrl('TEST_DATABASE_URL') === undefined ? ['sqlite'] : ['sqlite', 'postgres'];
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testDatabaseUrl;
  if (adminUrl === undefined) throw new Error('TEST_DATABASE_URL is not set');
  // Identifiers cannot be bound parameters; this one is generated here from hex digits only.
  const name = `ww_test_${randomBytes(8).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
          name,
        ]);
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)}`);
      });
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
