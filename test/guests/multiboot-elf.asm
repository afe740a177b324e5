; Multiboot ELF guest: the same boot path as the flat guests, but an ELF32 executable (nasm
; -f elf32, linked by ld at 1 MiB with its data at 1.5 MiB) whose header has no address
; fields, so the loader must read the program headers. Reports the boot information it got.
; ld: -n -e _start --section-start=.multiboot=0x100000 -Ttext=0x100010 -Tdata=0x180000
bits 32

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00000003             ; page-align modules, memory info; no a.out kludge
COM1     equ 0x3F8

section .multiboot
align 4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .text
global _start
_start:
    cli
    mov esp, stack_top
    xor ebp, ebp                    ; fail count
    cmp eax, 0x2BADB002
    mov esi, msg_magic
    call check_e
    mov eax, [ebx]                  ; info flags: memory (0), cmdline (2), mmap (6)
    and eax, 0x45
    cmp eax, 0x45
    mov esi, msg_flags
    call check_e
    mov eax, [ebx + 4]              ; mem_lower in KiB
    cmp eax, 639
    mov esi, msg_lower
    call check_e
    mov eax, [pattern]              ; .data, loaded at its own physical address
    cmp eax, 0x600DF00D
    mov esi, msg_data
    call check_e
    mov eax, [zeroed]               ; .bss must read as zero
    cmp eax, 0
    mov esi, msg_bss
    call check_e
    mov esi, msg_done
    call puts
    mov eax, ebp
    mov dx, 0x501
    out dx, al
.halt:
    hlt
    jmp .halt

check_e:                            ; ZF from the caller's compare; esi = what
    push esi
    mov esi, msg_pass
    jz .ok
    mov esi, msg_fail
    inc ebp
.ok:
    call puts
    pop esi
    call puts
    mov al, 10
    call putc
    ret

puts:
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

putc:
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    ret

section .data
pattern:   dd 0x600DF00D
msg_pass:  db "PASS multiboot-elf: ", 0
msg_fail:  db "FAIL multiboot-elf: ", 0
msg_magic: db "multiboot magic in EAX", 0
msg_flags: db "info has memory, cmdline and mmap", 0
msg_lower: db "mem_lower is 639 KiB", 0
msg_data:  db "data segment loaded at its physical address", 0
msg_bss:   db "bss is zero", 0
msg_done:  db "DONE multiboot-elf", 10, 0

section .bss
alignb 16
zeroed:    resd 1
stack:     resb 4096
stack_top:
