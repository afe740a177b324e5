; 16550A loopback on COM2 (COM1 is the console): with MCR bit 4 set, what the transmitter
; sends comes back to the receiver, and the modem outputs feed the modem inputs (DTR->DSR,
; RTS->CTS, OUT1->RI, OUT2->DCD; 16550A datasheet, MCR bit 4). Checks the bytes through the
; 16-byte FIFO, LSR data-ready, IIR's FIFO bits and received-data / THR-empty reasons, the
; scratch register, the divisor latch, and MSR's delta bits.
%include "guest.inc"
COM2 equ 0x2F8

%macro OUTB 2
  mov dx, %1
  mov al, %2
  out dx, al
%endmacro
%macro INB 1
  mov dx, %1
  in al, dx
%endmacro

main:
  OUTB COM2 + 7, 0xA5             ; scratch register keeps what is written
  INB COM2 + 7
  cmp al, 0xA5
  FAIL_IF ne, "scratch register"
  OUTB COM2 + 3, 0x80             ; DLAB: divisor 3 (38400 baud)
  OUTB COM2 + 0, 3
  OUTB COM2 + 1, 0
  INB COM2 + 0
  cmp al, 3
  FAIL_IF ne, "divisor latch low byte"
  OUTB COM2 + 3, 0x03             ; 8N1, DLAB off
  INB COM2 + 3
  cmp al, 0x03
  FAIL_IF ne, "line control register"
  OUTB COM2 + 2, 0x07             ; FIFO on, both cleared
  INB COM2 + 2
  and al, 0xC0
  cmp al, 0xC0
  FAIL_IF ne, "IIR does not report the FIFOs enabled"
  OUTB COM2 + 4, 0x10             ; loopback, all modem outputs off
  INB COM2 + 6                    ; clear the delta bits
  INB COM2 + 5
  test al, 0x01
  FAIL_IF nz, "data ready before anything was sent"

  ; sixteen bytes fill the receive FIFO without loss
  mov ecx, 0
.send:
  mov al, [pattern + ecx]
  mov dx, COM2
  out dx, al
  inc ecx
  cmp ecx, 16
  jb .send
  mov ecx, 0
.recv:
  mov ebx, 2000000                ; wait for data ready
.wait:
  INB COM2 + 5
  test al, 0x01
  jnz .ready
  dec ebx
  jnz .wait
  mov esi, msg_timeout
  jmp fail
.ready:
  INB COM2
  cmp al, [pattern + ecx]
  FAIL_IF ne, "a looped-back byte differs from what was sent"
  inc ecx
  cmp ecx, 16
  jb .recv
  INB COM2 + 5
  test al, 0x01
  FAIL_IF nz, "data ready after the FIFO was drained"
  test al, 0x60
  FAIL_IF z, "transmitter not empty after the FIFO drained"

  ; interrupt identification: received data (0x04) ranks above THR empty (0x02)
  OUTB COM2 + 2, 0x07             ; FIFO on, trigger level 1
  OUTB COM2 + 1, 0x03             ; IER: received data and THR empty
  INB COM2 + 2
  and al, 0x0F
  cmp al, 0x02
  FAIL_IF ne, "IIR does not report THR empty"
  INB COM2 + 2                    ; reading IIR cleared THRE
  and al, 0x0F
  cmp al, 0x01
  FAIL_IF ne, "IIR THR-empty not cleared by reading IIR"
  OUTB COM2, 'x'
  mov ebx, 2000000
.wait_rx:
  INB COM2 + 5
  test al, 0x01
  jnz .got
  dec ebx
  jnz .wait_rx
  mov esi, msg_timeout
  jmp fail
.got:
  INB COM2 + 2
  and al, 0x0F
  cmp al, 0x04
  FAIL_IF ne, "IIR does not report received data"
  INB COM2
  OUTB COM2 + 1, 0x00

  ; modem lines loop back: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD
  OUTB COM2 + 4, 0x10 | 0x01      ; DTR
  INB COM2 + 6
  and al, 0xF2
  cmp al, 0x22                    ; DSR with its delta
  FAIL_IF ne, "DTR does not loop back to DSR"
  OUTB COM2 + 4, 0x10 | 0x0F      ; DTR RTS OUT1 OUT2
  INB COM2 + 6
  and al, 0xF0
  cmp al, 0xF0
  FAIL_IF ne, "modem outputs do not loop back to DCD RI DSR CTS"
  OUTB COM2 + 4, 0x10 | 0x0B      ; OUT1 off: RI falls, and its trailing edge sets TERI
  INB COM2 + 6
  and al, 0x4F
  cmp al, 0x04
  FAIL_IF ne, "RI trailing edge does not set TERI"
  OUTB COM2 + 4, 0x00
  jmp pass

msg_timeout: db "no data ready for a looped-back byte", 0
pattern: db 0x00, 0xFF, 0x55, 0xAA, "vmdesk 16550A!", 0
GUEST_END
