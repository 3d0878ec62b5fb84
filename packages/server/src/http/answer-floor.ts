/**
 * Answers that must not reveal whether an account exists (security spec "Enumeration") are held to a per-route
 * floor, so their timing does not reveal it either. Identical bodies are not enough: a known address makes the server
 * write (a recovery token and its audit event, a failed login's audit event), a new one creates an account, and a
 * rank test over a few hundred requests tells them apart (test/http/timing-enumeration.test.ts).
 *
 * Why a floor rather than equal work: the two branches cannot do the same writes (an unknown address has no row to
 * give a token to, an existing one must not get a second account), and writes that only look alike still differ in
 * commits and fsyncs. Moving them behind the answer is no better: on the embedded database they run on the event
 * loop the next request is waiting for. So every answer of such a route leaves no earlier than its floor after the
 * request arrived, whichever branch it took.
 *
 * The floor adapts, as Authelia's does for its login answers, but to the slowest recent answer rather than an
 * average: it is 1.25 × the longest of the last 32 answers' own times, plus 1 ms. An answer slower than that (a
 * pause on a loaded machine) goes out at once and raises the floor for the next ones. Until 16 answers have been
 * timed, the floor is a fixed 50 ms; it never exceeds 2 s (beyond that, holding would only add to an outage).
 * What it costs is latency on these routes alone (registration, recovery requests and failed logins), never CPU.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface AnswerFloorOptions {
  /** How many recent answers the floor is taken from. */
  readonly window: number;
  /** The floor until half the window is filled, ms. */
  readonly initialMs: number;
  readonly factor: number;
  readonly marginMs: number;
  readonly maxMs: number;
}

export const ANSWER_FLOOR_DEFAULTS: AnswerFloorOptions = { window: 32, initialMs: 50, factor: 1.25, marginMs: 1, maxMs: 2000 };

export interface AnswerFloor {
  /** The time an answer is held to now, ms after its request arrived. */
  floorMs(): number;
  /**
   * Records an answer's own time (`elapsedMs` since its request arrived, e.g. `reply.elapsedTime`) and resolves
   * when the floor is reached.
   */
  hold(elapsedMs: number): Promise<void>;
}

export function createAnswerFloor(options: AnswerFloorOptions = ANSWER_FLOOR_DEFAULTS): AnswerFloor {
  const recent = new Float64Array(options.window);
  let count = 0;
  const floorMs = () => {
    if (count < options.window / 2) return options.initialMs;
    // The second-longest: one pause alone does not hold the next 32 answers to its length.
    let longest = 0;
    let second = 0;
    for (let i = 0; i < Math.min(count, options.window); i++) {
      const v = recent[i]!;
      if (v > longest) [longest, second] = [v, longest];
      else if (v > second) second = v;
    }
    return Math.min(options.maxMs, second * options.factor + options.marginMs);
  };
  return {
    floorMs,
    async hold(elapsedMs) {
      const floor = floorMs();
      recent[count % options.window] = elapsedMs;
      count++;
      const wait = floor - elapsedMs;
      if (wait > 0) await sleep(wait);
    },
  };
}
