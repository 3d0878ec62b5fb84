import type { Kysely, Selectable } from 'kysely';
import type { Database, VaultsTable } from './schema.ts';
import { OperatorError } from '../operator-errors.ts';

export interface VaultRecord {
  id: string;
  ownerId: string;
  kind: 'personal';
  /** Vault key wrapped by the owner's account key, base64url. */
  wrappedKey: string;
  createdAt: number;
}

export type NewVault = Omit<VaultRecord, 'createdAt' | 'ownerId'>;

export interface VaultRepository {
  listForUser(userId: string): Promise<VaultRecord[]>;
  /** undefined when the vault does not exist or is not the user's. */
  findForUser(userId: string, vaultId: string): Promise<VaultRecord | undefined>;
}

export function createVaultRepository(db: Kysely<Database>): VaultRepository {
  return {
    async listForUser(userId) {
      const rows = await db
        .selectFrom('vaults')
        .selectAll()
        .where('owner_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toVault);
    },
    async findForUser(userId, vaultId) {
      const row = await db
        .selectFrom('vaults')
        .selectAll()
        .where('id', '=', vaultId)
        .where('owner_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toVault(row);
    },
  };
}

function toVault(row: Selectable<VaultsTable>): VaultRecord {
  if (row.kind !== 'personal') throw new OperatorError('WW_DATABASE_CONTENT_INVALID', `Unknown vault kind in the database: ${row.kind}`);
  return { id: row.id, ownerId: row.owner_id, kind: row.kind, wrappedKey: row.wrapped_key, createdAt: row.created_at };
}
