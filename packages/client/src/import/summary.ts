import { type ItemType, folderSegments } from '@watchword/protocol';
import type { ImportFormat, ImportedItem } from './types.ts';

/** What an import will bring in, shown before anything is stored. */
export interface ImportSummary {
  format: ImportFormat;
  total: number;
  byType: Record<ItemType, number>;
  /** Per folder path ("" for items without a folder), largest first. */
  byFolder: { folder: string; count: number }[];
  trashed: number;
  archived: number;
  /** Every item with something that cannot come in (attachments, passkeys). */
  leftOut: { source: string; name: string; what: string[] }[];
  /** Items that match one already in the vault (same name, user name and host). */
  duplicates: { source: string; name: string; existingId: string }[];
}

export function summarise(format: ImportFormat, items: readonly ImportedItem[], duplicates: ReadonlyMap<number, { id: string }>): ImportSummary {
  const byType: Record<ItemType, number> = { login: 0, note: 0, card: 0, identity: 0 };
  const folders = new Map<string, number>();
  for (const { content } of items) {
    byType[content.type]++;
    const folder = folderSegments(content).join('/');
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  return {
    format,
    total: items.length,
    byType,
    byFolder: [...folders].map(([folder, count]) => ({ folder, count })).sort((a, b) => b.count - a.count || a.folder.localeCompare(b.folder)),
    trashed: items.filter((i) => i.trashed).length,
    archived: items.filter((i) => i.content.archived).length,
    leftOut: items.filter((i) => i.leftOut.length > 0).map((i) => ({ source: i.source, name: i.content.name, what: i.leftOut })),
    duplicates: [...duplicates].map(([index, existing]) => ({ source: items[index]?.source ?? '', name: items[index]?.content.name ?? '', existingId: existing.id })),
  };
}
