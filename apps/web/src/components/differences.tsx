import type { ItemContent } from '@watchword/client';
import { changedParts } from '../lib/items.ts';

/** Which parts of an item two versions differ in (names of parts only, never values): for the conflict choices. */
export function Differences({ mine, theirs }: { mine: ItemContent; theirs: ItemContent }) {
  const parts = changedParts(mine, theirs);
  if (parts.length === 0) return <p>Their version has the same content as yours.</p>;
  return <p>Your version and theirs differ in: {parts.join(', ')}.</p>;
}
