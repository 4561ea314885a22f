/*
 * lockhold: holds a kernel flock(2) on one file for one minirun process (src/kernel/flock.ts),
 * and, since it is there anyway, makes the mount-table changes a run needs without a spawn each.
 *
 *   lockhold FILE WAIT_SECONDS
 *
 * Opens FILE for appending (creating it 0644) once, then answers requests on stdin, one a line
 * (fields separated by tabs):
 *   lock     flock(LOCK_EX), giving up after WAIT_SECONDS   → "rc 0", or "rc 1" on timeout
 *   unlock   flock(LOCK_UN)                                  → "rc 0"
 *   overlay  LOWER UPPER WORK TARGET   mount -t overlay       → "rc 0", or "rc 1 <why>"
 *   umount   TARGET                    umount, lazily if busy → "rc 0", or "rc 1 <why>"
 *   netns    FILE                      a new network namespace bind-mounted on FILE, with
 *                                      netnsinit's setup (netns_init.h) done inside it
 *   link     NAME      → "rc 0 IFINDEX UP ADDR/PREFIX" (UP 0 or 1, ADDR - when none), or
 *                        "rc 1 <why>" (no such device): a bridge checked without `ip`
 *   nftable  NAME      → "rc 0 HANDLE RULES" of table ip NAME (its handle, new each time a
 *                        table is made, and how many rules it holds), or "rc 1 <why>"
 *   veth     NAME PEER MAC NETNS MASTER MTU|- ALIAS
 *                      a new bridge endpoint's veth pair, PEER moved into NETNS, NAME marked,
 *                      enslaved, hairpin, up: the host side's `ip -batch` (all or nothing)
 *   unplug   NAME MARK          the host end of a bridge endpoint off its bridge and down,
 *                               if NAME's ifalias is MARK (before its namespace is released)
 *   ifup     NETNS IFNAME ADDR PREFIX GATEWAY|-
 *                      inside the namespace persisted at NETNS: the address (broadcast the
 *                      subnet's last), the link up, a default route via GATEWAY; what
 *                      `nsenter --net=NETNS ip -batch` does for a new container endpoint
 * The lock belongs to the open file, so it lives exactly as long as this process: when minirun
 * dies, stdin closes, this exits and the kernel drops the lock. It replaces a shell running
 * flock(1) per request, and `mount`, `umount` and `unshare --net=FILE netnsinit` on every run
 * (--explain still prints those commands).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <linux/sockios.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <endian.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <unistd.h>
#include "netns_init.h"

static void on_alarm(int sig) { (void)sig; }

static void reply(int rc) {
  char line[16];
  int n = snprintf(line, sizeof line, "rc %d\n", rc);
  if (write(STDOUT_FILENO, line, (size_t)n) != n) _exit(1);
}

static void reply_error(const char *what, int err) {
  char line[512];
  int n = err ? snprintf(line, sizeof line, "rc 1 %s: %s\n", what, strerror(err)) : snprintf(line, sizeof line, "rc 1 %s\n", what);
  if (n < 0 || n >= (int)sizeof line) n = snprintf(line, sizeof line, "rc 1 %s\n", strerror(err));
  if (write(STDOUT_FILENO, line, (size_t)n) != n) _exit(1);
}

/* Split `s` at tabs into exactly `n` non-empty fields. */
static int fields(char *s, char **f, int n) {
  for (int i = 0; i < n; i++) {
    f[i] = s;
    char *tab = strchr(s, '\t');
    if ((tab != NULL) != (i < n - 1) || *s == '\t' || *s == '\0') return -1;
    if (tab) *tab = '\0', s = tab + 1;
  }
  return 0;
}

static void overlay(char *args) {
  char *f[4], data[3 * 4096];
  if (fields(args, f, 4) != 0) return reply(2);
  int n = snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s", f[0], f[1], f[2]);
  if (n < 0 || n >= (int)sizeof data) return reply_error("overlay options", E2BIG);
  if (mount("overlay", f[3], "overlay", 0, data) != 0) return reply_error("mount overlay", errno);
  reply(0);
}

