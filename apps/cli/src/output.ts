/** A plain text table; cells are user data, so control characters are made visible, never interpreted. */
export const clean = (s: string) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');

export function renderTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows.map((r) => r.map((c) => clean(c).replace(/[\n\t]/g, ' ')))];
  const widths = headers.map((_, i) => Math.min(40, Math.max(...all.map((r) => (r[i] ?? '').length))));
  const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  return all.map((r) => r.map((c, i) => cut(c, widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
