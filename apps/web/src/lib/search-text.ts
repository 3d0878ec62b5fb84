import type { ItemContent } from '@watchword/client';

/**
 * The text an item is found by, lowercased once: name, user names, URLs, folder, notes and the visible details of
 * each type (hidden fields and passwords never). Built once per decrypted item (in the decrypt worker), so that a
 * keystroke in the search box only runs `includes` over these strings and decrypts nothing.
 */
export function searchText(c: ItemContent): string {
  return [
    c.name,
    c.folder,
    c.notes,
    c.login?.username,
    ...(c.login?.urls ?? []),
    c.card?.cardholder,
    c.card?.brand,
    c.identity?.firstName,
    c.identity?.lastName,
    c.identity?.email,
    c.identity?.company,
    ...c.fields.filter((f) => !f.hidden).map((f) => `${f.name} ${f.value}`),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join('\n')
    .toLowerCase();
}
