/* The only places the shim enters the kernel. Syscall User Dispatch lets syscalls made from this
 * section through and turns every other syscall of the process into a SIGSYS, so the section's
 * bounds (__start_/__stop_umbra_syscall_text, provided by the linker) are the allowed range. The
 * range is checked on the address after the `syscall` instruction, hence the trailing padding. */
    .section umbra_syscall_text,"ax",@progbits

/* long shim_rawSyscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6):
 * returns the kernel's result (-errno on failure). */
    .globl shim_rawSyscall
    .hidden shim_rawSyscall
    .type shim_rawSyscall,@function
shim_rawSyscall:
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rcx, %rdx
    movq %r8, %r10
    movq %r9, %r8
    movq 8(%rsp), %r9
    syscall
    ret
    .size shim_rawSyscall, .-shim_rawSyscall

/* The signal restorer of the shim's handlers: rt_sigreturn from inside the allowed range. */
    .globl shim_restorer
    .hidden shim_restorer
    .type shim_restorer,@function
shim_restorer:
    movq $15, %rax
    syscall
    nop
    .size shim_restorer, .-shim_restorer

    .section .note.GNU-stack,"",@progbits
