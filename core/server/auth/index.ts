// core/server/auth: accounts (scrypt hashes), login sessions by cookie, the login page,
// the host's self-signed TLS certificate.
export { AccountStore, MIN_PASSWORD } from './accounts';
export { AuthGate } from './auth-gate';
export { SessionStore, SESSION_COOKIE, readCookie } from './sessions';
export { hashPassword, verifyPassword } from './password';
export { loadOrCreateCertificate, type TlsMaterial } from './tls-certificate';