static void unmount(char *target) {
  if (umount2(target, UMOUNT_NOFOLLOW) == 0 || (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)) return reply(0);
  reply_error("umount", errno);
}

static void link_probe(char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(name) >= IFNAMSIZ) return reply_error(name, ENAMETOOLONG);
  strcpy(ifr.ifr_name, name);
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return reply_error("socket", errno);
  if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
    int err = errno;
    close(s);
    return reply_error(name, err);
  }
  int index = ifr.ifr_ifindex, up = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) up = (ifr.ifr_flags & IFF_UP) != 0;
  char addr[INET_ADDRSTRLEN] = "-";
  int prefix = 0;
  if (ioctl(s, SIOCGIFADDR, &ifr) == 0) {
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, addr, sizeof addr);
    if (ioctl(s, SIOCGIFNETMASK, &ifr) == 0) prefix = __builtin_popcount(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr);
  }
  close(s);
  char line[128];
  int n = snprintf(line, sizeof line, "rc 0 %d %d %s/%d\n", index, up, addr, prefix);
  if (write(STDOUT_FILENO, line, (size_t)n) != n) _exit(1);
}

/* One nftables request about table ip NAME (NAME's length with its NUL: len) on a new netlink
 * socket: the socket to read the answer from, or -errno. */
static int nft_request(int type, int flags, int name_attr, const char *name, size_t len) {
  struct {
    struct nlmsghdr nh;
    struct nfgenmsg nf;
    struct nlattr attr;
    char name[256];
  } req;
  memset(&req, 0, sizeof req);
  req.attr.nla_type = (uint16_t)name_attr;
  req.attr.nla_len = (uint16_t)(NLA_HDRLEN + len);
  memcpy(req.name, name, len);
  req.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof req.nf) + NLA_ALIGN(req.attr.nla_len));
  req.nh.nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
  req.nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
  req.nh.nlmsg_seq = 1;
  req.nf.nfgen_family = NFPROTO_IPV4;
  req.nf.version = NFNETLINK_V0;
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (s < 0) return -errno;
  if (send(s, &req, req.nh.nlmsg_len, 0) != (ssize_t)req.nh.nlmsg_len) {
    int err = errno;
    close(s);
    return -err;
  }
  return s;
}

static char answer[65536];

/* How many rules table ip NAME holds (an NFT_MSG_GETRULE dump), or -errno. */
static long count_rules(const char *name, size_t len) {
  int s = nft_request(NFT_MSG_GETRULE, NLM_F_DUMP, NFTA_RULE_TABLE, name, len);
  if (s < 0) return s;
  long rules = 0;
  for (;;) {
    int n = (int)recv(s, answer, sizeof answer, 0);
    if (n <= 0) {
      int err = n < 0 ? errno : EPROTO;
      close(s);
      return -err;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        int err = h->nlmsg_type == NLMSG_ERROR ? -((struct nlmsgerr *)NLMSG_DATA(h))->error : 0;
        close(s);
        return err ? -err : rules;
      }
      rules++;
    }
  }
}

/* NFT_MSG_GETTABLE for table ip NAME: its handle (unique to each time the table is made) and
 * how many rules it holds. */
static void nftable_probe(char *name) {
  size_t len = strlen(name) + 1;
  if (len > 256) return reply_error(name, ENAMETOOLONG);
  int s = nft_request(NFT_MSG_GETTABLE, 0, NFTA_TABLE_NAME, name, len);
  if (s < 0) return reply_error("netlink", -s);
  ssize_t n = recv(s, answer, sizeof answer, 0);
  int err = errno;
  close(s);
  if (n < (ssize_t)sizeof(struct nlmsghdr)) return reply_error("netlink", n < 0 ? err : EPROTO);
  struct nlmsghdr *h = (struct nlmsghdr *)answer;
  if (h->nlmsg_type == NLMSG_ERROR) {
    struct nlmsgerr *e = NLMSG_DATA(h);
    return reply_error(name, e->error ? -e->error : EPROTO);
  }
  if (h->nlmsg_len > (size_t)n) return reply_error("netlink", EPROTO);
  char *p = (char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)), *end = (char *)h + h->nlmsg_len;
  while (p + NLA_HDRLEN <= end) {
    struct nlattr *a = (struct nlattr *)p;
    if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end) break;
    if ((a->nla_type & NLA_TYPE_MASK) == NFTA_TABLE_HANDLE && a->nla_len >= NLA_HDRLEN + 8) {
      uint64_t be;
      memcpy(&be, p + NLA_HDRLEN, 8);
      long rules = count_rules(name, len);
      if (rules < 0) return reply_error("netlink: the table's rules", (int)-rules);
      char line[64];
      int m = snprintf(line, sizeof line, "rc 0 %llu %ld\n", (unsigned long long)be64toh(be), rules);
      if (write(STDOUT_FILENO, line, (size_t)m) != m) _exit(1);
      return;
    }
    p += NLA_ALIGN(a->nla_len);
  }
  reply_error("netlink: no table handle", EPROTO);
}

