; PIT rate. (1) Channel 0's count, read back with latch commands, runs down at 1.193182 MHz:
; one third of the ACPI PM timer's 3.579545 MHz (both divide the PC's 14.31818 MHz crystal),
; checked within 1% over sample pairs shorter than one PIT period. (2) In mode 2 with
; divisor 11932 (100 Hz) channel 0 raises IRQ 0 through the master 8259: over one PM-timer
; second of HLT the guest counts at most 103 ticks and at least 40. Guest time follows the
; host's, and a periodic timer whose host falls behind loses periods, so only the upper
; bound is tight.
%include "guest.inc"

main:
  mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2, binary
  out 0x43, al
  xor al, al                      ; divisor 0 = 65536 (54.9 ms period)
  out 0x40, al
  out 0x40, al

  mov dword [tries], 0
.try:
  inc dword [tries]
  cmp dword [tries], 50
  FAIL_IF a, "no usable PIT/PM timer sample pair in 50 tries"
  call sample
  mov [pm0], ebx
  mov [pit0], ecx
  mov eax, 100000                 ; ~28 ms
  call pm_wait
  call sample
  mov eax, ebx
  sub eax, [pm0]
  and eax, 0xFFFFFF               ; PM ticks
  cmp eax, 180000                 ; longer than ~50 ms: the PIT may have wrapped; retry
  ja .try
  mov edx, [pit0]
  sub edx, ecx
  and edx, 0xFFFF                 ; PIT ticks (counting down)
  mov [dpm], eax
  mov [dpit], edx
  lea edx, [edx + edx * 2]        ; 3 * PIT ticks should equal PM ticks within 1%
  mov ecx, eax
  shr ecx, 7                      ; 1/128 of the PM ticks
  mov ebx, eax
  sub ebx, ecx
  cmp edx, ebx
  jb .rate_bad
  add eax, ecx
  cmp edx, eax
  ja .rate_bad
  mov eax, [dpit]
  mov esi, msg_dpit
  call put_field
  mov eax, [dpm]
  mov esi, msg_dpm
  call put_field

  ; (2) interrupts at 100 Hz
  mov eax, 0x20
  mov edx, on_irq0
  call set_gate
  mov al, 0x34
  out 0x43, al
  mov al, 11932 & 0xFF
  out 0x40, al
  mov al, 11932 >> 8
  out 0x40, al
  mov al, 0xFE                    ; unmask IRQ 0 only
  out PIC1 + 1, al
  call pm_timer
  mov [pm0], eax
  mov dword [ticks], 0
  sti
.sleep:
  hlt
  call pm_timer
  sub eax, [pm0]
  and eax, 0xFFFFFF
  cmp eax, PM_HZ
  jb .sleep
  cli
  mov eax, [ticks]
  mov esi, msg_ticks
  call put_field
  cmp eax, 40
  FAIL_IF b, "IRQ 0 does not tick at 100 Hz"
  cmp eax, 103
  FAIL_IF a, "more than 100 IRQ 0 ticks in one second"
  jmp pass

.rate_bad:
  mov eax, [dpit]
  mov esi, msg_dpit
  call put_field
  mov eax, [dpm]
  mov esi, msg_dpm
  call put_field
  mov esi, msg_rate
  jmp fail

; sample: ebx = PM timer, ecx = channel 0 count, read back to back
sample:
  call pm_timer
  mov ebx, eax
  mov al, 0x00                    ; counter latch, channel 0
  out 0x43, al
  in al, 0x40
  mov cl, al
  in al, 0x40
  mov ch, al
  movzx ecx, cx
  ret

on_irq0:
  inc dword [ticks]
  push eax
  mov al, 0x20                    ; non-specific EOI
  out PIC1, al
  pop eax
  iret

msg_dpit: db "PIT ticks: ", 0
msg_dpm: db "PM timer ticks: ", 0
msg_ticks: db "IRQ 0 ticks in one second: ", 0
msg_rate: db "PIT counts not at a third of the PM timer rate", 0
tries: dd 0
pm0: dd 0
pit0: dd 0
dpm: dd 0
dpit: dd 0
ticks: dd 0
GUEST_END
