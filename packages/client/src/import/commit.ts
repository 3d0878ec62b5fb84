import { type ItemContent, WatchwordError, validateItemContent } from '@watchword/protocol';
import type { Vault, VaultItem } from '../vault.ts';
import { duplicateKey, mergeItems } from './merge.ts';
import { type ImportSummary, summarise } from './summary.ts';
import { type ParsedImport, importError } from './types.ts';

export type DuplicateChoice = 'skip' | 'merge' | 'keep';
export const DUPLICATE_CHOICES: readonly DuplicateChoice[] = ['skip', 'merge', 'keep'];

/** A parsed file held against the vault it will go into: what will happen, before anything does. */
export interface ImportPlan {
  parsed: ParsedImport;
  summary: ImportSummary;
  /** Index in `parsed.items` → the vault item it duplicates. */
  duplicates: Map<number, VaultItem>;
}

export interface ImportResult {
  added: number;
  merged: number;
  skipped: number;
  trashed: number;
}

/** Compares a parsed file with the vault's items (trash excluded) and summarises it. Stores nothing. */
export function planImport(parsed: ParsedImport, existing: readonly VaultItem[]): ImportPlan {
  const byKey = new Map<string, VaultItem>();
  for (const item of existing) if (item.deletedAt === null) byKey.set(duplicateKey(item.content), item);
  const duplicates = new Map<number, VaultItem>();
  parsed.items.forEach((item, index) => {
    const match = byKey.get(duplicateKey(item.content));
    if (match && !item.trashed) duplicates.set(index, match);
  });
  return { parsed, summary: summarise(parsed.format, parsed.items, duplicates), duplicates };
}

/** Reads the vault and plans the import against it. */
export async function previewImport(vault: Vault, parsed: ParsedImport): Promise<ImportPlan> {
  return planImport(parsed, await vault.list({ trash: 'exclude' }));
}

/**
 * Stores a planned import: new items in all-or-nothing batches (Vault.addMany), then the ones the file had in its trash
 * moved to the trash, then merges. All or nothing from the user's side: if any step fails, the items this import
 * stored are purged again and merged items get their content back, and the error (IMPORT_INCOMPLETE) says so.
 */
export async function commitImport(
  vault: Vault,
  plan: ImportPlan,
  options: { duplicates: DuplicateChoice; onProgress?: (done: number, total: number) => void },
): Promise<ImportResult> {
  const fresh: { content: ItemContent; trashed: boolean }[] = [];
  const merges: { item: VaultItem; content: ItemContent }[] = [];
  let skipped = 0;
  plan.parsed.items.forEach((item, index) => {
    const existing = plan.duplicates.get(index);
    if (!existing || options.duplicates === 'keep') return void fresh.push(item);
    if (options.duplicates === 'skip') return void skipped++;
    const merged = mergeItems(existing.content, item.content);
    try {
      validateItemContent(merged);
    } catch (error) {
      const field = error instanceof WatchwordError ? String(error.details?.['field'] ?? '') : '';
      throw importError('IMPORT_TOO_LARGE', `${item.source}: merged with the item already in the vault, it does not fit Watchword's limits (${field})`, { source: item.source });
    }
    merges.push({ item: existing, content: merged });
  });
  const stored: VaultItem[] = [];
  const updated: { item: VaultItem; now: VaultItem }[] = [];
  const total = fresh.length + merges.length;
  try {
    const live = fresh.filter((f) => !f.trashed).map((f) => f.content);
    const binned = fresh.filter((f) => f.trashed).map((f) => f.content);
    await vault.addMany(live, { onStored: (items) => stored.push(...items), onProgress: (done) => options.onProgress?.(done, total) });
    const toTrash = await vault.addMany(binned, { onStored: (items) => stored.push(...items), onProgress: (done) => options.onProgress?.(live.length + done, total) });
    for (const item of toTrash) await paced(() => vault.trash(item.id));
    for (const [i, merge] of merges.entries()) {
      updated.push({ item: merge.item, now: await paced(() => vault.update(merge.item.id, merge.content, merge.item.revision)) });
      options.onProgress?.(fresh.length + i + 1, total);
    }
  } catch (cause) {
    const left = await undo(vault, stored, updated);
    const why = cause instanceof WatchwordError ? cause.code : 'a network or server error';
    const message =
      left === 0
        ? `The import failed part-way (${why}); the ${stored.length} item(s) it had stored were removed again and merged items were restored: the vault is as it was.`
        : `The import failed part-way (${why}), and ${left} of the changes it made could not be undone: importing the file again with duplicates skipped completes it.`;
    throw new WatchwordError('IMPORT_INCOMPLETE', { message, details: { stored: stored.length, notUndone: left }, cause });
  }
  return { added: stored.length, merged: merges.length, skipped, trashed: fresh.filter((f) => f.trashed).length };
}

/** Purges what an import stored and puts merged items back; returns how many changes could not be undone. */
async function undo(vault: Vault, stored: readonly VaultItem[], updated: readonly { item: VaultItem; now: VaultItem }[]): Promise<number> {
  let left = 0;
  for (const item of stored) {
    try {
      await paced(() => vault.purge(item.id));
    } catch {
      left++;
    }
  }
  for (const { item, now } of updated) {
    try {
      await paced(() => vault.update(item.id, item.content, now.revision));
    } catch {
      left++;
    }
  }
  return left;
}

/**
 * One write of an import. Items to trash, merges and an undo go one request per item, so a large import can meet the
 * server's per-user write limit (RATE_LIMITED with `retryAfter` seconds): it then waits as long as the server says (at
 * most a minute each time, twenty times) and goes on, rather than failing half-way.
 */
async function paced<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const wait = error instanceof WatchwordError && error.code === 'RATE_LIMITED' ? Number(error.details?.['retryAfter']) : Number.NaN;
      if (!Number.isFinite(wait) || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 1), 60) * 1000));
    }
  }
}
