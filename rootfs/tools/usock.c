/*
 * usock: the smallest unix-socket client/server, for the built-in busybox image.
 * Busybox's nc has no unix-socket (-U) support and no other applet can serve or connect on
 * one, so minirun compiles this (static, no libc beyond the syscalls) into /bin/usock when it
 * builds the busybox image.
 *
 *   usock serve PATH [REPLY]   listen on PATH; for every connection read one line, answer
 *                              REPLY (default "pong from $HOSTNAME: " + the line), close
 *   usock send PATH MESSAGE    connect to PATH, send MESSAGE + "\n", print the answer
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int addr(const char *path, struct sockaddr_un *sa) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sa->sun_path) {
    fprintf(stderr, "usock: path too long: %s\n", path);
    return -1;
  }
  strcpy(sa->sun_path, path);
  return 0;
}

static int serve(const char *path, const char *reply) {
  struct sockaddr_un sa;
  if (addr(path, &sa) < 0) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  unlink(path);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 16) < 0) {
    fprintf(stderr, "usock: cannot listen on %s: %s\n", path, strerror(errno));
    return 1;
  }
  const char *host = getenv("HOSTNAME");
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    /* Read up to the newline (or EOF): a line may arrive in more than one segment. */
    char buf[1024];
    size_t n = 0;
    for (;;) {
      ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
      if (r <= 0) break;
      n += (size_t)r;
      if (memchr(buf, '\n', n) || n == sizeof buf - 1) break;
    }
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    char out[1200];
    int len = reply ? snprintf(out, sizeof out, "%s\n", reply)
                    : snprintf(out, sizeof out, "pong from %s: %s\n", host ? host : "?", buf);
    if (write(c, out, len) < 0) perror("usock: write");
    close(c);
  }
}

static int try_send(const char *path, const char *msg, struct sockaddr_un *sa) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) return -1;
  /* One write for the whole line: the server answers and closes as soon as it has the line, so
   * a second write could meet a closed socket. */
  char line[1100];
  int len = snprintf(line, sizeof line, "%s\n", msg);
  if (len < 0 || (size_t)len >= sizeof line) {
    close(s);
    errno = EMSGSIZE;
    return -1;
  }
  if (connect(s, (struct sockaddr *)sa, sizeof *sa) != 0 || send(s, line, (size_t)len, MSG_NOSIGNAL) != len) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

static int send_msg(const char *path, const char *msg) {
  struct sockaddr_un sa;
  if (addr(path, &sa) < 0) return 2;
  int s = -1;
  /* The socket file appears at the server's bind(), a moment before listen(): retry briefly. */
  for (int i = 0; i < 40 && s < 0; i++) {
    s = try_send(path, msg, &sa);
    if (s < 0 && errno != ECONNREFUSED && errno != ENOENT && errno != EPIPE && errno != ECONNRESET) break;
    if (s < 0) usleep(50000);
  }
  if (s < 0) {
    fprintf(stderr, "usock: cannot talk to %s: %s\n", path, strerror(errno));
    return 1;
  }
  char buf[1200];
  ssize_t n;
  while ((n = read(s, buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2], argc > 3 ? argv[3] : NULL);
  if (argc == 4 && strcmp(argv[1], "send") == 0) return send_msg(argv[2], argv[3]);
  fprintf(stderr, "usage: usock serve PATH [REPLY] | usock send PATH MESSAGE\n");
  return 2;
}
