// The string-instruction differential program: MOVS/STOS/LODS/CMPS/SCAS with REP,
// REPE/REPNE, both directions, all widths, overlapping copies, a zero count, and a
// page-crossing copy. After each case the registers, the arithmetic flags and a 512-byte
// window of the destination are dumped (with plain MOVs, not the instructions under test).

export const STRING_SOURCE = String.raw`
BITS 32
section .bss
alignb 4096
buf: resb 16384
out: resb 1<<20
section .text
global _start
; dump: store EAX ECX EDX EBX ESI-buf EDI-buf EFLAGS&0x8d5|DF, then buf[0..511]
dump:
  pushfd
  push eax
  mov [ebp], eax
  mov [ebp+4], ecx
  mov [ebp+8], edx
  mov [ebp+12], ebx
  mov eax, esi
  sub eax, buf
  mov [ebp+16], eax
  mov eax, edi
  sub eax, buf
  mov [ebp+20], eax
  mov eax, [esp+4]
  and eax, 0xcd5
  mov [ebp+24], eax
  add ebp, 28
  xor eax, eax
.l: mov edx, [buf+eax]
  mov [ebp+eax], edx
  add eax, 4
  cmp eax, 512
  jb .l
  add ebp, 512
  pop eax
  popfd
  ret
fill:            ; buf[i] = i*7+3 for 16 KiB
  xor eax, eax
.f: mov edx, eax
  imul edx, edx, 7
  add edx, 3
  mov [buf+eax], dl
  inc eax
  cmp eax, 16384
  jb .f
  ret
_start:
  mov ebp, out
  call fill
  cld
  mov esi, buf+16
  mov edi, buf+24        ; overlapping forward copy
  mov ecx, 100
  rep movsb
  call dump
  call fill
  std
  mov esi, buf+200
  mov edi, buf+220
  mov ecx, 30
  rep movsd              ; backward dwords
  call dump
  cld
  call fill
  mov esi, buf+1
  mov edi, buf+301
  mov ecx, 77
  rep movsw              ; odd alignment words
  call dump
  call fill
  mov eax, 0x11223344
  mov edi, buf+3
  mov ecx, 50
  rep stosd
  mov ax, 0xbeef
  mov ecx, 9
  rep stosw
  mov ecx, 0             ; zero count: nothing happens
  rep stosb
  call dump
  call fill
  mov esi, buf+100
  mov ecx, 5
.lods: lodsb
  add bl, al
  loop .lods
  call dump
  call fill
  mov esi, buf
  mov edi, buf+8192      ; equal prefix then a difference
  mov ecx, 64
  rep movsb
  mov byte [buf+8192+40], 0
  mov esi, buf
  mov edi, buf+8192
  mov ecx, 64
  repe cmpsb
  call dump
  mov esi, buf
  mov edi, buf+8192
  mov ecx, 30
  repe cmpsb             ; runs out of count while equal
  call dump
  mov esi, buf
  mov edi, buf+8192
  mov ecx, 16
  repne cmpsd
  call dump
  call fill
  mov edi, buf
  mov al, [buf+333]
  mov ecx, 1000
  repne scasb            ; finds the byte
  call dump
  mov edi, buf+10
  mov eax, [buf+10]
  mov ecx, 100
  repe scasd             ; stops at first different dword
  call dump
  std
  mov edi, buf+500
  mov al, 3
  mov ecx, 600
  repne scasb            ; backward search
  call dump
  cld
  call fill
  mov esi, buf+4000      ; copy across the page boundary at buf+4096
  mov edi, buf+100
  mov ecx, 300
  rep movsb
  mov esi, buf
  mov edi, buf+4090
  mov ecx, 5
  rep movsd
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
`;