/* Into the network namespace persisted at `netns`: the fd to come home with (leave_netns), or -errno. */
static int enter_netns(const char *netns) {
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), target = open(netns, O_RDONLY | O_CLOEXEC);
  if (home < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
    int err = errno;
    if (home >= 0) close(home);
    if (target >= 0) close(target);
    return -err;
  }
  close(target);
  return home;
}

/* Never stay in another namespace: later requests (and this process) belong to the host's. */
static void leave_netns(int home) {
  if (setns(home, CLONE_NEWNET) != 0) _exit(1);
  close(home);
}

static int set_in4(struct sockaddr *sa, const char *text) {
  struct sockaddr_in *in = (struct sockaddr_in *)sa;
  memset(in, 0, sizeof *in);
  in->sin_family = AF_INET;
  return inet_pton(AF_INET, text, &in->sin_addr) == 1 ? 0 : -1;
}

/* The container side of an endpoint, by ioctl from inside its namespace (then back home). */
static void ifup(char *args) {
  char *f[5];
  if (fields(args, f, 5) != 0) return reply(2);
  const char *netns = f[0], *ifname = f[1], *addr = f[2], *gateway = f[4];
  long prefix = strtol(f[3], NULL, 10);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(ifname) >= IFNAMSIZ || prefix < 1 || prefix > 32 || set_in4(&ifr.ifr_addr, addr) != 0) return reply(2);
  strcpy(ifr.ifr_name, ifname);
  struct in_addr ip = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, mask = {htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix))};
  struct rtentry rt;
  memset(&rt, 0, sizeof rt);
  if (strcmp(gateway, "-") != 0 && set_in4(&rt.rt_gateway, gateway) != 0) return reply(2);
  int home = enter_netns(netns);
  if (home < 0) return reply_error(netns, -home);
  const char *what = NULL;
  int err = 0, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) what = "socket", err = errno;
  else if (ioctl(s, SIOCSIFADDR, &ifr) != 0) what = "set the address", err = errno;
  else {
    ((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr = mask;
    if (ioctl(s, SIOCSIFNETMASK, &ifr) != 0) what = "set the netmask", err = errno;
  }
  if (!what) {
    ((struct sockaddr_in *)&ifr.ifr_broadaddr)->sin_addr.s_addr = ip.s_addr | ~mask.s_addr;
    if (ioctl(s, SIOCSIFBRDADDR, &ifr) != 0) what = "set the broadcast address", err = errno;
  }
  if (!what && (ioctl(s, SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) != 0))) what = "set the link up", err = errno;
  if (!what && strcmp(gateway, "-") != 0) {
    set_in4(&rt.rt_dst, "0.0.0.0");
    set_in4(&rt.rt_genmask, "0.0.0.0");
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = (char *)ifname;
    if (ioctl(s, SIOCADDRT, &rt) != 0) what = "add the default route", err = errno;
  }
  if (s >= 0) close(s);
  leave_netns(home);
  if (what) return reply_error(what, err);
  reply(0);
}

/* ---- veth: a new endpoint's pair, host side, in rtnetlink messages instead of `ip -batch` ---- */

struct nlmsg {
  struct nlmsghdr nh;
  struct ifinfomsg ifi;
  char attrs[1024];
};

