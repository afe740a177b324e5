// The vmdesk version, read once from package.json.
import pkg from '../../package.json' with { type: 'json' };

export const VMDESK_VERSION: string = pkg.version;
