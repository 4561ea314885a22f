/* Test-only probe (issue 5, CVE-2020-8558): from inside a container, send a TCP SYN for
 * DST_IP:PORT (127.0.0.1) in an Ethernet frame addressed to the gateway's MAC, through an
 * AF_PACKET socket (CAP_NET_RAW is in Docker's default set), and report whether the host
 * answers. Harmless: one SYN, no payload, the half-open connection times out on its own.
 * usage: loopback-syn IFNAME SRC_MAC GW_MAC SRC_IP DST_IP PORT
 * prints "ANSWERED syn-ack" / "ANSWERED rst" (exit 0) or "no answer" (exit 1). */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint16_t sum16(const void *p, size_t n, uint32_t acc) {
  const uint8_t *b = p;
  for (size_t i = 0; i + 1 < n; i += 2) acc += (uint32_t)(b[i] << 8 | b[i + 1]);
  if (n & 1) acc += (uint32_t)(b[n - 1] << 8);
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)~acc;
}

static void mac(const char *s, uint8_t *out) {
  unsigned v[6];
  if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) exit(2);
  for (int i = 0; i < 6; i++) out[i] = (uint8_t)v[i];
}

int main(int argc, char **argv) {
  if (argc != 7) return 2;
  int ifindex = (int)if_nametoindex(argv[1]);
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  if (fd < 0 || !ifindex) { perror("socket"); return 2; }
  struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = ifindex, .sll_halen = 6};
  mac(argv[3], ll.sll_addr);
  if (bind(fd, (struct sockaddr *)&ll, sizeof ll) != 0) { perror("bind"); return 2; }

  uint8_t frame[14 + 20 + 20] = {0};
  struct ether_header *eth = (void *)frame;
  struct iphdr *ip = (void *)(frame + 14);
  struct tcphdr *tcp = (void *)(frame + 34);
  mac(argv[3], eth->ether_dhost);
  mac(argv[2], eth->ether_shost);
  eth->ether_type = htons(ETH_P_IP);
  ip->version = 4, ip->ihl = 5, ip->ttl = 64, ip->protocol = IPPROTO_TCP, ip->tot_len = htons(40);
  ip->saddr = inet_addr(argv[4]), ip->daddr = inet_addr(argv[5]);
  ip->check = htons(sum16(ip, 20, 0));
  uint16_t sport = (uint16_t)(40000 + getpid() % 20000);
  tcp->source = htons(sport), tcp->dest = htons((uint16_t)atoi(argv[6]));
  tcp->seq = htonl(0x1234567), tcp->doff = 5, tcp->syn = 1, tcp->window = htons(1024);
  uint8_t pseudo[12 + 20];
  memcpy(pseudo, &ip->saddr, 4), memcpy(pseudo + 4, &ip->daddr, 4);
  pseudo[8] = 0, pseudo[9] = IPPROTO_TCP, pseudo[10] = 0, pseudo[11] = 20;
  memcpy(pseudo + 12, tcp, 20);
  tcp->check = htons(sum16(pseudo, sizeof pseudo, 0));

  for (int tries = 0; tries < 3; tries++) {
    if (sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&ll, sizeof ll) < 0) { perror("sendto"); return 2; }
    time_t until = time(NULL) + 1;
    while (time(NULL) <= until) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      if (poll(&p, 1, 200) <= 0) continue;
      uint8_t buf[2048];
      ssize_t n = recv(fd, buf, sizeof buf, 0); /* SOCK_RAW: from the Ethernet header on */
      if (n < 54) continue;
      struct iphdr *rip = (void *)(buf + 14);
      if (rip->protocol != IPPROTO_TCP || rip->saddr != ip->daddr) continue;
      struct tcphdr *rt = (void *)(buf + 14 + rip->ihl * 4);
      if (ntohs(rt->source) != atoi(argv[6]) || ntohs(rt->dest) != sport) continue;
      puts(rt->syn && rt->ack ? "ANSWERED syn-ack" : rt->rst ? "ANSWERED rst" : "ANSWERED");
      return 0;
    }
  }
  puts("no answer");
  return 1;
}
