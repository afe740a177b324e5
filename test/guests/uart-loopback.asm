; UART loopback: each of COM1-COM4 as a 16550A: scratch register, divisor latch, modem-control
; loopback (MSR mirrors MCR), a byte and a 16-byte FIFO burst echoed back, the interrupt
; identification for THRE and received data, and THRE on the PIC line (IRQ4 for COM1, IRQ3
; for COM2). COM1 is restored before its report lines are printed; each line's value is
; the COM port number.
%define GUEST_NAME "uart-loopback"
%include "lib/guest.inc"

test_main:
    call pic_init
    SET_HANDLER 0x23, com_irq3
    SET_HANDLER 0x24, com_irq4
    SET_HANDLER 0x27, ignore_vector
    mov dx, 0x3F8
    call test_port
    mov dx, 0x2F8
    call test_port
    mov dx, 0x3E8
    call test_port
    mov dx, 0x2E8
    call test_port

    ; THRE interrupt on the PIC: OUT2 gates the IRQ line on a PC, IER bit 1 enables it.
    mov cl, 4
    call pic_unmask
    mov cl, 3
    call pic_unmask
    mov dx, 0x3F8
    mov edi, irq4_count
    call thre_irq
    CHECK_RANGE 1, 1000, "COM1 THRE interrupts on IRQ4"
    mov dx, 0x2F8
    mov edi, irq3_count
    call thre_irq
    CHECK_RANGE 1, 1000, "COM2 THRE interrupts on IRQ3"
    mov cl, 4
    call pic_mask
    mov cl, 3
    call pic_mask
    ret

; thre_irq: dx = base, edi = counter; returns eax = interrupts seen in 20 ms.
thre_irq:
    push edx
    add dx, 4
    mov al, 0x0B                    ; DTR, RTS, OUT2
    out dx, al
    sub dx, 3
    mov al, 0x02                    ; IER: THRE
    out dx, al
    mov ebx, edi
    mov ecx, 1
    mov edx, PM_HZ / 50
    call wait_count
    pop edx
    push edx
    inc dx
    xor al, al
    out dx, al                      ; IER off
    add dx, 3
    mov al, 0x03
    out dx, al                      ; OUT2 off
    pop edx
    mov eax, [edi]
    ret

com_irq4:
    inc dword [irq4_count]
    mov dx, 0x3FA
    in al, dx                       ; reading IIR clears the THRE interrupt
    call pic_eoi_master
    ret

com_irq3:
    inc dword [irq3_count]
    mov dx, 0x2FA
    in al, dx
    call pic_eoi_master
    ret

; test_port: dx = base. Results are collected while the port is in loopback, then reported.
test_port:
    inc dword [com_number]
    mov [base], dx
    mov dword [results], 0
    ; scratch register
    add dx, 7
    mov al, 0x5A
    out dx, al
    in al, dx
    cmp al, 0x5A
    jne .s1
    or dword [results], 1 << 0
.s1:
    ; divisor latch readback
    mov dx, [base]
    add dx, 3
    mov al, 0x83
    out dx, al
    mov dx, [base]
    mov al, 0x34
    out dx, al
    inc dx
    mov al, 0x12
    out dx, al
    mov dx, [base]
    in al, dx
    mov ah, al
    inc dx
    in al, dx
    cmp ax, 0x3412
    jne .s2
    or dword [results], 1 << 1
.s2:
    mov dx, [base]
    mov al, 1
    out dx, al                      ; divisor 1 again
    inc dx
    xor al, al
    out dx, al
    add dx, 2
    mov al, 0x03                    ; 8N1, DLAB off
    out dx, al
    dec dx
    mov al, 0x07                    ; FIFO on, both cleared
    out dx, al
    ; FIFO enabled reads back as IIR bits 7:6 = 11 on a 16550A
    in al, dx
    and al, 0xC0
    cmp al, 0xC0
    jne .s3
    or dword [results], 1 << 2
