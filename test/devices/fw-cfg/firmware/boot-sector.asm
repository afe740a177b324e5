; A boot sector for the firmware tests: prints a line through INT 10h (and SeaBIOS's debug
; port 0x402), reads sector LBA of the boot drive with INT 13h AH=42h to 0x8000 and prints
; the NUL-terminated text found at 0x8000+OFF, then halts. Build: nasm -DLBA=n -DOFF=n.
bits 16
org 0x7c00
start:
  xor ax, ax
  mov ds, ax
  mov [drive], dl
  mov si, msg
  call print
  mov ah, 0x42
  mov dl, [drive]
  mov si, dap
  int 0x13
  jc .fail
  mov si, 0x8000 + OFF
  call print
  jmp .halt
.fail:
  mov si, failed
  call print
.halt:
  cli
  hlt
  jmp .halt
print:
  lodsb
  or al, al
  jz .ret
  mov dx, 0x402
  out dx, al
  mov ah, 0x0e
  mov bx, 0x0007
  int 0x10
  jmp print
.ret:
  ret
drive: db 0
dap: db 16, 0
     dw 1
     dw 0x8000, 0
     dq LBA
msg: db "BOOT SECTOR RUNNING", 13, 10, 0
failed: db "INT13 READ FAILED", 13, 10, 0
times 510-($-$$) db 0
dw 0xaa55
