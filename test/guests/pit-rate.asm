; PIT rate: channel 0 at ~100 Hz on IRQ0 and channel 2 through port 0x61, each timed with
; the ACPI PM timer. The PM timer runs at exactly 3x the PIT's 1.193182 MHz input clock, so a
; PIT count of N lasts 3N PM ticks (8254 datasheet; ACPI §4.8.3.3).
%define GUEST_NAME "pit-rate"
%include "lib/guest.inc"

DIVISOR equ 11932                   ; 100.0 Hz
PERIODS equ 20

test_main:
    call pic_init
    SET_HANDLER 0x20, pit_irq
    SET_HANDLER 0x27, ignore_vector
    mov ax, DIVISOR
    call pit_periodic
    mov cl, 0
    call pic_unmask

    ; Sync to a tick edge, then time PERIODS more ticks.
    mov ebx, pit_ticks
    mov ecx, 1
    mov edx, PM_HZ                  ; 1 s timeout
    call wait_count
    mov eax, 0
    adc eax, 0
    cmp eax, 0
    CHECK e, "first IRQ0 within 1 s"
    mov eax, [pit_ticks]
    add eax, PERIODS
    mov ecx, eax
    mov ebx, pit_ticks
    mov edx, PM_HZ
    call wait_count
    ; expect PERIODS * DIVISOR * 3 = 715920 PM ticks, allow 5%
    CHECK_RANGE 680124, 751716, "PM ticks for 20 IRQ0 periods at divisor 11932"

    ; Latched count reads go down and stay below the divisor (counter latch command, 8254 §6).
    mov al, 0x00
    out 0x43, al
    in al, 0x40
    mov ah, al
    in al, 0x40
    xchg al, ah
    movzx ebx, ax
    mov ecx, 3000
    call wait_pm                    ; ~0.84 ms = ~1000 PIT clocks
    mov al, 0x00
    out 0x43, al
    in al, 0x40
    mov ah, al
    in al, 0x40
    xchg al, ah
    movzx eax, ax
    cmp eax, DIVISOR
    CHECK b, "latched channel 0 count below the divisor"

    mov cl, 0
    call pic_mask
    call pit_stop

    ; Channel 2, mode 0 (interrupt on terminal count), gate on through port 0x61 bit 0;
    ; OUT2 shows in bit 5. Count 0xFFFF lasts 65535 * 3 = 196605 PM ticks.
    in al, 0x61
    and al, 0xFC                    ; gate off, speaker off
    out 0x61, al
    mov al, 0xB0                    ; channel 2, lo/hi, mode 0
    out 0x43, al
    mov al, 0xFF
    out 0x42, al
    out 0x42, al
    in al, 0x61
    test al, 0x20
    mov eax, 0
    setz al
    cmp eax, 1
    CHECK e, "OUT2 low after a mode 0 count is loaded"
    in al, 0x61
    or al, 0x01                     ; gate on: counting starts
    out 0x61, al
    call pm_read
    mov ebx, eax
    mov ecx, 0x1000000
.poll:
    in al, 0x61
    test al, 0x20
    jnz .high
    dec ecx
    jnz .poll
.high:
    call pm_since
    CHECK_RANGE 186775, 206435, "PM ticks until channel 2 OUT goes high for count 65535"
    in al, 0x61
    and al, 0xFC
    out 0x61, al
    ret

pit_irq:
    inc dword [pit_ticks]
    call pic_eoi_master
    ret

pit_ticks: dd 0

%include "lib/guest-end.inc"
