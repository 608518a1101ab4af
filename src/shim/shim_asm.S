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

/* void shim_sigreturnOnStack(long program_rsp): a program's signal handler returned through its
 * own restorer, whose rt_sigreturn trapped (it is outside this section). Perform it for the
 * program: the kernel finds the frame to restore at the program's stack pointer, so switch to it
 * and make the call from here. The shim's SIGSYS frame, further down the stack, is abandoned. */
    .globl shim_sigreturnOnStack
    .hidden shim_sigreturnOnStack
    .type shim_sigreturnOnStack,@function
shim_sigreturnOnStack:
    movq %rdi, %rsp
    movq $15, %rax
    syscall
    nop
    .size shim_sigreturnOnStack, .-shim_sigreturnOnStack

/* long shim_cloneThread(long flags, long stack, long parent_tid, long child_tid, long tls,
 *                       void* start):
 * clone(2) for a new thread. In the parent it returns the kernel's result. The child starts on
 * `stack` (which the caller placed below the start block) and calls shim_threadStart(start), which
 * never returns. r9 survives the syscall in both. */
    .globl shim_cloneThread
    .hidden shim_cloneThread
    .type shim_cloneThread,@function
shim_cloneThread:
    movq %rcx, %r10
    movq $56, %rax
    syscall
    testq %rax, %rax
    jnz 1f
    xorl %ebp, %ebp
    andq $-16, %rsp
    movq %r9, %rdi
    call shim_threadStart
    hlt
1:
    ret
    .size shim_cloneThread, .-shim_cloneThread

    .text
/* long shim_callOnStack(long (*fn)(void* arg, long old_sp), void* arg, long stack_top):
 * calls fn(arg, old_sp) on the stack ending at stack_top (16-byte aligned) and returns its result.
 * old_sp is the stack pointer fn's caller left: everything from there up is the caller's (its
 * frame pointer and return address are at old_sp), so fn may save and later restore that range
 * while something else uses it. */
    .globl shim_callOnStack
    .hidden shim_callOnStack
    .type shim_callOnStack,@function
shim_callOnStack:
    pushq %rbp
    movq %rsp, %rbp
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rbp, %rsi
    movq %rdx, %rsp
    call *%rax
    movq %rbp, %rsp
    popq %rbp
    ret
    .size shim_callOnStack, .-shim_callOnStack
/* void shim_resumeContext(const long regs[17]): loads the program's registers (the order of
 * ucontext's gregs: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip) and jumps to rip, with
 * rax = 0 (a new thread's return value from clone). The push of rip lands below the program's
 * stack pointer, so nothing the program stored at or above it is touched. */
    .globl shim_resumeContext
    .hidden shim_resumeContext
    .type shim_resumeContext,@function
shim_resumeContext:
    movq %rdi, %rax
    movq 0(%rax), %r8
    movq 8(%rax), %r9
    movq 16(%rax), %r10
    movq 24(%rax), %r11
    movq 32(%rax), %r12
    movq 40(%rax), %r13
    movq 48(%rax), %r14
    movq 56(%rax), %r15
    movq 72(%rax), %rsi
    movq 80(%rax), %rbp
    movq 88(%rax), %rbx
    movq 96(%rax), %rdx
    movq 112(%rax), %rcx
    movq 120(%rax), %rsp
    pushq 128(%rax)
    movq 64(%rax), %rdi
    xorl %eax, %eax
    ret
    .size shim_resumeContext, .-shim_resumeContext

    .section .note.GNU-stack,"",@progbits
