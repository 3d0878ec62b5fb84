import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A virtualized list (docs/web-vault.md, "Large vaults"): only the rows in view (and a few either side) are in the
 * DOM, positioned in a list as tall as all of them, so a 50,000-item vault costs a screenful of nodes. Rows have one
 * fixed height. Screen readers learn the size and each row's place from aria-setsize / aria-posinset.
 *
 * Keyboard: the list is one Tab stop (the active row's link, kept rendered even when scrolled away); ↑ ↓ move by
 * one row, Page Up / Page Down by a screenful, Home / End to the ends — the row is scrolled into view and focused.
 */
export interface VirtualListProps {
  count: number;
  /** Each row's height in CSS pixels (the stylesheet gives rows the same). */
  rowHeight: number;
  label: string;
  rowKey: (index: number) => string;
  /** Row `index`'s content: one link or button, focusable with `tabIndex`. */
  renderRow: (index: number, tabIndex: 0 | -1) => ComponentChildren;
  class?: string;
  overscan?: number;
  /** When this changes (e.g. a new search), the list goes back to its top and its first row. */
  resetKey?: string;
}

export function VirtualList({ count, rowHeight, label, rowKey, renderRow, class: className, overscan = 8, resetKey }: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  const [active, setActive] = useState(0);
  const focusNext = useRef(false);
  const current = Math.min(active, Math.max(0, count - 1));

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight || 800);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 800));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
    setActive(0);
  }, [resetKey]);

  // After a keyboard move: focus the (now rendered) active row's control.
  useLayoutEffect(() => {
    if (!focusNext.current) return;
    focusNext.current = false;
    scroller.current?.querySelector<HTMLElement>(`li[data-index="${current}"] a, li[data-index="${current}"] button`)?.focus();
  });

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const indexes: number[] = [];
  if (count > 0 && current < first) indexes.push(current);
  for (let i = first; i < last; i++) indexes.push(i);
  if (count > 0 && current >= last) indexes.push(current);

  const move = (to: number) => {
    const el = scroller.current;
    const target = Math.max(0, Math.min(count - 1, to));
    if (el) {
      const top = target * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
      setScrollTop(el.scrollTop);
    }
    focusNext.current = true;
    setActive(target);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const row = (e.target as HTMLElement).closest<HTMLElement>('li[data-index]');
    if (!row) return;
    const at = Number(row.dataset.index);
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: count - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(to);
  };

  return (
    <div class={className ? `virtual-scroller ${className}` : 'virtual-scroller'} ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <ul role="list" aria-label={label} style={{ height: `${count * rowHeight}px` }} onKeyDown={onKeyDown}
        onFocusIn={(e) => {
          const row = (e.target as HTMLElement).closest<HTMLElement>('li[data-index]');
          if (row) setActive(Number(row.dataset.index));
        }}
      >
        {indexes.map((i) => (
          <li key={rowKey(i)} data-index={i} aria-setsize={count} aria-posinset={i + 1} style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
            {renderRow(i, i === current ? 0 : -1)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Moves focus into a virtual list (from its search box, on ↓): to its active row. */
export function focusList(list: HTMLElement | null): void {
  list?.querySelector<HTMLElement>('li [tabindex="0"]')?.focus();
}
