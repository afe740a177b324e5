; PIC masking: the 8259A pair's IMR reads back; a masked IRQ0 is held in IRR and not
; delivered, and arrives once unmasked; without an EOI the in-service bit blocks further
; IRQ0s until the EOI; masking the slave stops IRQ8 (the RTC's periodic interrupt).
%define GUEST_NAME "pic-masking"
%include "lib/guest.inc"

test_main:
    call pic_init
    SET_HANDLER 0x20, pit_irq
    SET_HANDLER 0x28, rtc_irq
    SET_HANDLER 0x27, ignore_vector
    SET_HANDLER 0x2F, ignore_vector

    ; OCW1 reads back from the data ports.
    mov al, 0xA5
    out 0x21, al
    mov al, 0x5A
    out 0xA1, al
    in al, 0x21
    mov ah, al
    in al, 0xA1
    movzx eax, ax
    cmp eax, 0xA55A
    CHECK e, "IMR of master and slave read back (0xA55A)"
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al

    ; IRQ0 masked: PIT at 1 kHz for 30 ms, nothing delivered, IRR bit 0 set.
    mov ax, 1193
    call pit_periodic
    mov ecx, PM_HZ / 33
    sti
    call wait_pm
    cli
    mov eax, [pit_ticks]
    cmp eax, 0
    CHECK e, "no IRQ0 delivered while masked"
    mov al, 0x0A                    ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    and eax, 1
    cmp eax, 1
    CHECK e, "IRR bit 0 pending while masked"

    ; Unmask (cascade stays open): the pending request arrives, then 1 kHz ticks follow.
    mov al, 0xFA
    out 0x21, al
    mov ebx, pit_ticks
    mov ecx, 30
    mov edx, PM_HZ / 10
    call wait_count
    ; 30 ticks from unmasking: the first at once, 29 more at 1 ms = 103800 PM ticks, +-10%
    CHECK_RANGE 93420, 114180, "PM ticks for 30 IRQ0 after unmasking at 1 kHz"

    ; No EOI: the handler leaves ISR bit 0 set, so IRQ0 stops after one delivery.
    mov byte [send_eoi], 0
    mov dword [pit_ticks], 0
    mov ecx, PM_HZ / 50
    sti
    call wait_pm
    cli
    mov eax, [pit_ticks]
    cmp eax, 1
    CHECK e, "exactly one IRQ0 in 20 ms without an EOI"
    mov al, 0x0B                    ; OCW3: read ISR
    out 0x20, al
    in al, 0x20
    and eax, 1
    cmp eax, 1
    CHECK e, "ISR bit 0 set while the EOI is owed"
    mov byte [send_eoi], 1
    call pic_eoi_master
    mov ebx, pit_ticks
    mov ecx, 5
    mov edx, PM_HZ / 10
    call wait_count
    mov eax, [pit_ticks]
    CHECK_RANGE 5, 1000, "IRQ0 resumes after the EOI"
    mov al, 0xFF
    out 0x21, al
    call pit_stop

    ; Slave masking: RTC periodic interrupt at 1024 Hz on IRQ8.
    mov al, 0x8A                    ; register A (NMI off while programming)
    out 0x70, al
    in al, 0x71
    and al, 0xF0
    or al, 0x06
    mov ah, al
    mov al, 0x8A
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0x8B
    out 0x70, al
    in al, 0x71
    or al, 0x40                     ; PIE
    mov ah, al
    mov al, 0x8B
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    mov al, 0xFB                    ; master: cascade open; slave: all masked
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    mov ecx, PM_HZ / 50
    sti
    call wait_pm
    cli
    mov eax, [rtc_ticks]
    cmp eax, 0
    CHECK e, "no IRQ8 while the slave masks it"
    mov al, 0xFE                    ; unmask IRQ8
    out 0xA1, al
    mov ebx, rtc_ticks
    mov ecx, 10
    mov edx, PM_HZ / 10
    call wait_count
    mov eax, [rtc_ticks]
    CHECK_RANGE 10, 1000, "IRQ8 arrives once the slave unmasks it"
    mov al, 0xFF
    out 0xA1, al
    mov al, 0x8B
    out 0x70, al
    in al, 0x71
    and al, ~0x40
    mov ah, al
    mov al, 0x0B
    out 0x70, al
    mov al, ah
    out 0x71, al
    ret

pit_irq:
    inc dword [pit_ticks]
    cmp byte [send_eoi], 0
    je .no
    call pic_eoi_master
.no:
    ret

rtc_irq:
    inc dword [rtc_ticks]
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    call pic_eoi_slave
    ret

send_eoi:  db 1
align 4
pit_ticks: dd 0
rtc_ticks: dd 0

%include "lib/guest-end.inc"
