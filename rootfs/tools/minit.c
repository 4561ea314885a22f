/*
 * minit: the init process `minirun run --init` puts at PID 1 (tini's job, in 60 lines).
 * A command run as PID 1 gets no default signal handling and inherits every orphan; most
 * programs neither forward signals nor reap. minit runs the command as its child, forwards
 * the usual termination signals to it, reaps every zombie, and exits with the child's status
 * (128+N when it died of signal N, as a shell reports it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "--") == 0) first = 2;
  if (first >= argc) {
    fprintf(stderr, "usage: minit [--] COMMAND [ARG...]\n");
    return 2;
  }
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

  child = fork();
  if (child < 0) {
    perror("minit: fork");
    return 1;
  }
  if (child == 0) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &dfl, NULL);
    execvp(argv[first], argv + first);
    fprintf(stderr, "minit: cannot execute %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (;;) {
    int status;
    pid_t p = waitpid(-1, &status, 0);
    if (p < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (p == child) {
      /* reap what is left, then report the command's own status */
      while (waitpid(-1, NULL, WNOHANG) > 0) {}
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
  }
}
