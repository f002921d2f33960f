/* trampoline: the one x86-64 entry every intercepted symbol jumps to, with its index in %r11d.
 *
 * The shim does not know the prototypes of the APIs it intercepts (the rule packs name them, they
 * do not declare them), so it must pass every argument on untouched: the six integer registers,
 * %al (the vector-register count of a variadic call), %xmm0-7, and the caller's stack arguments.
 * It saves them, asks al_shim_enter whether to time this call, and then either
 *   - restores them and jumps to the real function: the caller's frame is as it was, so nothing
 *     (stack arguments, return address, a function that looks at its caller) can tell; or
 *   - copies 32 words of the caller's stack arguments into its own frame (enough for 38 integer
 *     arguments), calls the real function, keeps its return registers, tells al_shim_leave, and
 *     returns. The frame has CFI, so unwinders (a C++ exception, a crash handler's backtrace, the
 *     shim's own stack capture) walk through it.
 *
 * First, a test that needs no register but %r10 and %r11 (scratch in the calling convention, never
 * arguments of the functions intercepted): on a thread that runs no loop, for an API that enters
 * none, whose real function is known, it jumps straight there. That is nearly every call a program
 * makes, so it costs a few instructions. On a loop thread, a call whose return address the C side
 * found to be a loop library's own (libuv locking its work queue, a dozen times per request) is in
 * al_shim_machinery, and jumps there too.
 *
 * Frame, from %rbp: the saved integer registers at -64 (rdi, rsi, rdx, rcx, r8, r9, rax, r11),
 * the real function at -72, the token at -80, xmm0-7 at -208, the copied stack arguments at the
 * bottom (-464). %rbp is 16-byte aligned after the push, so is %rsp. */

#define FRAME 464
#define COPIED_WORDS 32
#define MACHINERY_MASK 1023 /* al_shim_machinery has 1024 slots (shim.c) */

    .text
    .globl al_shim_common
    .hidden al_shim_common
    .type al_shim_common, @function
    .p2align 4
al_shim_common:
    .cfi_startproc
    leaq al_shim_runner(%rip), %r10
    cmpb $0, (%r10,%r11)
    jne .Lfull
    movq al_shim_active@gottpoff(%rip), %r10
    cmpb $0, %fs:(%r10)
    je .Lreal
    /* a loop thread: is the return address the loop library's own? (a third register, borrowed) */
    pushq %r11
    .cfi_adjust_cfa_offset 8
    pushq %rdi
    .cfi_adjust_cfa_offset 8
    movq 16(%rsp), %r10
    movq %r10, %r11
    shrq $4, %r11
    andl $MACHINERY_MASK, %r11d
    leaq al_shim_machinery(%rip), %rdi
    cmpq %r10, (%rdi,%r11,8)
    popq %rdi
    .cfi_adjust_cfa_offset -8
    popq %r11
    .cfi_adjust_cfa_offset -8
    jne .Lfull
.Lreal:
    leaq al_shim_real(%rip), %r10
    movq (%r10,%r11,8), %r10
    testq %r10, %r10
    jz .Lfull
    jmp *%r10
.Lfull:
    pushq %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq %rsp, %rbp
    .cfi_def_cfa_register %rbp
    subq $FRAME, %rsp

    movq %rdi, -64(%rbp)
    movq %rsi, -56(%rbp)
    movq %rdx, -48(%rbp)
    movq %rcx, -40(%rbp)
    movq %r8, -32(%rbp)
    movq %r9, -24(%rbp)
    movq %rax, -16(%rbp)
    movq %r11, -8(%rbp)
    movups %xmm0, -208(%rbp)
    movups %xmm1, -192(%rbp)
    movups %xmm2, -176(%rbp)
    movups %xmm3, -160(%rbp)
    movups %xmm4, -144(%rbp)
    movups %xmm5, -128(%rbp)
    movups %xmm6, -112(%rbp)
    movups %xmm7, -96(%rbp)

    /* al_shim_enter(index, saved registers, stack arguments, return address, frame) */
    movl %r11d, %edi
    leaq -64(%rbp), %rsi
    leaq 16(%rbp), %rdx
    movq 8(%rbp), %rcx
    movq %rbp, %r8
    call al_shim_enter
    movq %rax, -72(%rbp)
    movq %rdx, -80(%rbp)

    movups -208(%rbp), %xmm0
    movups -192(%rbp), %xmm1
    movups -176(%rbp), %xmm2
    movups -160(%rbp), %xmm3
    movups -144(%rbp), %xmm4
    movups -128(%rbp), %xmm5
    movups -112(%rbp), %xmm6
    movups -96(%rbp), %xmm7
    movq -64(%rbp), %rdi
    movq -56(%rbp), %rsi
    movq -48(%rbp), %rdx
    movq -40(%rbp), %rcx
    movq -32(%rbp), %r8
    movq -24(%rbp), %r9
    movq -16(%rbp), %rax
    cmpq $0, -80(%rbp)
    jne .Ltimed

    /* not timed: the real function runs in the caller's frame */
    movq -72(%rbp), %r11
    .cfi_remember_state
    leave
    .cfi_def_cfa %rsp, 8
    jmp *%r11
    .cfi_restore_state

.Ltimed:
    /* the stack arguments, copied with the string move (the direction flag is clear at calls); it
     * takes %rdi, %rsi and %rcx, which are then loaded again */
    leaq 16(%rbp), %rsi
    movq %rsp, %rdi
    movl $COPIED_WORDS, %ecx
    rep movsq
    movq -64(%rbp), %rdi
    movq -56(%rbp), %rsi
    movq -40(%rbp), %rcx
    movq -72(%rbp), %r11
    call *%r11

    movq %rax, -64(%rbp)
    movq %rdx, -56(%rbp)
    movups %xmm0, -208(%rbp)
    movups %xmm1, -192(%rbp)
    movq -80(%rbp), %rdi
    call al_shim_leave
    movq -64(%rbp), %rax
    movq -56(%rbp), %rdx
    movups -208(%rbp), %xmm0
    movups -192(%rbp), %xmm1
    leave
    .cfi_def_cfa %rsp, 8
    ret
    .cfi_endproc
    .size al_shim_common, .-al_shim_common

    .section .note.GNU-stack,"",@progbits
