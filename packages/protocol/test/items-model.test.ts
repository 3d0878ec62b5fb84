import { describe, expect, it } from 'vitest';
import { type ItemContent, MAX_FOLDER_DEPTH, folderFromSegments, folderSegments, validateItemContent } from '../src/items.ts';
import { WatchwordError } from '../src/errors.ts';

function pointer(value: unknown): string {
  try {
    validateItemContent(value);
    return 'valid';
  } catch (error) {
    expect(error).toBeInstanceOf(WatchwordError);
    return String((error as WatchwordError).details?.['field']);
  }
}

describe('item model: what imports need, added without breaking stored items', () => {
  it('still accepts an item written before the extensions (no archived, kind, folderPath or tags)', () => {
    const old = { type: 'login', name: 'n', folder: 'Work', fields: [{ name: 'pin', value: '1', hidden: true }], login: { username: 'u', urls: ['https://a.example'] } };
    expect(pointer(old)).toBe('valid');
  });

  it('takes archived, boolean fields, tags, more identity slots and a nested folder', () => {
    const item: ItemContent = {
      type: 'identity',
      name: 'Me',
      archived: true,
      tags: ['a', 'b'],
      ...folderFromSegments(['Emails', 'WS']),
      fields: [
        { name: 'Boolean Field', value: 'true', hidden: false, kind: 'boolean' },
        { name: 'Text Field', value: 'x', hidden: false, kind: 'text' },
      ],
      identity: { middleName: 'A', city: 'Santa Barbara', state: 'CA', postalCode: '93103', country: 'US', ssn: '1', passportNumber: '2', licenseNumber: '3' },
    };
    expect(pointer(item)).toBe('valid');
    expect(item.folder).toBe('Emails/WS');
    expect(folderSegments(item)).toEqual(['Emails', 'WS']);
  });

  it('keeps folder and folderPath in agreement and bounds the path', () => {
    expect(pointer({ type: 'note', name: 'n', fields: [], folder: 'A/C', folderPath: ['A', 'B'] })).toBe('/folderPath');
    expect(pointer({ type: 'note', name: 'n', fields: [], folderPath: ['A', 'B'] })).toBe('/folderPath');
    const deep = Array.from({ length: MAX_FOLDER_DEPTH + 1 }, (_, i) => `f${i}`);
    expect(pointer({ type: 'note', name: 'n', fields: [], ...folderFromSegments(deep) })).toBe('/folderPath');
    expect(pointer({ type: 'note', name: 'n', fields: [], folder: 'A', folderPath: ['A'] })).toBe('/folderPath');
    expect(pointer({ type: 'note', name: 'n', fields: [{ name: 'b', value: 'x', hidden: false, kind: 'date' }] })).toBe('/fields/0/kind');
    expect(pointer({ type: 'note', name: 'n', fields: [], tags: [''] })).toBe('/tags/0');
  });

  it('a single-level folder stays a plain folder; empty segments are dropped', () => {
    expect(folderFromSegments(['', 'Bank'])).toEqual({ folder: 'Bank' });
    expect(folderFromSegments([])).toEqual({});
    expect(folderSegments({ folder: 'Bank' })).toEqual(['Bank']);
    expect(folderSegments({})).toEqual([]);
  });
});
