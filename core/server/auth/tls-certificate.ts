// The host's TLS certificate: self-signed, made on first run with Debian's `openssl`
// (EC P-256, 825 days, the host name and the listen address as subject alternative names)
// and kept in the vmdesk home. Its SHA-256 fingerprint is what a user checks on first connect.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { VmdeskError } from '../../common';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** "AB:CD:…", 32 bytes. */
  readonly fingerprint256: string;
  readonly certFile: string;
  readonly created: boolean;
}

export function loadOrCreateCertificate(dir: string, hostName: string, listenHost: string): TlsMaterial {
  const certFile = path.join(dir, 'host.crt');
  const keyFile = path.join(dir, 'host.key');
  let created = false;
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = new Set([`DNS:${hostName}`, 'DNS:localhost', 'IP:127.0.0.1']);
    if (net.isIP(listenHost) && listenHost !== '0.0.0.0' && listenHost !== '::') names.add(`IP:${listenHost}`);
    const cn = hostName.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64) || 'vmdesk';
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '825',
        '-keyout', keyFile, '-out', certFile, '-subj', `/O=vmdesk/CN=${cn}`, '-addext', `subjectAltName=${[...names].join(',')}`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (r.error || r.status !== 0) {
      fs.rmSync(certFile, { force: true });
      fs.rmSync(keyFile, { force: true });
      const why = r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : (r.stderr || String(r.error)).trim().split('\n').pop();
      throw new VmdeskError('unavailable', `tls: cannot make the host certificate in ${dir}: ${why}`);
    }
    fs.chmodSync(keyFile, 0o600);
    created = true;
  }
  const cert = fs.readFileSync(certFile, 'utf8');
  const key = fs.readFileSync(keyFile, 'utf8');
  let fingerprint256: string;
  try {
    fingerprint256 = new X509Certificate(cert).fingerprint256;
  } catch (err) {
    throw new VmdeskError('unavailable', `tls: ${certFile} is not a PEM certificate (${(err as Error).message}); delete it and ${keyFile} to make new ones`);
  }
  return { cert, key, fingerprint256, certFile, created };
}
