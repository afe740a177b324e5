// core/common (L0): errors, disposables, events, branded numbers, bit helpers, logging.
// Depends on nothing; everything else may depend on it.
export * from './errors';
export * from './disposable';
export * from './event';
export * from './brand';
export * from './bits';
export * from './log';
export * from './worker';
export * from './app-paths';