static struct nlattr *nl_put(struct nlmsg *m, int type, const void *data, size_t len) {
  struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(m->nh.nlmsg_len));
  if (NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_HDRLEN + NLA_ALIGN(len) > sizeof *m) return NULL;
  a->nla_type = (uint16_t)type;
  a->nla_len = (uint16_t)(NLA_HDRLEN + len);
  if (len) memcpy((char *)a + NLA_HDRLEN, data, len);
  m->nh.nlmsg_len = (uint32_t)(NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len));
  return a;
}

/* A nested attribute's length, once its content is in. */
static void nl_end(struct nlmsg *m, struct nlattr *nest) {
  if (nest) nest->nla_len = (uint16_t)((char *)m + m->nh.nlmsg_len - (char *)nest);
}

static void nl_start(struct nlmsg *m, int type, int flags, int family, int index) {
  memset(m, 0, sizeof *m);
  m->nh.nlmsg_len = NLMSG_LENGTH(sizeof m->ifi);
  m->nh.nlmsg_type = (uint16_t)type;
  m->nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
  m->ifi.ifi_family = (unsigned char)family;
  m->ifi.ifi_index = index;
}

/* Send one rtnetlink request on `s` and read its ack: 0, or -errno. */
static int nl_talk(int s, struct nlmsg *m) {
  if (send(s, m, m->nh.nlmsg_len, 0) != (ssize_t)m->nh.nlmsg_len) return -errno;
  ssize_t n = recv(s, answer, sizeof answer, 0);
  if (n < 0) return -errno;
  struct nlmsghdr *h = (struct nlmsghdr *)answer;
  if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || h->nlmsg_type != NLMSG_ERROR) return -EPROTO;
  return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/*
 * veth NAME PEER MAC NETNS MASTER MTU|- ALIAS: what `ip -batch` did for a new bridge endpoint (its
 * lines in src/kernel/ip.ts addOwnedVeth): the pair NAME/PEER with PEER (address MAC) moved into
 * the namespace persisted at NETNS, NAME marked with ALIAS, plugged into bridge MASTER with
 * hairpin on, then up. All or nothing: a pair made here is deleted again when a later step fails.
 */
