// The few libc calls the datapath needs: mmap for the zero-copy ring reader, setns to attach in
// the node's network namespace, epoll to sleep until the ring has data, sockets, sendmmsg and
// recvmmsg for the DNS proxy, and errno.
import koffi from 'koffi';

let bindings: ReturnType<typeof bind> | undefined;

function bind() {
  const lib = koffi.load('libc.so.6');
  return {
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, intptr_t offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    open: lib.func('int open(const char *path, int flags)'),
    close: lib.func('int close(int fd)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    if_nametoindex: lib.func('unsigned int if_nametoindex(const char *ifname)'),
    epoll_create1: lib.func('int epoll_create1(int flags)'),
    // struct epoll_event is packed on x86-64: 4 bytes of events then 8 bytes of data
    epoll_ctl: lib.func('int epoll_ctl(int epfd, int op, int fd, const void *event)'),
    epoll_wait: lib.func('int epoll_wait(int epfd, _Out_ void *events, int maxevents, int timeout)'),
    clock_gettime: lib.func('int clock_gettime(int clockid, _Out_ void *ts)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
    listen: lib.func('int listen(int fd, int backlog)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    getpagesize: lib.func('int getpagesize(void)'),
    // struct mmsghdr arrays are laid out by the caller (dns/udpSendBatch.ts)
    sendmmsg: lib.func('int sendmmsg(int fd, void *msgvec, unsigned int vlen, int flags)'),
    recvmmsg: lib.func('int recvmmsg(int fd, void *msgvec, unsigned int vlen, int flags, void *timeout)'),
  };
}

export function libc(): ReturnType<typeof bind> {
  bindings ??= bind();
  return bindings;
}

export function errno(): number {
  return koffi.errno();
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const O_RDONLY = 0;
export const O_CLOEXEC = 0o2000000;
export const CLONE_NEWNET = 0x40000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLLIN = 1;
export const MAP_FAILED = -1n;

const CLOCK_BOOTTIME = 7;
const timespec = Buffer.alloc(16);

/** CLOCK_BOOTTIME in ns: the clock of bpf_ktime_get_boot_ns(), which stamps flows and conntrack. */
export function bootNowNs(): bigint {
  libc().clock_gettime(CLOCK_BOOTTIME, timespec);
  return timespec.readBigInt64LE(0) * 1_000_000_000n + timespec.readBigInt64LE(8);
}
