// LD_PRELOAD library for scripts/gen-order-file.sh: records which pages of skiff's code each skiff process
// runs. At start the executable's code is mapped PROT_NONE; the first touch of each page traps here, the
// page's file offset is appended to $TRACE_DIR/trace.PID and the page is made executable again. Linked with
// subalign.ld, every function starts on its own page, so a page names one function.
// Only processes whose executable is named "skiff" are traced; any other program loading this library
// (kubectl, containerd, ...) runs untouched.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long text_lo, text_hi, text_off;
static int out_fd = -1;

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    unsigned long a = (unsigned long)si->si_addr;
    if (a >= text_lo && a < text_hi) {
        unsigned long page = a & ~4095UL;
        mprotect((void *)page, 4096, PROT_READ | PROT_EXEC);
        unsigned long off = page - text_lo + text_off;
        (void)!write(out_fd, &off, sizeof off);
        return;
    }
    signal(SIGSEGV, SIG_DFL); // a real fault: let it crash as it would have
}

__attribute__((constructor)) static void start_tracing(void) {
    const char *dir = getenv("TRACE_DIR");
    if (!dir) return;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    const char *base = strrchr(exe, '/');
    if (strcmp(base ? base + 1 : exe, "skiff") != 0) return;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) return;
    char line[8192];
    while (fgets(line, sizeof line, maps)) {
        unsigned long a, b, off;
        char perm[8], path[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &a, &b, perm, &off, path) < 4) continue;
        if (strcmp(path, exe) == 0 && strcmp(perm, "r-xp") == 0) { text_lo = a; text_hi = b; text_off = off; }
    }
    fclose(maps);
    if (!text_lo) return;
    char name[4200];
    // The command line first (NUL-separated, then a newline), so the trace says which component it is.
    snprintf(name, sizeof name, "%s/cmd.%d", dir, getpid());
    int cmd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int self = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    char buf[4096];
    ssize_t got = read(self, buf, sizeof buf);
    if (got > 0) (void)!write(cmd, buf, got);
    close(self);
    close(cmd);
    snprintf(name, sizeof name, "%s/trace.%d", dir, getpid());
    out_fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
    sigaction(SIGSEGV, &sa, NULL);
    mprotect((void *)text_lo, text_hi - text_lo, PROT_NONE);
}
