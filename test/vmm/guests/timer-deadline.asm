; A timer armed while the CPU is busy fires at its deadline, not when the host next looks:
; 64 local APIC one-shots of 100 us (divide by 1: 10 000 counts of the 100 MHz bus clock,
; SDM vol. 3 §10.5.4), each armed at a different point of a busy loop, are timed with the
; TSC (2 GHz, derived from guest time: 200 000 ticks per shot). None may fire early, and
; none more than 100 us late: a vCPU that ran its slice to the end before looking at timers
; delivered them up to a whole slice late (~2 ms at 25 M instructions/s).
%include "guest.inc"
SHOTS equ 64
SHOT_TSC equ 200000               ; 100 us at the 2 GHz TSC
LATE_TSC equ 200000               ; the most a shot may be late

main:
  mov eax, 0x41
  mov edx, on_shot
  call set_gate
  mov eax, 0xFF
  mov edx, on_spurious
  call set_gate
  mov dword [APIC_SVR], 0x1FF     ; software enable, spurious vector 0xFF
  mov dword [APIC_DIVIDE], 0xB    ; divide by 1
  mov dword [APIC_LVT_TIMER], 0x00041
  mov dword [min_delta], 0xFFFFFFFF
  sti
  xor esi, esi                    ; shot number
.shot:
  mov ecx, esi                    ; a busy stretch of a different length before each shot
  imul ecx, ecx, 7919
  and ecx, 0x3FFF
  inc ecx
.busy:
  dec ecx
  jnz .busy
  mov byte [fired], 0
  rdtsc
  mov [armed_at], eax
  mov dword [APIC_INITIAL], 10000
.spin:                            ; busy, never HLT: the timer must interrupt running code
  cmp byte [fired], 0
  je .spin
  inc esi
  cmp esi, SHOTS
  jb .shot
  cli
  mov eax, [min_delta]
  mov esi, msg_min
  call put_field
  cmp eax, SHOT_TSC
  FAIL_IF b, "a one-shot APIC timer fired before its deadline"
  mov eax, [max_delta]
  mov esi, msg_max
  call put_field
  cmp eax, SHOT_TSC + LATE_TSC
  FAIL_IF a, "a one-shot APIC timer armed in busy code fired more than 100 us late"
  jmp pass

on_shot:
  push eax
  push edx
  rdtsc
  sub eax, [armed_at]
  cmp eax, [min_delta]
  jae .not_min
  mov [min_delta], eax
.not_min:
  cmp eax, [max_delta]
  jbe .not_max
  mov [max_delta], eax
.not_max:
  mov byte [fired], 1
  mov dword [APIC_EOI], 0
  pop edx
  pop eax
  iret

on_spurious:
  iret                            ; no EOI for the spurious vector (SDM §10.9)

msg_min: db "fewest TSC ticks from arming to interrupt: ", 0
msg_max: db "most TSC ticks from arming to interrupt: ", 0
armed_at: dd 0
min_delta: dd 0
max_delta: dd 0
fired: db 0
GUEST_END
