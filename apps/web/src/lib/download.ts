/** Saves text as a file through a temporary object URL (same origin; nothing leaves the page). */
export function downloadText(fileName: string, text: string, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: the download may start asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
