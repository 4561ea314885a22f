/*
 * netnsinit: run inside a new container network namespace by `unshare --net=FILE netnsinit`,
 * the command --explain prints for it (minirun itself asks its lockhold helper, which does the
 * same in-process): IPv6 off and loopback up, see netns_init.h. One process instead of a shell
 * running sysctl and ip.
 */
#include "netns_init.h"

int main(void) {
  if (netns_init() == 0) return 0;
  fprintf(stderr, "netnsinit: %s\n", netns_init_error);
  return 1;
}
