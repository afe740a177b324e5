// Debian's Chromium driven by playwright-core, with the flags this closed network needs
// (env notes: background networking otherwise floods refused connections).
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.VMDESK_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
