// X11 keysyms (keysymdef.h) to PS/2 scan code set 2 make codes for a US keyboard
// (IBM PS/2 Technical Reference, keyboard "Scan Code Set 2"; 0xE0 marks the extended keys).
// Break codes and the set 1 translation are the keyboard's and the i8042's business.
// `shift` says whether the character needs Shift on a US layout (true), must be typed
// without it (false), or does not care (undefined: non-character keys, keypad).

import { SET2_TO_SET1 } from '../../devices/i8042';

export interface KeyCode {
  readonly set2: readonly number[];
  readonly shift?: boolean;
}

/** Keys without a simple make code (IBM: Print Screen and Pause are sequences). */
export type SpecialKey = 'print-screen' | 'pause';

const table = new Map<number, KeyCode>();
const special = new Map<number, SpecialKey>();

function key(keysym: number, set2: readonly number[], shift?: boolean): void {
  table.set(keysym, shift === undefined ? { set2 } : { set2, shift });
}

/** The characters of one key cap, unshifted and shifted. */
function cap(plain: string, shifted: string, code: number): void {
  key(plain.charCodeAt(0), [code], false);
  key(shifted.charCodeAt(0), [code], true);
}

// Letters (keysyms 'a'..'z' = 0x61.., 'A'..'Z' = 0x41..).
const LETTERS: Record<string, number> = {
  a: 0x1c, b: 0x32, c: 0x21, d: 0x23, e: 0x24, f: 0x2b, g: 0x34, h: 0x33, i: 0x43, j: 0x3b, k: 0x42, l: 0x4b, m: 0x3a,
  n: 0x31, o: 0x44, p: 0x4d, q: 0x15, r: 0x2d, s: 0x1b, t: 0x2c, u: 0x3c, v: 0x2a, w: 0x1d, x: 0x22, y: 0x35, z: 0x1a,
};
for (const [letter, code] of Object.entries(LETTERS)) cap(letter, letter.toUpperCase(), code);

// The digit row and punctuation.
cap('1', '!', 0x16);
cap('2', '@', 0x1e);
cap('3', '#', 0x26);
cap('4', '$', 0x25);
cap('5', '%', 0x2e);
cap('6', '^', 0x36);
cap('7', '&', 0x3d);
cap('8', '*', 0x3e);
cap('9', '(', 0x46);
cap('0', ')', 0x45);
cap('`', '~', 0x0e);
cap('-', '_', 0x4e);
cap('=', '+', 0x55);
cap('[', '{', 0x54);
cap(']', '}', 0x5b);
cap('\\', '|', 0x5d);
cap(';', ':', 0x4c);
cap("'", '"', 0x52);
cap(',', '<', 0x41);
cap('.', '>', 0x49);
cap('/', '?', 0x4a);
key(0x20, [0x29]); // space

// Editing and control keys (0xFFxx).
key(0xff08, [0x66]); // BackSpace
key(0xff09, [0x0d]); // Tab
key(0xfe20, [0x0d], true); // ISO_Left_Tab (Shift-Tab)
key(0xff0d, [0x5a]); // Return
key(0xff1b, [0x76]); // Escape
key(0xff14, [0x7e]); // Scroll_Lock
key(0xffe5, [0x58]); // Caps_Lock
key(0xff7f, [0x77]); // Num_Lock

// Modifiers.
export const SHIFT_L = 0xffe1;
export const SHIFT_R = 0xffe2;
key(SHIFT_L, [0x12]);
key(SHIFT_R, [0x59]);
key(0xffe3, [0x14]); // Control_L
key(0xffe4, [0xe0, 0x14]); // Control_R
key(0xffe9, [0x11]); // Alt_L
key(0xffea, [0xe0, 0x11]); // Alt_R
key(0xfe03, [0xe0, 0x11]); // ISO_Level3_Shift (AltGr)
key(0xffe7, [0xe0, 0x1f]); // Meta_L → left GUI
key(0xffe8, [0xe0, 0x27]); // Meta_R → right GUI
key(0xffeb, [0xe0, 0x1f]); // Super_L
key(0xffec, [0xe0, 0x27]); // Super_R
key(0xff67, [0xe0, 0x2f]); // Menu (Apps)

