/** A plain text table; cells are user data, so control characters are made visible, never interpreted. */
export const clean = (s: string) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');

export function renderTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows.map((r) => r.map((c) => clean(c).replace(/[\n\t]/g, ' ')))];
  const widths = headers.map((_, i) => Math.min(40, Math.max(...all.map((r) => (r[i] ?? '').length))));
  const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  return all.map((r) => r.map((c, i) => cut(c, widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** A progress bar on stderr (redrawn in place on a terminal, one final line otherwise). */
export function progressBar(total: number): { update(done: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  const draw = (done: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
  };
  return {
    update(done: number) {
      last = done;
      if (tty) process.stderr.write(`\r${draw(done)}`);
    },
    done() {
      process.stderr.write(tty ? '\n' : `${draw(last)}\n`);
    },
  };
}
