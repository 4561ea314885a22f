/*
 * What a new container network namespace needs before anything is wired in, done from inside it
 * (shared by netnsinit and lockhold):
 *   - IPv6 off (net.ipv6.conf.{all,default}.disable_ipv6=1), as Docker without --ipv6:
 *     minirun hands out IPv4 addresses only;
 *   - loopback up (the container itself lacks CAP_NET_ADMIN to do it).
 * Returns 0, or -1 with `netns_init_error` saying what failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static char netns_init_error[256];

static int netns_init_fail(const char *what, int err) {
  snprintf(netns_init_error, sizeof netns_init_error, "%s: %s", what, strerror(err));
  return -1;
}

static int netns_write_one(const char *file) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return netns_init_fail(file, errno);
  int ok = write(fd, "1\n", 2) == 2;
  int saved = errno;
  close(fd);
  return ok ? 0 : netns_init_fail(file, saved);
}

static int netns_init(void) {
  if (netns_write_one("/proc/sys/net/ipv6/conf/all/disable_ipv6") || netns_write_one("/proc/sys/net/ipv6/conf/default/disable_ipv6")) return -1;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return netns_init_fail("socket", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  int rc = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) rc = netns_init_fail("lo", errno);
  ifr.ifr_flags |= IFF_UP;
  if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0) rc = netns_init_fail("set lo up", errno);
  close(s);
  return rc;
}