// The navigation block (extended codes).
key(0xff63, [0xe0, 0x70]); // Insert
key(0xffff, [0xe0, 0x71]); // Delete
key(0xff50, [0xe0, 0x6c]); // Home
key(0xff57, [0xe0, 0x69]); // End
key(0xff55, [0xe0, 0x7d]); // Prior (Page Up)
key(0xff56, [0xe0, 0x7a]); // Next (Page Down)
key(0xff51, [0xe0, 0x6b]); // Left
key(0xff52, [0xe0, 0x75]); // Up
key(0xff53, [0xe0, 0x74]); // Right
key(0xff54, [0xe0, 0x72]); // Down

// Function keys F1..F12 (0xFFBE..0xFFC9).
const FUNCTION = [0x05, 0x06, 0x04, 0x0c, 0x03, 0x0b, 0x83, 0x0a, 0x01, 0x09, 0x78, 0x07];
FUNCTION.forEach((code, i) => key(0xffbe + i, [code]));

// The keypad: digits (0xFFB0..) and their NumLock-off names share a key.
const KEYPAD_DIGITS = [0x70, 0x69, 0x72, 0x7a, 0x6b, 0x73, 0x74, 0x6c, 0x75, 0x7d];
KEYPAD_DIGITS.forEach((code, i) => key(0xffb0 + i, [code]));
key(0xff9e, [0x70]); // KP_Insert
key(0xff9c, [0x69]); // KP_End
key(0xff99, [0x72]); // KP_Down
key(0xff9b, [0x7a]); // KP_Next
key(0xff96, [0x6b]); // KP_Left
key(0xff9d, [0x73]); // KP_Begin
key(0xff98, [0x74]); // KP_Right
key(0xff95, [0x6c]); // KP_Home
key(0xff97, [0x75]); // KP_Up
key(0xff9a, [0x7d]); // KP_Prior
key(0xffae, [0x71]); // KP_Decimal
key(0xff9f, [0x71]); // KP_Delete
key(0xffac, [0x71]); // KP_Separator
key(0xffaa, [0x7c]); // KP_Multiply
key(0xffad, [0x7b]); // KP_Subtract
key(0xffab, [0x79]); // KP_Add
key(0xffaf, [0xe0, 0x4a]); // KP_Divide
key(0xff8d, [0xe0, 0x5a]); // KP_Enter

special.set(0xff61, 'print-screen'); // Print
special.set(0xff15, 'print-screen'); // Sys_Req
special.set(0xff13, 'pause'); // Pause
special.set(0xff6b, 'pause'); // Break

/** XT (set 1) make codes, as QEMU's extended key events number them, to set 2 make codes. */
const xtTable = new Map<number, readonly number[]>();
{
  const add = (set2: readonly number[]): void => {
    const last = set2[set2.length - 1]!;
    const s1 = SET2_TO_SET1[last]!;
    xtTable.set(set2.length === 2 && set2[0] === 0xe0 ? 0x80 | s1 : s1, set2);
  };
  for (const code of table.values()) add(code.set2);
  add([0x61]); // the ISO key between left Shift and Z (102nd key)
  // The GUI and Menu keys (E0 5B, E0 5C, E0 5D in set 1).
  xtTable.set(0xdb, [0xe0, 0x1f]);
  xtTable.set(0xdc, [0xe0, 0x27]);
  xtTable.set(0xdd, [0xe0, 0x2f]);
}

/** The set 2 make code of an XT key code, or undefined for codes this keyboard lacks. */
export function set2OfXtCode(xt: number): readonly number[] | undefined {
  return xtTable.get(xt);
}

/** The key for a keysym, or undefined when a US PS/2 keyboard has none. */
export function keyCodeOf(keysym: number): KeyCode | undefined {
  return table.get(keysym);
}

export function specialKeyOf(keysym: number): SpecialKey | undefined {
  return special.get(keysym);
}
