; 8259A masking: with IRQ 0 masked in the master's IMR the PIT's request waits in IRR (read
; with OCW3) and is not delivered; unmasking delivers it, and inside the handler ISR shows
; IR0 in service until the EOI. A masked slave line (IRQ 8, the RTC) stays pending behind the
; cascade the same way. Also checks that IMR reads back what was written, and that with IF
; clear an unmasked request waits for STI.
%include "guest.inc"

main:
  mov eax, 0x20
  mov edx, on_irq0
  call set_gate
  mov al, 0x5A                    ; IMR reads back
  out PIC1 + 1, al
  in al, PIC1 + 1
  cmp al, 0x5A
  FAIL_IF ne, "master IMR does not read back"
  mov al, 0xFF
  out PIC1 + 1, al

  mov al, 0x34                    ; PIT channel 0: 1 kHz
  out 0x43, al
  mov al, 1193 & 0xFF
  out 0x40, al
  mov al, 1193 >> 8
  out 0x40, al

  ; masked: the request shows in IRR, nothing is delivered while interrupts are on
  ; (device timers fire between CPU slices, so wait for the request itself, up to 2 s)
  sti
  mov bl, 0x01
  mov dx, PIC1
  call wait_irr
  FAIL_IF z, "masked IRQ 0 not pending in IRR"
  mov eax, PM_HZ / 100
  call pm_wait
  cmp dword [ticks], 0
  FAIL_IF ne, "a masked IRQ 0 was delivered"

  ; unmasked with IF clear: still waits
  cli
  mov al, 0xFE
  out PIC1 + 1, al
  mov eax, PM_HZ / 200
  call pm_wait
  cmp dword [ticks], 0
  FAIL_IF ne, "IRQ 0 delivered with IF clear"
  sti
  nop
  nop
  cli
  cmp dword [ticks], 1
  FAIL_IF b, "unmasked IRQ 0 not delivered after STI"
  mov al, [isr_in_handler]
  test al, 0x01
  FAIL_IF z, "ISR does not show IR0 in service inside the handler"
  mov al, 0x0B                    ; OCW3: read ISR; after the EOI nothing is in service
  out PIC1, al
  in al, PIC1
  test al, al
  FAIL_IF nz, "ISR not cleared by the EOI"

  ; the slave: RTC periodic interrupt on IRQ 8 masked at the slave IMR, cascade open
  mov al, 0xFF                    ; IRQ 0 masked again
  out PIC1 + 1, al
  mov al, 0x0A                    ; RTC rate 6 (1024 Hz)
  out 0x70, al
  mov al, 0x26
  out 0x71, al
  mov al, 0x0B                    ; PIE
  out 0x70, al
  in al, 0x71
  or al, 0x40
  mov ah, al
  mov al, 0x0B
  out 0x70, al
  mov al, ah
  out 0x71, al
  mov al, 0xFB                    ; cascade IR2 open, slave keeps IRQ 8 masked
  out PIC1 + 1, al
  sti
  mov bl, 0x01
  mov dx, PIC2
  call wait_irr
  FAIL_IF z, "masked IRQ 8 not pending in the slave's IRR"
  cli
  jmp pass

; wait_irr: poll the IRR of the 8259 at dx for the bits in bl, up to 2 s of PM time;
; ZF clear when they showed up
wait_irr:
  call pm_timer
  mov ecx, eax
.poll:
  mov al, 0x0A                    ; OCW3: read IRR
  out dx, al
  in al, dx
  test al, bl
  jnz .done
  call pm_timer
  sub eax, ecx
  and eax, 0xFFFFFF
  cmp eax, PM_HZ * 2
  jb .poll
  xor eax, eax                    ; ZF set: timed out
.done:
  ret

on_irq0:
  push eax
  inc dword [ticks]
  mov al, 0x0B                    ; OCW3: read ISR
  out PIC1, al
  in al, PIC1
  mov [isr_in_handler], al
  mov al, 0xFF                    ; mask again so one tick is taken
  out PIC1 + 1, al
  mov al, 0x20
  out PIC1, al
  pop eax
  iret

ticks: dd 0
isr_in_handler: db 0
GUEST_END
