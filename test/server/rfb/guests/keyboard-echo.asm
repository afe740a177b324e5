; A Multiboot v1 test guest (flat binary, a.out kludge) for the graphical console: prints
; "ready" on COM1, then polls the i8042 and prints every byte it reads from port 0x60 as two
; hex digits and a space (set 1, the controller translating as after reset). When it reads
; 0x81 (Escape released) it prints a newline and leaves through the debug-exit port
; with 0 (vmdesk run exits 1).
BITS 32
ORG 0x100000

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000
COM1     equ 0x3F8

header:
  dd MB_MAGIC
  dd MB_FLAGS
  dd -(MB_MAGIC + MB_FLAGS)
  dd header, header, end, end, start

start:
  mov esp, 0x90000
  mov esi, ready
  call puts
.poll:
  in al, 0x64
  test al, 1                      ; output buffer full
  jz .poll
  in al, 0x60
  mov bl, al
  shr al, 4
  call hexdigit
  mov al, bl
  and al, 15
  call hexdigit
  mov al, ' '
  call putc
  cmp bl, 0x81
  jne .poll
  mov al, 10
  call putc
  mov dx, 0x501                   ; debug exit: vmdesk run exits with (0 << 1) | 1 = 1
  mov al, 0
  out dx, al
  jmp $

hexdigit:
  add al, '0'
  cmp al, '9'
  jbe putc
  add al, 'a' - '9' - 1
putc:
  push edx
  push eax
  mov dx, COM1 + 5
.wait:
  in al, dx
  test al, 0x20                   ; transmit holding register empty
  jz .wait
  pop eax
  mov dx, COM1
  out dx, al
  pop edx
  ret

puts:
  lodsb
  test al, al
  jz .done
  call putc
  jmp puts
.done:
  ret

ready: db "ready", 10, 0
end:
