import { createStore } from './store.ts';

/** Short confirmations ("Copied", "Saved") read out by screen readers through one polite live region. */
export interface Announcement {
  id: number;
  text: string;
}

export const announcement = createStore<Announcement | null>(null);
let next = 1;
let timer: ReturnType<typeof setTimeout> | undefined;

export function announce(text: string, durationMs = 5000): void {
  announcement.set({ id: next++, text });
  clearTimeout(timer);
  timer = setTimeout(() => announcement.set(null), durationMs);
}
