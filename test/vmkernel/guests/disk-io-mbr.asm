; A boot sector test guest (SeaBIOS loads it at 0:7C00 from the first hard disk, or from a
; CD as a no-emulation El Torito image). On COM1 it greets with "bootsect: from <dl>", then,
; when booted from the hard disk (DL = 80h), writes 64 sectors of a pattern (sector k is
; filled with the byte k + 1) at LBA 100 with INT 13h AH=43h, reads them back with AH=42h
; into another buffer, compares and prints "diskio: ok" or "diskio: mismatch". From a CD it
; prints "cdboot: ok". Then it idles (HLT with interrupts on) until the host powers it off,
; so the host's stats stream sees the I/O of a running VM.
BITS 16
ORG 0x7C00

COM1    equ 0x3F8
SECTORS equ 64
LBA     equ 100

start:
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7C00
  sti
  mov [drive], dl
  mov si, hello
  call puts
  mov al, [drive]
  call puthex
  mov si, crlf
  call puts
  cmp byte [drive], 0x80
  jne .cd

  ; the pattern at 1000:0000, sector k (0-based) filled with k + 1
  mov ax, 0x1000
  mov es, ax
  xor di, di
  mov bl, 1
.fill:
  mov al, bl
  mov cx, 512
  rep stosb
  inc bl
  cmp bl, SECTORS + 1
  jne .fill

  mov word [dap.segment], 0x1000
  mov ah, 0x43                    ; extended write (no verify)
  xor al, al
  call disk
  jc .fail
  mov word [dap.segment], 0x2000
  mov ah, 0x42                    ; extended read
  call disk
  jc .fail

  ; compare 1000:0 with 2000:0
  push ds
  mov ax, 0x1000
  mov ds, ax
  mov ax, 0x2000
  mov es, ax
  xor si, si
  xor di, di
  mov cx, SECTORS * 512 / 2
  cld
  repe cmpsw
  pop ds
  jne .mismatch
  mov si, ok
  call puts
  jmp off
.mismatch:
  mov si, mismatch
  call puts
  jmp off
.fail:
  mov si, failed
  call puts
  jmp off
.cd:
  mov si, cdok
  call puts
off:
  sti
  hlt
  jmp off

; INT 13h extended call AH with the DAP below on drive 80h
disk:
  mov word [dap.count], SECTORS
  mov si, dap
  mov dl, 0x80
  int 0x13
  ret

puts:                             ; DS:SI, NUL-terminated
  lodsb
  test al, al
  jz .done
  call putc
  jmp puts
.done:
  ret

putc:                             ; AL
  push dx
  push ax
  mov dx, COM1 + 5
.wait:
  in al, dx
  test al, 0x20                   ; THR empty
  jz .wait
  pop ax
  mov dx, COM1
  out dx, al
  pop dx
  ret

puthex:                           ; AL as two hex digits
  push ax
  shr al, 4
  call .digit
  pop ax
  and al, 15
.digit:
  add al, '0'
  cmp al, '9'
  jbe .out
  add al, 7
.out:
  jmp putc

align 4
dap:
  db 0x10, 0
.count:   dw SECTORS
.offset:  dw 0
.segment: dw 0x1000
.lba:     dq LBA

drive:    db 0
hello:    db 'bootsect: from ', 0
crlf:     db 13, 10, 0
ok:       db 'diskio: ok', 13, 10, 0
mismatch: db 'diskio: mismatch', 13, 10, 0
failed:   db 'diskio: INT 13h failed', 13, 10, 0
cdok:     db 'cdboot: ok', 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xAA55
