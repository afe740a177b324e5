; Multiboot test guests that end badly, picked by the first byte of the command line:
;   't' triple-faults (INT3 with an empty IDT), 'l' loops forever, 'r' resets via the i8042.
BITS 32
ORG 0x100000
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010004           ; bit 2: we want the command line; bit 16: a.out kludge
header:
  dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
  dd header, header, end, end, start
start:
  mov esi, [ebx + 16]             ; multiboot_info.cmdline
  mov al, [esi]
  cmp al, 't'
  je triple
  cmp al, 'r'
  je reset
forever:
  jmp forever
triple:
  lidt [empty_idt]
  int3
reset:
  mov al, 0xFE
  out 0x64, al
  jmp forever
empty_idt:
  dw 0
  dd 0
end:
