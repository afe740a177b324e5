// Bytes ↔ base64 for serial console data on the wire; works in Node and in the browser.

export function bytesToBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Throws a TypeError-free `null` on malformed input so callers can name the field. */
export function base64ToBytes(data: string): Uint8Array | null {
  let text: string;
  try {
    text = atob(data);
  } catch {
    return null;
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
