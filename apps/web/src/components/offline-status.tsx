import { useAction } from '../lib/action.ts';
import { announce } from '../lib/announce.ts';
import { formatTime } from '../lib/format.ts';
import { connectivity } from '../lib/offline/connectivity.ts';
import { outboxConflict, pendingItems, resolveConflict } from '../lib/offline/queue.ts';
import { auth, currentVault, itemsSyncedAt, refreshItems } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';
import { Dialog } from './dialog.tsx';
import { Differences } from './differences.tsx';
import { ErrorMessage } from './feedback.tsx';

/** "Offline — showing the copy from <time>" while the server cannot be reached; gone once it answers (role=status). */
export function OfflineBanner() {
  const state = useStore(connectivity);
  const phase = useStore(auth).phase;
  const syncedAt = useStore(itemsSyncedAt);
  const pending = useStore(pendingItems);
  if (state.online) return null;
  const waiting = pending.size > 0 ? ` ${pending.size} ${pending.size === 1 ? 'change is' : 'changes are'} waiting to sync.` : '';
  return (
    <div class="offline-banner" role="status">
      {phase === 'unlocked' && syncedAt !== null
        ? `Offline — showing the copy from ${formatTime(syncedAt)}. Changes are kept on this device until the server answers.${waiting}`
        : 'Offline — the server cannot be reached.'}
    </div>
  );
}

/** The "waiting to sync" mark of an item with a queued change. */
export function PendingMark({ id }: { id: string }) {
  const pending = useStore(pendingItems);
  return pending.has(id) ? <span class="pending-mark"> · waiting to sync</span> : null;
}

/**
 * A change made offline that the server refused because the item moved meanwhile: the same choices as a conflict
 * while editing online (pages/item-editor.tsx), for a change no editor is open for any more.
 */
export function OutboxConflictDialog() {
  const conflict = useStore(outboxConflict);
  const action = useAction();
  if (!conflict) return null;
  const { mine, theirs } = conflict;
  const name = mine?.name ?? theirs?.content.name ?? 'this item';
  const choose = (choice: 'mine' | 'theirs' | 'both') =>
    void action.run(async () => {
      await resolveConflict(currentVault(), choice);
      announce(choice === 'theirs' ? `Kept their version of “${name}”.` : choice === 'mine' ? `Kept your version of “${name}”.` : `Kept both versions of “${name}”.`);
      await refreshItems();
    });
  return (
    <Dialog title="A change made offline conflicts" onCancel={() => undefined}>
      {theirs ? (
        <>
          <p>
            While this device was offline you {mine ? 'changed' : 'moved to the trash'} “{name}”, and it was changed elsewhere meanwhile (you started from
            revision {conflict.entry.change.baseRevision}; it is now at revision {theirs.revision}). Nothing was overwritten.
          </p>
          {mine ? <Differences mine={mine} theirs={theirs.content} /> : null}
        </>
      ) : (
        <p>While this device was offline you changed “{name}”, and it was deleted for good elsewhere meanwhile. Nothing was saved.</p>
      )}
      <ErrorMessage message={action.error} />
      <div class="button-row vertical">
        <button type="button" class="danger" disabled={action.busy} onClick={() => choose('mine')}>
          {mine ? 'Keep mine' : 'Keep mine (move it to the trash)'}
        </button>
        <button type="button" class="secondary" disabled={action.busy} onClick={() => choose('theirs')}>
          Keep theirs
        </button>
        {mine && theirs ? (
          <button type="button" class="secondary" disabled={action.busy} onClick={() => choose('both')}>
            Keep both (mine as a new item)
          </button>
        ) : null}
      </div>
    </Dialog>
  );
}
