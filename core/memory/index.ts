// core/memory (L1): guest physical memory over SharedArrayBuffer, the physical-page map,
// the dirty bitmap. Knows nothing of CPUs or devices.
export * from './guest-memory';
