/*
 * Preloaded into the sandbox Asterisk by scripts/asterisk-sandbox (LD_PRELOAD): a bind() to the
 * any-address, 0.0.0.0 or ::, binds the loopback address of the same family instead (127.0.0.1,
 * ::1), port unchanged. Every other bind() is passed on as it was.
 *
 * Why: the sandbox must listen on loopback only. Its configuration binds every service it names
 * to 127.0.0.1 and leaves out the modules that would bind 0.0.0.0, but res_pjsip also creates
 * pjproject's DNS resolver whenever the system knows a name server (glibc always does: 127.0.0.1
 * when resolv.conf names none), and that resolver binds two UDP sockets to 0.0.0.0:0 and [::]:0,
 * with no setting to say otherwise (Asterisk 16 and 22 alike).
 *
 * No header and no libc version: the same file, built once on the host with
 *   gcc -shared -fPIC -nostdlib -fno-stack-protector -O2 -o loopback-bind.so loopback-bind.c
 * loads into any Debian release's Asterisk (bullseye's glibc 2.31 as well as unstable's). It
 * only needs syscall(), which every glibc has had under its first version.
 */

typedef unsigned int socklen_t;
struct sockaddr;

extern long syscall(long number, ...);

#if defined(__x86_64__)
#define SYS_BIND 49
#elif defined(__aarch64__)
#define SYS_BIND 200
#else
#error "loopback-bind: only x86-64 and arm64 are supported"
#endif

#define FAMILY_INET 2
#define FAMILY_INET6 10

static int all_zero(const unsigned char *p, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        if (p[i]) {
            return 0;
        }
    }
    return 1;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    /* struct sockaddr_in: family (2 bytes), port (2), address (4) at offset 4.
     * struct sockaddr_in6: family (2), port (2), flowinfo (4), address (16) at offset 8. */
    unsigned char copy[28];
    const unsigned char *in = (const unsigned char *) addr;
    unsigned short family;
    unsigned int i;

    if (!in || len < 8 || len > sizeof(copy)) {
        return (int) syscall(SYS_BIND, fd, addr, len);
    }
    family = *(const unsigned short *) in;
    if (family == FAMILY_INET && len >= 8 && all_zero(in + 4, 4)) {
        for (i = 0; i < len; i++) {
            copy[i] = in[i];
        }
        copy[4] = 127;
        copy[7] = 1;
        return (int) syscall(SYS_BIND, fd, copy, len);
    }
    if (family == FAMILY_INET6 && len >= 24 && all_zero(in + 8, 16)) {
        for (i = 0; i < len; i++) {
            copy[i] = in[i];
        }
        copy[23] = 1;
        return (int) syscall(SYS_BIND, fd, copy, len);
    }
    return (int) syscall(SYS_BIND, fd, addr, len);
}
