/*
 * lockhold: holds a kernel flock(2) on one file for one minirun process (src/kernel/flock.ts).
 *
 *   lockhold FILE WAIT_SECONDS
 *
 * Opens FILE for appending (creating it 0644) once, then answers requests on stdin, one a line:
 *   lock     flock(LOCK_EX), giving up after WAIT_SECONDS   → "rc 0", or "rc 1" on timeout
 *   unlock   flock(LOCK_UN)                                  → "rc 0"
 * The lock belongs to the open file, so it lives exactly as long as this process: when minirun
 * dies, stdin closes, this exits and the kernel drops the lock. It replaces a shell running
 * flock(1) per request: two process spawns per locked section, on every command's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

static void reply(int rc) {
  char line[16];
  int n = snprintf(line, sizeof line, "rc %d\n", rc);
  if (write(STDOUT_FILENO, line, (size_t)n) != n) _exit(1);
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

  char buf[64];
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
