// core/api (L0): the API contract — service methods, DTOs, events, error codes.
// Types and pure helpers only: the renderer imports this, so nothing here touches Node.
export * from './result';
export * from './host';
export * from './inventory';
export * from './vm';
export * from './datastore';
export * from './events';
export * from './contract';
export * from './base64';
export * from './console-ipc';
