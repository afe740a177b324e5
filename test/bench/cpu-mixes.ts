// Guest code the CPU benchmarks run (32-bit, loaded at 0x10000 in flat protected mode): the
// same loops in cpu-interpreter.ts (timed) and cpu-instructions-vs-previous.ts (counted).
export const INTEGER_LOOP = `
    mov esi, 0x200000
  top:
    add eax, ebx
    xor ecx, eax
    inc edx
    mov [esi], eax
    mov ebx, [esi+4]
    lea edi, [ebx+ecx*2+3]
    shl edi, 3
    cmp edx, 1000
    jne top
    xor edx, edx
    jmp top`;

export const BYTE_COPY_LOOP = `
  top:
    mov esi, 0x200000
    mov edi, 0x300000
    mov ecx, 4096
  l: mov al, [esi]
    mov [edi], al
    inc esi
    inc edi
    dec ecx
    jnz l
    jmp top`;

export const CALL_AND_RETURN = `
    mov esp, 0x90000
  top:
    call f
    inc edx
    jmp top
  f: push ebx
    mov ebx, eax
    add eax, 3
    pop ebx
    ret`;
