/**
 * Item URLs are user data (and, in a shared or imported vault, someone else's): only http(s) URLs ever become links,
 * so `javascript:`, `data:`, `vbscript:` and the like are shown as text and can never run or navigate.
 */
export function safeHttpUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    // "example.com" without a scheme: treat as https, but only if it then parses as a plain host name.
    if (!/^[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?(?:[/?#].*)?$/i.test(trimmed)) return undefined;
    try {
      url = new URL(`https://${trimmed}`);
    } catch {
      return undefined;
    }
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}