static void veth(char *args) {
  char *f[7];
  if (fields(args, f, 7) != 0) return reply_error("veth: 7 fields", EINVAL);
  const char *name = f[0], *peer = f[1], *netns = f[3], *alias = f[6];
  unsigned char mac[6];
  unsigned mtu = strcmp(f[5], "-") == 0 ? 0 : (unsigned)strtoul(f[5], NULL, 10);
  if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ || strlen(alias) >= 256) return reply_error("veth: name or alias too long", ENAMETOOLONG);
  if (sscanf(f[2], "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) return reply_error("veth: MAC", EINVAL);
  int master = (int)if_nametoindex(f[4]);
  if (!master) return reply_error(f[4], errno);
  int nsfd = open(netns, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return reply_error(netns, errno);
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) {
    close(nsfd);
    return reply_error("netlink", errno);
  }
  static struct nlmsg m;
  const char *what = "add";
  /* 1. link add NAME type veth peer name PEER address MAC netns NETNS (mtu MTU on both) */
  nl_start(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0);
  nl_put(&m, IFLA_IFNAME, name, strlen(name) + 1);
  if (mtu) nl_put(&m, IFLA_MTU, &mtu, sizeof mtu);
  struct nlattr *info = nl_put(&m, IFLA_LINKINFO | NLA_F_NESTED, NULL, 0);
  nl_put(&m, IFLA_INFO_KIND, "veth", 5);
  struct nlattr *data = nl_put(&m, IFLA_INFO_DATA | NLA_F_NESTED, NULL, 0);
  struct nlattr *p = nl_put(&m, VETH_INFO_PEER | NLA_F_NESTED, NULL, 0);
  struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
  /* the peer's ifinfomsg, then its attributes, all inside VETH_INFO_PEER */
  memcpy((char *)&m + m.nh.nlmsg_len, &pifi, sizeof pifi);
  m.nh.nlmsg_len += NLMSG_ALIGN(sizeof pifi);
  nl_put(&m, IFLA_IFNAME, peer, strlen(peer) + 1);
  nl_put(&m, IFLA_ADDRESS, mac, sizeof mac);
  if (mtu) nl_put(&m, IFLA_MTU, &mtu, sizeof mtu);
  uint32_t fd32 = (uint32_t)nsfd;
  nl_put(&m, IFLA_NET_NS_FD, &fd32, sizeof fd32);
  nl_end(&m, p);
  nl_end(&m, data);
  nl_end(&m, info);
  int r = nl_talk(s, &m);
  close(nsfd);
  int index = r == 0 ? (int)if_nametoindex(name) : 0;
  if (r == 0 && !index) r = -errno;
  /* 2. link set dev NAME alias ALIAS; link set NAME master MASTER */
  if (r == 0) {
    what = "alias and master";
    nl_start(&m, RTM_NEWLINK, 0, AF_UNSPEC, index);
    nl_put(&m, IFLA_IFALIAS, alias, strlen(alias));
    uint32_t master32 = (uint32_t)master;
    nl_put(&m, IFLA_MASTER, &master32, sizeof master32);
    r = nl_talk(s, &m);
  }
  /* 3. link set NAME type bridge_slave hairpin on: a container reaching its own published port
   * through the host comes back out the same port */
  if (r == 0) {
    what = "hairpin";
    nl_start(&m, RTM_SETLINK, 0, AF_BRIDGE, index);
    struct nlattr *proto = nl_put(&m, IFLA_PROTINFO | NLA_F_NESTED, NULL, 0);
    uint8_t on = 1;
    nl_put(&m, IFLA_BRPORT_MODE, &on, sizeof on);
    nl_end(&m, proto);
    r = nl_talk(s, &m);
  }
  /* 4. link set NAME up */
  if (r == 0) {
    what = "up";
    nl_start(&m, RTM_NEWLINK, 0, AF_UNSPEC, index);
    m.ifi.ifi_flags = IFF_UP;
    m.ifi.ifi_change = IFF_UP;
    r = nl_talk(s, &m);
  }
  if (r != 0 && index) {
    nl_start(&m, RTM_DELLINK, 0, AF_UNSPEC, index);
    nl_talk(s, &m);
  }
  close(s);
  if (r != 0) return reply_error(what, -r);
  reply(0);
}

/*
 * unplug NAME MARK: a bridge endpoint's host end taken off its bridge and down, when NAME is
 * marked MARK (its ifalias: minirun's own). What a container leaves behind in its namespace (a
 * socket, an nsfs fd, an open /proc/PID/net file, given to a process that lives on) can keep that
 * namespace, and the veth with it, alive after the container is gone: off the bridge and down,
 * the old end carries nothing for the next container given its address. Deleting it instead
 * would wait out an RCU grace period (10-25 ms here); the veth goes when its namespace does.
 */
static void unplug(char *args) {
  char *f[2];
  if (fields(args, f, 2) != 0) return reply_error("unplug: 2 fields", EINVAL);
  if (strlen(f[0]) >= IFNAMSIZ) return reply_error(f[0], ENAMETOOLONG);
  int index = (int)if_nametoindex(f[0]);
  if (!index) return reply_error(f[0], errno);
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return reply_error("netlink", errno);
  /* its ifalias, from the kernel (not /sys/class/net: sysfs shows the namespace it was mounted in) */
  static struct nlmsg m;
  nl_start(&m, RTM_GETLINK, 0, AF_UNSPEC, index);
  m.nh.nlmsg_flags = NLM_F_REQUEST;
  ssize_t n = send(s, &m, m.nh.nlmsg_len, 0) == (ssize_t)m.nh.nlmsg_len ? recv(s, answer, sizeof answer, 0) : -1;
  const char *alias = NULL;
  struct nlmsghdr *h = (struct nlmsghdr *)answer;
  if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct ifinfomsg)) && h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len <= (size_t)n) {
    char *p = (char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct ifinfomsg)), *end = (char *)h + h->nlmsg_len;
    for (struct nlattr *a; p + NLA_HDRLEN <= end; p += NLA_ALIGN(a->nla_len)) {
      a = (struct nlattr *)p;
      if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end) break;
      /* a string attribute, NUL-terminated by the kernel */
      if ((a->nla_type & NLA_TYPE_MASK) == IFLA_IFALIAS && a->nla_len > NLA_HDRLEN && p[a->nla_len - 1] == '\0') alias = p + NLA_HDRLEN;
    }
  }
  if (!alias || strcmp(alias, f[1]) != 0) {
    close(s);
    return reply_error("unplug: not marked as this root's", EPERM);
  }
  nl_start(&m, RTM_NEWLINK, 0, AF_UNSPEC, index);
  m.ifi.ifi_change = IFF_UP; /* ifi_flags 0: down */
  uint32_t none = 0;
  nl_put(&m, IFLA_MASTER, &none, sizeof none);
  int r = nl_talk(s, &m);
  close(s);
  if (r != 0) return reply_error("unplug", -r);
  reply(0);
}

