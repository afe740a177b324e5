// The options by which a command reaches a host (`--server`, `--user`, `--fingerprint`), apart
// from api-connection.ts so a command can declare them without loading the client (ws, TLS,
// the embedded host) before it connects.
export const CONNECT_OPTIONS = {
  server: { kind: 'string', value: 'URL', description: 'a running host (`vmdesk serve`), e.g. http://127.0.0.1:8480; default: the embedded host of the vmdesk home, with the datastores `vmdesk serve` last had' },
  user: { kind: 'string', value: 'NAME', description: 'account to log in with over https (password from VMDESK_PASSWORD or asked)' },
  fingerprint: { kind: 'string', value: 'SHA256', description: "the host certificate's SHA-256 fingerprint, as `vmdesk serve` printed it" },
} as const;
