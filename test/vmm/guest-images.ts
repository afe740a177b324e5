// Test helper: the Debian guest images, fetched once by build/guest/fetch.ts if missing.
import { readFileSync } from 'node:fs';
import { type GuestImages, ensureGuestImages } from '../../build/guest/fetch';

/** A first run downloads ~55 MB from Debian and unpacks it: give hooks that long. */
export const GUEST_FETCH_TIMEOUT = 300_000;

let images: GuestImages | undefined;

export function guestImages(): GuestImages {
  images ??= ensureGuestImages();
  return images;
}

export function readGuestKernel(): Uint8Array {
  return new Uint8Array(readFileSync(guestImages().kernel));
}

export function readGuestInitrd(): Uint8Array {
  return new Uint8Array(readFileSync(guestImages().initrd));
}
