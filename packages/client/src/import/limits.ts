/**
 * Bounds of one import, checked before the work they bound: a hostile file is refused early with IMPORT_TOO_LARGE
 * rather than exhausting memory. 10,000 items of any real export stay far inside them.
 */
export const IMPORT_LIMITS = {
  /** The file as given. */
  maxFileBytes: 128 * 1024 * 1024,
  /** One physical line of a CSV file. */
  maxLineChars: 1024 * 1024,
  /** Items in one file. */
  maxItems: 100_000,
  /** Entries of a zip file (1PUX, Proton Pass). */
  maxZipEntries: 10_000,
  /** Uncompressed bytes of the zip entries read (the others are never inflated). */
  maxUncompressedBytes: 256 * 1024 * 1024,
  /** Nesting of JSON and XML documents. */
  maxDepth: 64,
} as const;
