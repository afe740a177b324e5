; APIC timer: CPUID and IA32_APIC_BASE show a local APIC at 0xFEE00000; the timer counts
; down; periodic mode at a 1 ms period (calibrated against the PM timer) gives 100 interrupts
; in 100 ms; one-shot fires once; a masked LVT fires never. Intel SDM vol. 3 §11.5.4.
%define GUEST_NAME "apic-timer"
%include "lib/guest.inc"

LAPIC      equ 0xFEE00000
APIC_ID    equ LAPIC + 0x20
APIC_VER   equ LAPIC + 0x30
APIC_TPR   equ LAPIC + 0x80
APIC_EOI   equ LAPIC + 0xB0
APIC_SVR   equ LAPIC + 0xF0
APIC_LVT_T equ LAPIC + 0x320
APIC_TICR  equ LAPIC + 0x380
APIC_TCCR  equ LAPIC + 0x390
APIC_TDCR  equ LAPIC + 0x3E0
VECTOR     equ 0x40

test_main:
    call pic_init
    mov al, 0xFF                    ; the 8259s stay silent
    out 0x21, al
    out 0xA1, al
    SET_HANDLER VECTOR, timer_irq
    SET_HANDLER 0xFF, ignore_vector

    mov eax, 1
    cpuid
    mov eax, edx
    shr eax, 9
    and eax, 1
    cmp eax, 1
    CHECK e, "CPUID.1:EDX.APIC set"
    mov ecx, 0x1B
    rdmsr
    and eax, 0xFFFFF900             ; base, global enable (bit 11), BSP (bit 8)
    cmp eax, 0xFEE00900
    CHECK e, "IA32_APIC_BASE = 0xFEE00000, enabled, BSP"
    mov eax, [APIC_ID]
    shr eax, 24
    cmp eax, 0
    CHECK e, "local APIC ID 0"
    mov eax, [APIC_VER]
    and eax, 0xFF
    CHECK_RANGE 0x10, 0x15, "local APIC version (integrated)"

    mov dword [APIC_TPR], 0
    mov dword [APIC_SVR], 0x1FF     ; software enable, spurious vector 0xFF
    mov dword [APIC_TDCR], 0x3      ; divide by 16
    mov dword [APIC_LVT_T], 0x10000 | VECTOR    ; masked, one-shot
    mov dword [APIC_TICR], 0xFFFFFFFF
    mov ecx, PM_HZ / 100
    call wait_pm
    mov eax, 0xFFFFFFFF
    sub eax, [APIC_TCCR]
    mov [per_10ms], eax
    CHECK_RANGE 1, 0xFFFFFFFE, "timer counts down in 10 ms (ticks)"
    mov dword [APIC_TICR], 0

    ; Periodic, 1 ms: initial count = ticks per 10 ms / 10.
    mov eax, [per_10ms]
    xor edx, edx
    mov ebx, 10
    div ebx
    test eax, eax
    jnz .nonzero
    inc eax
.nonzero:
    mov [per_1ms], eax
    mov dword [fired], 0
    mov dword [APIC_LVT_T], 0x20000 | VECTOR    ; periodic
    mov eax, [per_1ms]
    mov [APIC_TICR], eax
    mov ecx, PM_HZ / 10
    sti
    call wait_pm
    cli
    mov dword [APIC_LVT_T], 0x10000 | VECTOR
    mov dword [APIC_TICR], 0
    mov eax, [fired]
    CHECK_RANGE 90, 110, "periodic interrupts in 100 ms at a 1 ms period"

    ; One-shot, 10 ms: exactly one interrupt in 50 ms, and the count ends at 0.
    mov dword [fired], 0
    mov dword [APIC_LVT_T], VECTOR
    mov eax, [per_10ms]
    mov [APIC_TICR], eax
    mov ecx, PM_HZ / 20
    sti
    call wait_pm
    cli
    mov eax, [fired]
    cmp eax, 1
    CHECK e, "one-shot fires once"
    mov eax, [APIC_TCCR]
    cmp eax, 0
    CHECK e, "one-shot current count stops at 0"

    ; Masked periodic: counts, never interrupts.
    mov dword [fired], 0
    mov dword [APIC_LVT_T], 0x30000 | VECTOR
    mov eax, [per_1ms]
    mov [APIC_TICR], eax
    mov ecx, PM_HZ / 50
    sti
    call wait_pm
    cli
    mov dword [APIC_TICR], 0
    mov eax, [fired]
    cmp eax, 0
    CHECK e, "masked LVT timer delivers nothing"
    ret

timer_irq:
    inc dword [fired]
    mov dword [APIC_EOI], 0
    ret

align 4
per_10ms: dd 0
per_1ms:  dd 0
fired:    dd 0

%include "lib/guest-end.inc"
