import type { App } from './types.ts';

type SendDone = (error: Error | null, payload?: unknown) => void;

/**
 * Responses are written at the end of the event-loop turn that produced them, all together (docs/performance.md).
 *
 * Node reads every socket that became readable in one turn, and a request that needs no other I/O (an item read on
 * the embedded database, a health probe, an error) is answered within its own socket's callback. Written there, each
 * answer wakes its sleeping client before the next request is even parsed: on loopback or a same-host proxy (the
 * README's TLS deployment), on another core, that wake-up is an inter-processor interrupt, and in a virtual machine
 * an exit to the hypervisor. The benchmark's profiles showed it as the largest single cost of an item read (13 % of
 * the server's CPU) on one VM. Held back to this turn's check phase (`setImmediate`), the answers are written
 * back to back: the first wakes the client, and the rest reach a client that is already awake.
 *
 * Nothing is held longer than the rest of the current turn, and an answer is never held behind one that waits on
 * I/O: a request that waits (PostgreSQL, Redis) is answered in the turn its I/O completes, with that turn's others.
 */
export function registerWriteBatching(app: App): void {
  // Pairs of [done, payload], flat: one array for the whole turn.
  let held: unknown[] = [];
  const flush = () => {
    const batch = held;
    held = [];
    for (let i = 0; i < batch.length; i += 2) {
      try {
        (batch[i] as SendDone)(null, batch[i + 1]);
      } catch (error) {
        // One answer that fails to go out must not keep the rest of the turn's answers from theirs.
        app.log.error({ err: error }, 'response could not be written');
      }
    }
  };
  app.addHook('onSend', (_request, _reply, payload, done) => {
    if (held.length === 0) setImmediate(flush);
    held.push(done, payload);
  });
}
