; A Multiboot v1 test guest (flat binary, a.out kludge): prints a line on COM1, echoes one
; line of serial input back in upper case, then leaves through the debug-exit port with 0x15
; (vmdesk run exits with (0x15 << 1) | 1 = 43). With the command line "q" it leaves at once
; after the greeting; with "i" it idles instead, halted with interrupts enabled (no device
; is set up to interrupt it), as an idle guest waits for work.
BITS 32
ORG 0x100000

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000           ; bit 16: the load addresses below are valid
COM1     equ 0x3F8

header:
  dd MB_MAGIC
  dd MB_FLAGS
  dd -(MB_MAGIC + MB_FLAGS)
  dd header                       ; header_addr
  dd header                       ; load_addr
  dd end                          ; load_end_addr
  dd end                          ; bss_end_addr
  dd start                        ; entry_addr

start:
  mov esp, 0x90000
  mov esi, greeting
  call puts
  test dword [ebx], 4             ; multiboot_info.flags: is there a command line?
  jz .read
  mov esi, [ebx + 16]
  cmp byte [esi], 'q'
  je .leave
  cmp byte [esi], 'i'
  je .idle
.read:
  mov dx, COM1 + 5                ; LSR
.wait_rx:
  in al, dx
  test al, 1                      ; data ready
  jz .wait_rx
  mov dx, COM1
  in al, dx
  cmp al, 10
  je .done
  cmp al, 'a'
  jb .echo
  cmp al, 'z'
  ja .echo
  sub al, 32
.echo:
  call putc
  jmp .read
.done:
  mov al, 10
  call putc
.leave:
  mov dx, 0x501
  mov al, 0x15
  out dx, al
  hlt
.idle:
  sti
  hlt
  jmp .idle

puts:
  lodsb
  test al, al
  jz .ret
  call putc
  jmp puts
.ret:
  ret

putc:
  push eax
  mov dx, COM1 + 5
.wait_tx:
  in al, dx
  test al, 0x20                   ; THR empty
  jz .wait_tx
  pop eax
  mov dx, COM1
  out dx, al
  ret

greeting: db "hello from the guest", 10, 0
end:
