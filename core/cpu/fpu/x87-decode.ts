// Classification of ESC (D8..DF) encodings for the integer core's decoder: which ones are
// reserved (#UD on a Pentium II: FISTTP is SSE3) and which are the no-wait control
// instructions that skip the pending-#MF check (SDM vol. 1 §8.3.11... §8.6).

export const EscapeKind = {
  /** A waiting instruction: #MF first if FSW.ES is set (and CR0.NE). */
  Wait: 0,
  /** FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE (and FNENI/FNDISI/FNSETPM): no #MF check. */
  NoWait: 1,
  /** Reserved encoding: #UD. */
  Invalid: 2,
} as const;
export type EscapeKind = (typeof EscapeKind)[keyof typeof EscapeKind];

export function escapeKind(opcode: number, modrm: number): EscapeKind {
  const op = opcode & 7;
  const reg = (modrm >> 3) & 7;
  if (modrm < 0xc0) {
    switch (op) {
      case 1:
        if (reg === 1) return EscapeKind.Invalid;
        return reg === 6 || reg === 7 ? EscapeKind.NoWait : EscapeKind.Wait;
      case 3:
        return reg === 1 || reg === 4 || reg === 6 ? EscapeKind.Invalid : EscapeKind.Wait;
      case 5:
        if (reg === 1 || reg === 5) return EscapeKind.Invalid;
        return reg === 6 || reg === 7 ? EscapeKind.NoWait : EscapeKind.Wait;
      case 7:
        return reg === 1 ? EscapeKind.Invalid : EscapeKind.Wait;
      default:
        return EscapeKind.Wait;
    }
  }
  switch (op) {
    case 1:
      if (reg === 2) return modrm === 0xd0 ? EscapeKind.Wait : EscapeKind.Invalid;
      if (reg === 4) return (modrm & 7) === 2 || (modrm & 7) === 3 || (modrm & 7) >= 6 ? EscapeKind.Invalid : EscapeKind.Wait;
      if (reg === 5) return modrm === 0xef ? EscapeKind.Invalid : EscapeKind.Wait;
      return EscapeKind.Wait;
    case 2:
      if (reg <= 3) return EscapeKind.Wait;
      return modrm === 0xe9 ? EscapeKind.Wait : EscapeKind.Invalid;
    case 3:
      if (reg <= 3 || reg === 5 || reg === 6) return EscapeKind.Wait;
      if (reg === 4) return modrm <= 0xe4 ? EscapeKind.NoWait : EscapeKind.Invalid;
      return EscapeKind.Invalid;
    case 5:
      return reg >= 6 ? EscapeKind.Invalid : EscapeKind.Wait;
    case 6:
      if (reg === 3) return modrm === 0xd9 ? EscapeKind.Wait : EscapeKind.Invalid;
      return EscapeKind.Wait;
    case 7:
      if (reg === 4) return modrm === 0xe0 ? EscapeKind.NoWait : EscapeKind.Invalid;
      return reg === 7 ? EscapeKind.Invalid : EscapeKind.Wait;
    default:
      return EscapeKind.Wait;
  }
}
