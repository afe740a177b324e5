; RTC update: MC146818 register D valid bit, a plausible host date, update-ended interrupts
; one second apart with the seconds register stepping by one, the periodic interrupt at
; 1024 Hz, and the CMOS memory-size bytes SeaBIOS reads. Timed with the ACPI PM timer.
%define GUEST_NAME "rtc-update"
%include "lib/guest.inc"

test_main:
    call pic_init
    SET_HANDLER 0x28, rtc_irq
    SET_HANDLER 0x2F, ignore_vector
    SET_HANDLER 0x27, ignore_vector

    mov al, 0x0D
    call cmos_read
    and eax, 0x80
    cmp eax, 0x80
    CHECK e, "register D VRT (valid RAM and time) set"

    ; 24-hour mode, keep the data mode the RTC has; no interrupts yet.
    mov al, 0x0B
    call cmos_read
    and al, 0x04                    ; DM: 1 = binary
    mov [binary_mode], al
    or al, 0x02                     ; 24h
    mov ah, al
    mov al, 0x0B
    call cmos_write
    mov al, 0x0C
    call cmos_read                  ; clear pending flags

    mov al, 0x32
    call cmos_read_number
    imul eax, eax, 100
    mov ebx, eax
    mov al, 0x09
    call cmos_read_number
    add eax, ebx
    CHECK_RANGE 2024, 2099, "year from century (CMOS 0x32) and year registers"
    mov al, 0x08
    call cmos_read_number
    CHECK_RANGE 1, 12, "month"
    mov al, 0x07
    call cmos_read_number
    CHECK_RANGE 1, 31, "day of month"
    mov al, 0x04
    call cmos_read_number
    CHECK_RANGE 0, 23, "hours (24-hour mode)"

    ; Update-ended interrupts (register B UIE) on IRQ8 through the slave PIC.
    mov cl, 8
    call pic_unmask
    mov al, 0x0B
    call cmos_read
    or al, 0x10
    mov ah, al
    mov al, 0x0B
    call cmos_write
    mov ebx, uf_count
    mov ecx, 1
    mov edx, PM_HZ * 2              ; the first update may be almost a second away
    call wait_count
    mov eax, [uf_count]
    cmp eax, 1
    CHECK ae, "an update-ended interrupt within 2 s"
    mov eax, [uf_seconds]
    mov [first_seconds], eax
    call pm_read
    mov [first_time], eax
    mov ebx, uf_count
    mov ecx, [uf_count]
    inc ecx
    mov edx, PM_HZ * 2
    call wait_count
    CHECK_RANGE 3400567, 3758522, "PM ticks between two update-ended interrupts (1 s +-5%)"
    mov eax, [uf_seconds]
    sub eax, [first_seconds]
    add eax, 60
    xor edx, edx
    mov ebx, 60
    div ebx
    mov eax, edx
    cmp eax, 1
    CHECK e, "seconds register advanced by one between updates"

    ; UIE off, periodic interrupt at 1024 Hz (register A rate 6, register B PIE).
    mov al, 0x0A
    call cmos_read
    and al, 0xF0
    or al, 0x06
    mov ah, al
    mov al, 0x0A
    call cmos_write
    mov al, 0x0B
    call cmos_read
    and al, ~0x10
    or al, 0x40
    mov ah, al
    mov al, 0x0B
    call cmos_write
    mov ebx, pf_count
    mov ecx, 1
    mov edx, PM_HZ / 10
    call wait_count
    mov eax, [pf_count]
    add eax, 102
    mov ecx, eax
    mov ebx, pf_count
    mov edx, PM_HZ
    call wait_count
    ; 102 periods of 1/1024 s = 356514 PM ticks
    CHECK_RANGE 338688, 374340, "PM ticks for 102 periodic interrupts at 1024 Hz"
    mov al, 0x0B
    call cmos_read
    and al, ~0x40
    mov ah, al
    mov al, 0x0B
    call cmos_write
    mov cl, 8
    call pic_mask

    ; Memory size above 16 MiB in 64 KiB units at CMOS 0x34/0x35 (the SeaBIOS convention);
    ; the multiboot info's mem_upper is the KiB above 1 MiB.
    mov ebx, [mb_info]
    mov eax, [ebx + 8]
    add eax, 1024
    sub eax, 16384
    shr eax, 6
    mov ebx, eax
    mov al, 0x35
    call cmos_read
    movzx ecx, al
    shl ecx, 8
    mov al, 0x34
    call cmos_read
    mov cl, al
    mov eax, ecx
    cmp eax, ebx
    CHECK e, "CMOS 0x34/0x35 = 64 KiB blocks of RAM above 16 MiB"
    ret

rtc_irq:
    mov al, 0x0C
    call cmos_read                  ; reading C acknowledges and re-arms IRQ8
    mov bl, al
    test bl, 0x10
    jz .not_uf
    inc dword [uf_count]
    mov al, 0x00
    call cmos_read_number
    mov [uf_seconds], eax
.not_uf:
    test bl, 0x40
    jz .done
    inc dword [pf_count]
.done:
    call pic_eoi_slave
    ret

cmos_read:                          ; al = index -> al = value (NMI stays enabled: bit 7 clear)
    out 0x70, al
    in al, 0x71
    ret

cmos_write:                         ; al = index, ah = value
    out 0x70, al
    mov al, ah
    out 0x71, al
    ret

cmos_read_number:                   ; al = index -> eax = value, BCD decoded unless binary mode
    call cmos_read
    movzx eax, al
    cmp byte [binary_mode], 0
    jne .done
    push edx
    mov edx, eax
    shr edx, 4
    imul edx, edx, 10
    and eax, 0x0F
    add eax, edx
    pop edx
.done:
    ret

binary_mode:   db 0
align 4
uf_count:      dd 0
pf_count:      dd 0
uf_seconds:    dd 0
first_seconds: dd 0
first_time:    dd 0

%include "lib/guest-end.inc"
