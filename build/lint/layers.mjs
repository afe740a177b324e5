// DESIGN.md's layer table for core/: a folder may import only from lower layers (or
// itself); folders on one layer meet through an interface one layer down.
// One change from DESIGN.md: cli sits above server (L7), because `vmdesk serve` and
// `vmdesk desktop` host the API server; the server never calls the CLI.
export const LAYERS = {
  common: 0,
  api: 0,
  memory: 1,
  bus: 1,
  storage: 1,
  net: 1,
  cpu: 2,
  devices: 2,
  vmm: 3,
  vmkernel: 4,
  center: 5,
  converter: 5,
  server: 6,
  cli: 7,
};
