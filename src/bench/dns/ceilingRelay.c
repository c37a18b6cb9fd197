// The DNS benchmark's ceiling: the least a user-space UDP DNS forwarder can do, in C, with batched
// socket I/O. It parses nothing but the 16-bit id, applies no policy, logs nothing and keeps no
// cache; one thread, like dnsmasq. Whatever rate it reaches on a machine is an upper bound for any
// forwarder there (dnsmasq, or Sluice's proxy), since the load generator and the resolver share
// the same cores. Built and run by src/bench/dns.ts; not part of the agent.
//
//   ceiling-relay LISTEN_IP PORT UPSTREAM_IP UPSTREAM_PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define MSG_MAX 4096

// One slot per upstream id: who asked, and with which id. A slot is reused after 65536 queries;
// by then dnsperf has long given up on the old one.
struct pending {
  struct sockaddr_in client;
  uint16_t client_id;
};

static struct pending slots[65536];
static uint8_t bufs[BATCH][MSG_MAX];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static struct sockaddr_in names[BATCH];

static void die(const char *what) {
  fprintf(stderr, "ceiling-relay: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int udp_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int size = 8 << 20;
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return fd;
}

static struct sockaddr_in address(const char *ip, const char *port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "ceiling-relay: not an IPv4 address: %s\n", ip);
    exit(2);
  }
  return a;
}

static int receive(int fd) {
  for (int i = 0; i < BATCH; i++) {
    iovs[i] = (struct iovec){.iov_base = bufs[i], .iov_len = MSG_MAX};
    msgs[i].msg_hdr = (struct msghdr){.msg_name = &names[i], .msg_namelen = sizeof names[i], .msg_iov = &iovs[i], .msg_iovlen = 1};
  }
  int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
  if (n < 0 && errno != EAGAIN && errno != EINTR) die("recvmmsg");
  return n < 0 ? 0 : n;
}

static void send_all(int fd, int n) {
  for (int sent = 0; sent < n;) {
    int r = sendmmsg(fd, msgs + sent, n - sent, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break; // a full socket buffer drops the rest, as a kernel queue would
      die("sendmmsg");
    }
    sent += r;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: ceiling-relay LISTEN_IP PORT UPSTREAM_IP UPSTREAM_PORT\n");
    return 2;
  }
  struct sockaddr_in listen_at = address(argv[1], argv[2]);
  struct sockaddr_in upstream = address(argv[3], argv[4]);
  int front = udp_socket(), back = udp_socket();
  if (bind(front, (struct sockaddr *)&listen_at, sizeof listen_at) < 0) die("bind");
  if (connect(back, (struct sockaddr *)&upstream, sizeof upstream) < 0) die("connect");
  printf("ready\n");
  fflush(stdout);

  uint16_t next_id = 0;
  struct pollfd fds[2] = {{.fd = front, .events = POLLIN}, {.fd = back, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) die("poll");
    // queries: remember the asker under a fresh id, forward on the connected socket
    for (int n; (n = receive(front)) > 0;) {
      int out = 0;
      for (int i = 0; i < n; i++) {
        if (msgs[i].msg_len < 12) continue;
        uint16_t id = next_id++;
        slots[id].client = names[i];
        memcpy(&slots[id].client_id, bufs[i], 2);
        bufs[i][0] = id >> 8;
        bufs[i][1] = id & 0xff;
        iovs[out] = (struct iovec){.iov_base = bufs[i], .iov_len = msgs[i].msg_len};
        msgs[out].msg_hdr = (struct msghdr){.msg_iov = &iovs[out], .msg_iovlen = 1};
        out++;
      }
      send_all(back, out);
      if (n < BATCH) break;
    }
    // answers: back to the asker with its own id
    for (int n; (n = receive(back)) > 0;) {
      int out = 0;
      for (int i = 0; i < n; i++) {
        if (msgs[i].msg_len < 12) continue;
        uint16_t id = (uint16_t)(bufs[i][0] << 8 | bufs[i][1]);
        memcpy(bufs[i], &slots[id].client_id, 2);
        names[out] = slots[id].client;
        iovs[out] = (struct iovec){.iov_base = bufs[i], .iov_len = msgs[i].msg_len};
        msgs[out].msg_hdr = (struct msghdr){.msg_name = &names[out], .msg_namelen = sizeof names[out], .msg_iov = &iovs[out], .msg_iovlen = 1};
        out++;
      }
      send_all(front, out);
      if (n < BATCH) break;
    }
  }
}
