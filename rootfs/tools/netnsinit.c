/*
 * netnsinit: what a new container network namespace needs before anything is wired in, run
 * inside it by `unshare --net=FILE netnsinit` (src/kernel/netns.ts):
 *   - IPv6 off (net.ipv6.conf.{all,default}.disable_ipv6=1), as Docker without --ipv6:
 *     minirun hands out IPv4 addresses only;
 *   - loopback up (the container itself lacks CAP_NET_ADMIN to do it).
 * One process instead of a shell running sysctl and ip: two fork+execs fewer on every run.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "netnsinit: %s: %s\n", what, detail);
  return 1;
}

static int write_sysctl(const char *file) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(file, strerror(errno));
  int ok = write(fd, "1\n", 2) == 2;
  int saved = errno;
  close(fd);
  return ok ? 0 : fail(file, strerror(saved));
}

int main(void) {
  if (write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6") || write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6")) return 1;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail("socket", strerror(errno));
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return fail("lo", strerror(errno));
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return fail("set lo up", strerror(errno));
  close(s);
  return 0;
}
