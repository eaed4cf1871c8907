import kleur from 'kleur';

/**
 * All terminal output goes through here. Machine output (`--json`) is written to stdout by the
 * commands themselves; the logger writes human lines to stderr so stdout stays parseable.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Overwrite a single progress line; only on a TTY and never in quiet/json mode. */
  progress(message: string): void;
  /** Clear the progress line before other output. */
  done(): void;
}

export interface LoggerOptions {
  quiet?: boolean;
  debug?: boolean;
  stream?: NodeJS.WriteStream;
  /** Put before every line (`w2 ` in a worker of `isr serve --workers`). */
  prefix?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  kleur.enabled = colourWanted(Boolean(stream.isTTY), process.env);
  const tty = Boolean(stream.isTTY) && !options.quiet;
  const prefix = options.prefix ?? '';
  let progressShown = false;
  const clear = () => {
    if (progressShown) {
      stream.write('\r\x1b[K');
      progressShown = false;
    }
  };
  const line = (s: string) => {
    clear();
    stream.write(`${prefix + s}\n`);
  };
  return {
    info: (m) => {
      if (!options.quiet) line(m);
    },
    warn: (m) => line(`${kleur.yellow('warning')} ${m}`),
    error: (m) => line(`${kleur.red('error')} ${m}`),
    debug: (m) => {
      if (options.debug) line(kleur.dim(m));
    },
    progress: (m) => {
      if (!tty) return;
      stream.write(`\r\x1b[K${m}`);
      progressShown = true;
    },
    done: clear,
  };
}

/**
 * Whether to colour output, by the usual rules (as Node itself applies them): FORCE_COLOR set
 * decides first (`0` or `false`: off; anything else, empty included: on), so CI logs can have
 * colour through a pipe; then NO_COLOR set to a non-empty value turns it off (no-color.org);
 * then a terminal that is not `TERM=dumb` gets colour and a pipe or file does not.
 */
export function colourWanted(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return isTTY && env.TERM !== 'dumb';
}

/** A logger that records lines, for tests and the server's internal runs. */
export function silentLogger(): Logger {
  const noop = () => {};
  return { info: noop, warn: noop, error: noop, debug: noop, progress: noop, done: noop };
}