/* Into a new network namespace and back: the bind mount on `file` is what keeps it. */
static void new_netns(char *file) {
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return reply_error("open /proc/self/ns/net", errno);
  if (unshare(CLONE_NEWNET) != 0) {
    close(home);
    return reply_error("unshare --net", errno);
  }
  int err = 0;
  const char *what = NULL;
  if (netns_init() != 0) what = netns_init_error;
  else if (mount("/proc/thread-self/ns/net", file, NULL, MS_BIND, NULL) != 0) what = "bind-mount the namespace", err = errno;
  leave_netns(home);
  if (what) return reply_error(what, err);
  reply(0);
}

/* The requests with arguments (the header comment says what each does). */
static const struct {
  const char *name;
  void (*serve)(char *args);
} REQUESTS[] = {
    {"overlay", overlay}, {"umount", unmount}, {"netns", new_netns}, {"ifup", ifup},
    {"veth", veth},       {"unplug", unplug},  {"link", link_probe}, {"nftable", nftable_probe},
};

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: lockhold FILE WAIT_SECONDS\n");
    return 2;
  }
  unsigned wait = (unsigned)strtoul(argv[2], NULL, 10);
  int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "lockhold: cannot open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  /* no SA_RESTART: the alarm interrupts a blocked flock(), which then fails with EINTR */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);

  static char buf[16384];
  size_t len = 0;
  int skipping = 0; /* inside a line longer than buf: dropped to its end, then answered rc 2 */
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0; /* minirun is gone: exiting releases the lock */
    len += (size_t)n;
    char *nl;
    if (skipping) {
      if ((nl = memchr(buf, '\n', len)) == NULL) {
        len = 0;
        continue;
      }
      size_t used = (size_t)(nl - buf) + 1;
      memmove(buf, nl + 1, len - used);
      len -= used;
      skipping = 0;
      reply(2); /* one answer per request line, or minirun waits for it forever */
    }
    while ((nl = memchr(buf, '\n', len)) != NULL) {
      *nl = '\0';
      if (strcmp(buf, "lock") == 0) {
        int rc = 0;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
          alarm(wait);
          if (wait == 0 || flock(fd, LOCK_EX) != 0) rc = 1;
          alarm(0);
        }
        reply(rc);
      } else if (strcmp(buf, "unlock") == 0) {
        reply(flock(fd, LOCK_UN) == 0 ? 0 : 1);
      } else {
        /* NAME<tab>ARGS: the request of that name, or rc 2 */
        char *tab = strchr(buf, '\t');
        size_t i = 0, n = sizeof REQUESTS / sizeof *REQUESTS;
        if (tab) {
          *tab = '\0';
          while (i < n && strcmp(REQUESTS[i].name, buf) != 0) i++;
        }
        if (tab && i < n) REQUESTS[i].serve(tab + 1);
        else reply(2);
      }
      size_t used = (size_t)(nl - buf) + 1;
      memmove(buf, nl + 1, len - used);
      len -= used;
    }
    if (len == sizeof buf) len = 0, skipping = 1; /* an over-long line: its tail is no request either */
  }
}
