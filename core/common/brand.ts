// Branded numbers keep address spaces apart (STYLE.md habit 8): a guest physical
// address is not a sector number is not an I/O port, even though all are numbers.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Guest physical address. */
export type Gpa = Brand<number, 'Gpa'>;
/** Guest linear (post-segmentation, pre-paging) address. */
export type Gla = Brand<number, 'Gla'>;
/** Logical block address: a 512-byte sector number. */
export type Lba = Brand<number, 'Lba'>;
/** x86 I/O port number, 0..0xFFFF. */
export type Port = Brand<number, 'Port'>;

export const gpa = (n: number): Gpa => n as Gpa;
export const gla = (n: number): Gla => n as Gla;
export const lba = (n: number): Lba => n as Lba;
export function port(n: number): Port {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`port ${n} is outside 0..0xFFFF`);
  return n as Port;
}
