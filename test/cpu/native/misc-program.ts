// Differential program for the remaining integer instructions: addressing forms (SIB with
// every scale, negative displacements, 16-bit operands on memory), ENTER/LEAVE, PUSHA/POPA,
// CALL/RET imm16, LOOP/LOOPE/JECXZ, XLAT, XCHG, BT* on memory bit strings with negative
// offsets, MOVSX/MOVZX and rotates on memory, CWD/CDQ, LEA arithmetic, PUSHF/POPF
// round trips. After each block `dump` stores EAX..EDI, the arithmetic flags and 64 bytes.

export const MISC_SOURCE = String.raw`
BITS 32
section .bss
alignb 16
area: resb 4096
out: resb 65536
section .text
global _start
dump:                  ; 8 regs + flags + area[0..63] = 100 bytes
  pushfd
  mov [ebp], eax
  mov [ebp+4], ecx
  mov [ebp+8], edx
  mov [ebp+12], ebx
  lea eax, [esp+8]
  sub eax, [stack0]
  mov [ebp+16], eax    ; ESP relative to the start (native and emulated stacks differ)
  mov eax, [esp+4]
  mov [ebp+20], esi
  mov [ebp+24], edi
  mov eax, [esp]
  and eax, 0x8d5
  mov [ebp+28], eax
  mov eax, [ebp]
  push ecx
  xor ecx, ecx
.c: mov eax, [area+ecx]
  mov [ebp+32+ecx], eax
  add ecx, 4
  cmp ecx, 64
  jb .c
  pop ecx
  mov eax, [ebp]
  add ebp, 96
  popfd
  ret
fill:
  xor eax, eax
.f: mov edx, eax
  imul edx, edx, 0x9e3779b1
  mov [area+eax*4], edx
  inc eax
  cmp eax, 1024
  jb .f
  ret
sub_ret8:
  mov eax, [esp+4]
  add eax, [esp+8]
  ret 8
_start:
  mov [stack0], esp
  mov ebp, out
  call fill
  ; addressing forms
  mov ebx, area+64
  mov esi, 3
  mov eax, [ebx+esi*4-8]
  mov ecx, [ebx+esi*2+1]
  mov edx, [ebx*1+esi*8-64]
  lea edi, [ebx+esi*8+0x12345]
  call dump
  mov esi, area
  add dword [esi+4*4], 0x11111111
  sub word [esi+6], 0x1234
  xor byte [esi+7], 0xff
  rol dword [esi+8], 7
  rcr word [esi+12], 3
  sar byte [esi+14], 2
  movsx eax, byte [esi+7]
  movzx ecx, word [esi+6]
  movsx edx, word [esi+12]
  cmp eax, ecx           ; shifts leave AF undefined: end the block on defined flags
  call dump
  ; stack frame instructions
  call fill
  mov ebp, ebp
  push ebp
  mov ebp, esp
  enter 32, 0
  mov dword [ebp-4], 0xaaaa
  mov eax, [ebp-4]
  mov ebx, esp
  sub ebx, ebp
  leave
  pop ebp
  call dump
  mov eax, 1
  mov ecx, 2
  mov edx, 3
  mov ebx, 4
  mov esi, 5
  mov edi, 6
  pushad
  mov eax, [esp+12]     ; the pushed ESP
  sub eax, esp
  mov [area], eax
  xor eax, eax
  xor ecx, ecx
  popad
  call dump
  push dword 7
  push dword 9
  call sub_ret8
  call dump
  ; loops
  xor eax, eax
  mov ecx, 10
.l1: add eax, ecx
  loop .l1
  mov ecx, 8
  mov ebx, 0
.l2: inc ebx
  cmp ebx, 5
  loopne .l2
  mov edx, ecx
  xor ecx, ecx
  mov esi, 1
  jecxz .z
  mov esi, 2
.z: call dump
  ; xlat, xchg, cwd/cdq, bt on memory with register offsets (also negative)
  call fill
  mov ebx, area
  mov al, 77
  xlatb
  mov ecx, 0x12345678
  xchg ecx, [area+8]
  mov edx, 0x55
  xchg dl, [area+3]
  mov eax, -1000
  cdq
  mov esi, edx
  call dump
  mov ebx, 100
  bts [area+64], ebx
  setc al
  mov ebx, -5
  btr [area+64], ebx
  setc cl
  mov ebx, 1000
  btc dword [area+64], ebx
  setc dl
  bt word [area+64], 3
  setc ah
  cmp eax, ecx           ; BT leaves OF SF AF PF undefined
  call dump
  ; flags round trip through the stack
  mov eax, 0x8d5
  push eax
  popfd
  pushfd
  pop ebx
  and ebx, 0x8d5
  xor eax, eax
  add eax, 1
  pushfd
  pop ecx
  and ecx, 0x8d5
  stc
  cmc
  setc dl
  std
  pushfd
  pop esi
  cld
  and esi, 0x400
  call dump
  ; operand-size prefixes on memory forms
  mov word [area+0x10], 0xbeef
  mov ax, [area+0x10]
  inc word [area+0x10]
  mov cx, [area+0x10]
  mov dx, 0x8000
  add [area+0x12], dx
  movzx edi, word [area+0x12]
  neg ax
  call dump
  mov eax, 4
  mov ebx, 1
  mov ecx, out
  mov edx, ebp
  sub edx, out
  int 0x80
  mov eax, 1
  xor ebx, ebx
  int 0x80
section .data
stack0: dd 0
`;