.s3:
    ; loopback: MSR bits 7:4 = OUT2, OUT1, RTS, DTR (16550A datasheet, MCR bit 4)
    mov dx, [base]
    add dx, 4
    mov al, 0x1F
    out dx, al
    add dx, 2
    in al, dx
    and al, 0xF0
    cmp al, 0xF0
    jne .s4
    mov dx, [base]
    add dx, 4
    mov al, 0x11                    ; loop + DTR only -> DSR only
    out dx, al
    add dx, 2
    in al, dx
    and al, 0xF0
    cmp al, 0x20
    jne .s4
    or dword [results], 1 << 3
.s4:
    ; one byte through the loop
    mov dx, [base]
    add dx, 4
    mov al, 0x10
    out dx, al
    mov dx, [base]
    mov al, 0xA5
    out dx, al
    call wait_data
    jc .s5
    mov dx, [base]
    in al, dx
    cmp al, 0xA5
    jne .s5
    mov dx, [base]
    add dx, 5
    in al, dx
    test al, 0x01
    jnz .s5                          ; DR must clear once the byte is read
    or dword [results], 1 << 4
.s5:
    ; a 16-byte burst fills the FIFO and comes back in order
    mov ecx, 0
.send:
    mov dx, [base]
    lea eax, [ecx * 8 + 0x30]
    out dx, al
    inc ecx
    cmp ecx, 16
    jb .send
    mov ecx, 0
.recv:
    call wait_data
    jc .s6
    mov dx, [base]
    in al, dx
    lea ebx, [ecx * 8 + 0x30]
    cmp al, bl
    jne .s6
    inc ecx
    cmp ecx, 16
    jb .recv
    or dword [results], 1 << 5
.s6:
    ; IIR: THRE pending when IER bit 1 is set (IIR = xxxx0010), gone after reading IIR
    mov dx, [base]
    inc dx
    mov al, 0x02
    out dx, al
    inc dx
    in al, dx
    and al, 0x0F
    cmp al, 0x02
    jne .s7
    in al, dx
    and al, 0x0F
    cmp al, 0x01
    jne .s7
    or dword [results], 1 << 6
.s7:
    ; received data available: IER bit 0, a byte in the loop -> IIR = xxxx0100
    mov dx, [base]
    inc dx
    mov al, 0x01
    out dx, al
    mov dx, [base]
    mov al, 0x42
    out dx, al
    call wait_data
    jc .s8
    mov dx, [base]
    add dx, 2
    in al, dx
    and al, 0x0F
    cmp al, 0x04
    jne .s8
    or dword [results], 1 << 7
.s8:
    mov dx, [base]
    in al, dx                       ; drain
    inc dx
    xor al, al
    out dx, al                      ; IER off
    add dx, 3
    mov al, 0x03
    out dx, al                      ; loopback off, DTR + RTS

    ; report: the value printed is the COM port number
%macro BIT 2
    mov eax, [results]
    shr eax, %1
    and eax, 1
    cmp eax, 1
    mov eax, [com_number]
    CHECK e, %2
%endmacro
    BIT 0, "scratch register holds a byte"
    BIT 1, "divisor latch reads back"
    BIT 2, "FCR enables the 16550A FIFO (IIR bits 7:6)"
    BIT 3, "loopback MSR mirrors MCR"
    BIT 4, "a byte comes back through the loop and DR clears"
    BIT 5, "16 bytes come back through the FIFO in order"
    BIT 6, "IIR reports THRE and clears it on read"
    BIT 7, "IIR reports received data"
    ret

wait_data:                          ; wait for LSR.DR on [base]; CF on timeout (~10 ms)
    push eax
    push ebx
    push edx
    call pm_read
    mov ebx, eax
.poll:
    mov dx, [base]
    add dx, 5
    in al, dx
    test al, 0x01
    jnz .ok
    call pm_since
    cmp eax, PM_HZ / 100
    jb .poll
    pop edx
    pop ebx
    pop eax
    stc
    ret
.ok:
    pop edx
    pop ebx
    pop eax
    clc
    ret

align 4
base:       dd 0
results:    dd 0
irq3_count: dd 0
irq4_count: dd 0
com_number: dd 0

%include "lib/guest-end.inc"
