/** The server `ww` talks to when neither --server, WATCHWORD_SERVER nor the session file names one. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
