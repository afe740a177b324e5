; Local APIC timer (SDM vol. 3 §10.5.4). The APIC is software-enabled through the SVR; the
; timer runs at the 100 MHz bus clock through the divide configuration register.
; (1) With divide-by-16 the current count runs down at 6.25 MHz: 1.746 times the ACPI PM
;     timer's 3.579545 MHz, checked within 1% over sample pairs of ~28 ms.
; (2) Periodic mode with initial count 62500 raises 100 interrupts a second: over one
;     PM-timer second of HLT at most 103 and at least 40 (a host that falls behind loses
;     periods; guest time follows the host's).
; (3) One-shot mode raises exactly one interrupt and leaves the current count at 0.
; (4) A masked LVT entry delivers nothing while the count still runs.
%include "guest.inc"

main:
  mov eax, 0x40
  mov edx, on_periodic
  call set_gate
  mov eax, 0x41
  mov edx, on_oneshot
  call set_gate
  mov eax, 0xFF
  mov edx, on_spurious
  call set_gate
  mov dword [APIC_SVR], 0x1FF     ; software enable, spurious vector 0xFF
  mov dword [APIC_DIVIDE], 0x3    ; divide by 16

  ; (1) count rate against the PM timer, with the LVT masked
  mov dword [APIC_LVT_TIMER], 0x10041
  mov dword [APIC_INITIAL], 0xFFFFFFFF
  call pm_timer
  mov ebx, eax
  mov ecx, [APIC_CURRENT]
  mov eax, 100000                 ; ~28 ms
  call pm_wait
  call pm_timer
  mov edi, [APIC_CURRENT]
  sub eax, ebx
  and eax, 0xFFFFFF
  mov [dpm], eax
  sub ecx, edi
  mov [dapic], ecx
  mov eax, ecx
  mov edx, 4096
  mul edx
  div dword [dpm]                 ; APIC ticks per PM tick, times 4096 (expect 7151.7)
  mov [ratio], eax
  mov esi, msg_ratio
  call put_field
  cmp eax, 7080
  FAIL_IF b, "APIC timer counts slower than 6.25 MHz"
  cmp eax, 7224
  FAIL_IF a, "APIC timer counts faster than 6.25 MHz"
  mov dword [APIC_INITIAL], 6250  ; (4) a 1 ms count with the LVT still masked
  sti
  mov eax, PM_HZ / 50
  call pm_wait
  cli
  cmp dword [shots], 0
  FAIL_IF ne, "a masked timer LVT delivered an interrupt"
  cmp dword [APIC_CURRENT], 0
  FAIL_IF ne, "the masked timer's count did not run down"

  ; (2) periodic, 100 Hz
  mov dword [APIC_LVT_TIMER], 0x20040
  mov dword [APIC_INITIAL], 62500
  call pm_timer
  mov [pm0], eax
  sti
.sleep:
  hlt
  call pm_timer
  sub eax, [pm0]
  and eax, 0xFFFFFF
  cmp eax, PM_HZ
  jb .sleep
  cli
  mov dword [APIC_LVT_TIMER], 0x10040
  mov eax, [ticks]
  mov esi, msg_ticks
  call put_field
  cmp eax, 40
  FAIL_IF b, "periodic APIC timer does not tick at 100 Hz"
  cmp eax, 103
  FAIL_IF a, "more than 100 periodic APIC timer interrupts in one second"

  ; (3) one shot of 1 ms, then 50 ms of quiet
  mov dword [APIC_LVT_TIMER], 0x00041
  mov dword [APIC_INITIAL], 6250
  sti
.wait_shot:
  hlt
  cmp dword [shots], 0
  je .wait_shot
  mov eax, PM_HZ / 20
  call pm_wait
  cli
  cmp dword [shots], 1
  FAIL_IF ne, "one-shot APIC timer fired more than once"
  cmp dword [APIC_CURRENT], 0
  FAIL_IF ne, "one-shot APIC timer count not 0 after it fired"
  jmp pass

on_periodic:
  inc dword [ticks]
  mov dword [APIC_EOI], 0
  iret

on_oneshot:
  inc dword [shots]
  mov dword [APIC_EOI], 0
  iret

on_spurious:
  iret                            ; no EOI for the spurious vector (SDM §10.9)

msg_ratio: db "APIC ticks per PM tick x4096: ", 0
msg_ticks: db "periodic APIC timer interrupts in one second: ", 0
dpm: dd 0
dapic: dd 0
ratio: dd 0
pm0: dd 0
ticks: dd 0
shots: dd 0
GUEST_END
