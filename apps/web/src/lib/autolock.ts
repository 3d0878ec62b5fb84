/**
 * Inactivity lock: after `minutes()` without keyboard, pointer, wheel or touch input the callback runs (it drops the
 * keys). Time is measured with Date.now(), so a tab whose timers the browser slowed down while hidden still locks as
 * soon as it is looked at again.
 */
const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
const CHECK_EVERY_MS = 5_000;

export function startAutoLock(minutes: () => number, onIdle: () => void): () => void {
  let last = Date.now();
  const seen = () => {
    last = Date.now();
  };
  const check = () => {
    if (Date.now() - last >= minutes() * 60_000) onIdle();
  };
  for (const type of ACTIVITY) addEventListener(type, seen, { passive: true, capture: true });
  document.addEventListener('visibilitychange', check);
  const timer = setInterval(check, CHECK_EVERY_MS);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', check);
    for (const type of ACTIVITY) removeEventListener(type, seen, { capture: true });
  };
}
