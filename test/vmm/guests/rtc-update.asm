; RTC update-ended interrupt: with register B's UIE set, the MC146818 raises IRQ 8 (slave
; 8259, cascade on master IR2) once a second after it updates the time. In each interrupt
; register C must show IRQF and UF, the seconds register must have moved on by one since the
; last interrupt, and (by the PM timer) at least 0.98 s must have passed. Reading C clears it.
%include "guest.inc"

main:
  mov eax, 0x28
  mov edx, on_irq8
  call set_gate
  mov al, 0x0B                    ; binary mode (DM) and 24-hour, so seconds count 0..59
  out 0x70, al
  in al, 0x71
  or al, 0x06
  mov ah, al
  mov al, 0x0B
  out 0x70, al
  mov al, ah
  out 0x71, al
  call rtc_update_irq_on
  sti
.sleep:
  hlt
  cmp dword [count], 4
  jb .sleep
  cli
  mov al, 0x0C                    ; read again: the flags are clear now
  out 0x70, al
  in al, 0x71
  test al, 0x90
  FAIL_IF nz, "register C not cleared by reading it"
  mov eax, [count]
  mov esi, msg_count
  call put_field
  jmp pass

on_irq8:
  pusha
  mov al, 0x0C
  out 0x70, al
  in al, 0x71
  mov bl, al
  and bl, 0x90                    ; IRQF | UF
  cmp bl, 0x90
  FAIL_IF ne, "update interrupt without IRQF and UF in register C"
  xor eax, eax
  out 0x70, al                    ; seconds (the update just ended: no UIP wait needed)
  in al, 0x71
  mov ebx, eax
  call pm_timer
  mov ecx, eax
  cmp dword [count], 0
  je .first
  mov eax, [last_sec]
  inc eax
  cmp eax, 60
  jb .no_wrap
  xor eax, eax
.no_wrap:
  cmp eax, ebx
  FAIL_IF ne, "seconds did not advance by one between update interrupts"
  mov eax, ecx
  sub eax, [last_pm]
  and eax, 0xFFFFFF
  cmp eax, PM_HZ * 98 / 100
  FAIL_IF b, "update interrupts less than a second apart"
.first:
  mov [last_sec], ebx
  mov [last_pm], ecx
  inc dword [count]
  mov al, 0x20
  out PIC2, al
  out PIC1, al
  popa
  iret

msg_count: db "update interrupts: ", 0
count: dd 0
last_sec: dd 0
last_pm: dd 0
GUEST_END
