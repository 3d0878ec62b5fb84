/** A nested folder has at most this many levels; its joined path at most this many characters. */
export const MAX_FOLDER_DEPTH = 16;
export const MAX_FOLDER_CHARS = 1024;
