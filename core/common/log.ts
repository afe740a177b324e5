// Log lines start with their subsystem ("uart0: ..."). Debug lines cost nothing when off:
// `log.debug` is a no-op unless VMDESK_DEBUG names the subsystem (or is "*").

export interface Logger {
  readonly subsystem: string;
  readonly debugEnabled: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogSink = (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;

let sink: LogSink = (level, line) => {
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
};

/** Redirect all log output (tests, the server's event stream). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}

function debugWanted(subsystem: string): boolean {
  const env = typeof process !== 'undefined' ? process.env.VMDESK_DEBUG : undefined;
  if (!env) return false;
  return env.split(',').some((s) => s === '*' || s === subsystem || subsystem.startsWith(s + '.'));
}

const noop = (): void => {};

export function createLogger(subsystem: string): Logger {
  const debugEnabled = debugWanted(subsystem);
  return {
    subsystem,
    debugEnabled,
    debug: debugEnabled ? (m) => sink('debug', `${subsystem}: ${m}`) : noop,
    info: (m) => sink('info', `${subsystem}: ${m}`),
    warn: (m) => sink('warn', `${subsystem}: ${m}`),
    error: (m) => sink('error', `${subsystem}: ${m}`),
  };
}
