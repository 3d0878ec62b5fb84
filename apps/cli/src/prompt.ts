import { createInterface } from 'node:readline';
import { CliError, EXIT } from './errors.ts';

/** Reads a secret from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new CliError('no terminal to ask for the master password: use --password-stdin or WATCHWORD_PASSWORD', EXIT.usage);
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled', EXIT.usage));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Asks a question on the terminal with echo (for codes and confirmations, not for passwords). */
export function promptVisible(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError('no terminal to ask on', EXIT.usage);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    rl.once('SIGINT', () => {
      rl.close();
      reject(new CliError('cancelled', EXIT.usage));
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.once('close', () => {
      if (!answered) reject(new CliError('cancelled', EXIT.usage));
    });
  });
}

// A pipe (a socket) keeps the process alive while referenced: only while a line is awaited.
type Refable = { ref?: () => unknown; unref?: () => unknown };
const ref = (stream: object) => (stream as Refable).ref?.();
const unref = (stream: object) => (stream as Refable).unref?.();

/**
 * Standard input read line by line, in order: with --password-stdin (or a pipe instead of a terminal) every answer a
 * command needs — the master password, then e.g. a second-factor code or a confirmation — is the next line. The
 * stream is paused and unreferenced between reads, so a pipe that stays open does not keep the process alive.
 */
class StdinLines {
  readonly #lines: string[] = [];
  readonly #waiting: { resolve: (line: string | undefined) => void; reject: (error: Error) => void }[] = [];
  #buffer = '';
  #ended = false;
  #started = false;

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const stdin = process.stdin;
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let at: number;
      while ((at = this.#buffer.indexOf('\n')) !== -1) {
        this.#lines.push(this.#buffer.slice(0, at).replace(/\r$/, ''));
        this.#buffer = this.#buffer.slice(at + 1);
      }
      this.#flush();
    });
    stdin.on('end', () => {
      this.#ended = true;
      if (this.#buffer.length > 0) this.#lines.push(this.#buffer.replace(/\r$/, ''));
      this.#buffer = '';
      this.#flush();
    });
    stdin.on('error', (error: Error) => {
      this.#ended = true;
      for (const w of this.#waiting.splice(0)) w.reject(error);
    });
  }

  #flush(): void {
    while (this.#waiting.length > 0 && (this.#lines.length > 0 || this.#ended)) {
      this.#waiting.shift()?.resolve(this.#lines.shift());
    }
    if (this.#waiting.length === 0) {
      process.stdin.pause();
      unref(process.stdin);
    }
  }

  /** The next line, or undefined at the end of input. */
  next(): Promise<string | undefined> {
    this.#start();
    if (this.#lines.length > 0 || this.#ended) return Promise.resolve(this.#lines.shift());
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      ref(process.stdin);
      process.stdin.resume();
    });
  }
}

const stdinLines = new StdinLines();

/** The next line of standard input, or undefined when it has ended. */
export function nextStdinLine(): Promise<string | undefined> {
  return stdinLines.next();
}

/** The next line of standard input (for --password-stdin); an error when there is none. */
export async function readStdinLine(what = 'the master password'): Promise<string> {
  const line = await stdinLines.next();
  if (line === undefined) throw new CliError(`--password-stdin: standard input ended before ${what}`, EXIT.usage);
  return line;
}
