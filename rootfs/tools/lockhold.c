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
#include <sched.h>
#include <sys/file.h>
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

static void unmount(const char *target) {
  if (umount2(target, UMOUNT_NOFOLLOW) == 0 || (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)) return reply(0);
  reply_error("umount", errno);
}

/* Into a new network namespace and back: the bind mount on `file` is what keeps it. */
static void new_netns(const char *file) {
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
  /* never stay in the new namespace: later requests (and this process) belong to the host's */
  if (setns(home, CLONE_NEWNET) != 0) _exit(1);
  close(home);
  if (what) return reply_error(what, err);
  reply(0);
}

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
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0; /* minirun is gone: exiting releases the lock */
    len += (size_t)n;
    char *nl;
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
      } else if (strncmp(buf, "overlay\t", 8) == 0) {
        overlay(buf + 8);
      } else if (strncmp(buf, "umount\t", 7) == 0) {
        unmount(buf + 7);
      } else if (strncmp(buf, "netns\t", 6) == 0) {
        new_netns(buf + 6);
      } else {
        reply(2);
      }
      size_t used = (size_t)(nl - buf) + 1;
      memmove(buf, nl + 1, len - used);
      len -= used;
    }
    if (len == sizeof buf) len = 0; /* an over-long line: not a request */
  }
}
