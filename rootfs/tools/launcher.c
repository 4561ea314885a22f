/*
 * launcher: the one host binary that starts a container (`launch`) or enters one (`exec`).
 * It is runc's init in small. Everything that crosses from the host into the container happens
 * here, in one process per step, with no shell, no host PATH and no inherited environment:
 *
 *   launch: [setns net/uts/ipc] → join cgroups → unshare mnt/pid/uts/ipc/cgroup → fork PID 1 →
 *           proc, /dev, sysfs, binds (resolved inside the root, never through its symlinks) →
 *           pivot_root, old root detached → Docker's masked and read-only paths → workdir →
 *           capabilities, no_new_privs, seccomp → execve of the image's file with the image's env.
 *   exec:   open the container's namespaces and root → join its cgroups → setns all → chroot →
 *           fork → the same last steps.
 *
 * A host binary must never be writable through a container's /proc/PID/exe (CVE-2019-5736), so
 * the launcher first re-executes itself from a sealed memfd copy, and is non-dumpable from then
 * until the container's command replaces it. The command is resolved against the container's
 * PATH inside its root, so no host binary is ever the container's process.
 *
 * Errors are one line on stderr ("Error: ..."), exit 125 (launcher), 126 (cannot run the
 * command, as a shell) or 127 (no such command), as Docker does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXN 4096

struct bind { const char *src, *dst; int ro; };

static struct {
  int exec_mode;
  const char *root, *netns, *uts, *ipc, *shm_from, *hostname, *workdir, *init, *name;
  int shm_fd; /* a detached copy of the pod's /dev/shm mount (--shm-from), or -1 */
  const char *cgroups[16]; int ncgroups;
  struct bind binds[MAXN]; int nbinds;
  int caps[64]; int ncaps;
  int privileged, seccomp, export_mode, export_prebuilt;
  pid_t pid; unsigned long long pid_start;
  char **env; int nenv;
  char **argv;
  /* the monitor (conmon's job): terminal, stdin, logs, attach, exit code */
  int tty, stdin_open, detached;
  /* --user: numeric ids, resolved from the image's /etc/passwd by minirun */
  int user_set; uid_t uid; gid_t gid; gid_t groups[64]; int ngroups;
  int read_only;
  const char *shm_size;
  struct { const char *path, *opts; } tmpfs[32]; int ntmpfs;
  struct { int resource; rlim_t soft, hard; } rlimits[16]; int nrlimits;
  const char *log, *exit_file, *pid_file, *attach, *cleanup[3], *cleanup_unless;
} o = {.workdir = "/", .seccomp = 1, .shm_fd = -1};

/* the launcher's file on the host (argv[0], kept across the sealed re-exec) */
static const char *launcher_path;

static void fail(int code, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  dprintf(2, "Error: %s\n", buf);
  _exit(code);
}
#define DIE(...) fail(125, __VA_ARGS__)

/* ---- capabilities: names as Linux numbers them (capability.h) ---- */
static const char *CAP_NAMES[] = {
  "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
  "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
  "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
  "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
  "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
  "checkpoint_restore",
};
#define NCAPNAMES (int)(sizeof CAP_NAMES / sizeof *CAP_NAMES)

static int has_cap(int c) {
  for (int i = 0; i < o.ncaps; i++) if (o.caps[i] == c) return 1;
  return 0;
}

static void parse_caps(char *list) {
  for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
    int c = 0;
    while (c < NCAPNAMES && strcmp(CAP_NAMES[c], s) != 0) c++;
    if (c == NCAPNAMES) DIE("launcher: unknown capability %s", s);
    if (o.ncaps < 64) o.caps[o.ncaps++] = c;
  }
}

/* ---- arguments ---- */
static void usage(void) {
  DIE("usage: launcher launch|exec [options] -- COMMAND [ARG...] (see src/containers/launch.ts), or launcher seccomp-export --caps LIST");
}

static void parse(int argc, char **argv) {
  if (argc < 2) usage();
  if (strcmp(argv[1], "exec") == 0) o.exec_mode = 1;
  else if (strcmp(argv[1], "seccomp-export") == 0) o.export_mode = 1;
  else if (strcmp(argv[1], "launch") != 0) usage();
  o.env = calloc(argc, sizeof *o.env);
  int i = 2;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *k = argv[i];
    if (strcmp(k, "--prebuilt") == 0) { o.export_prebuilt = 1; continue; } /* seccomp-export's one flag without a value */
    if (i + 1 >= argc) usage();
#define ARG(name) (strcmp(k, name) == 0)
    if (ARG("--root")) o.root = argv[++i];
    else if (ARG("--name")) o.name = argv[++i];
    else if (ARG("--netns")) o.netns = argv[++i];
    else if (ARG("--uts")) o.uts = argv[++i];
    else if (ARG("--ipc")) o.ipc = argv[++i];
    else if (ARG("--shm-from")) o.shm_from = argv[++i];
    else if (ARG("--hostname")) o.hostname = argv[++i];
    else if (ARG("--workdir")) o.workdir = argv[++i];
    else if (ARG("--init")) o.init = argv[++i];
    else if (ARG("--cgroup")) { if (o.ncgroups < 16) o.cgroups[o.ncgroups++] = argv[++i]; }
    else if (ARG("--caps")) parse_caps(argv[++i]);
    else if (ARG("--env")) o.env[o.nenv++] = argv[++i];
    else if (ARG("--pid")) o.pid = atoi(argv[++i]);
    else if (ARG("--pid-start")) o.pid_start = strtoull(argv[++i], NULL, 10);
    else if (ARG("--seccomp")) { const char *v = argv[++i]; o.seccomp = strcmp(v, "unconfined") != 0; }
    else if (ARG("--privileged")) { o.privileged = strcmp(argv[++i], "true") == 0; }
    else if (ARG("--tty")) o.tty = strcmp(argv[++i], "true") == 0;
    else if (ARG("--user")) {
      unsigned long u, g;
      if (sscanf(argv[++i], "%lu:%lu", &u, &g) != 2) DIE("launcher: --user takes UID:GID");
      o.user_set = 1; o.uid = u; o.gid = g;
    } else if (ARG("--groups")) {
      for (char *t = strtok(argv[++i], ","); t && o.ngroups < 64; t = strtok(NULL, ",")) o.groups[o.ngroups++] = strtoul(t, NULL, 10);
    } else if (ARG("--read-only")) o.read_only = strcmp(argv[++i], "true") == 0;
    else if (ARG("--shm-size")) o.shm_size = argv[++i];
    else if (ARG("--tmpfs")) {
      if (i + 2 >= argc || o.ntmpfs >= 32) usage();
      o.tmpfs[o.ntmpfs].path = argv[i + 1]; o.tmpfs[o.ntmpfs++].opts = argv[i + 2];
      i += 2;
    } else if (ARG("--rlimit")) {
      if (i + 3 >= argc || o.nrlimits >= 16) usage();
      o.rlimits[o.nrlimits].resource = atoi(argv[i + 1]);
      o.rlimits[o.nrlimits].soft = strtoull(argv[i + 2], NULL, 10);
      o.rlimits[o.nrlimits++].hard = strtoull(argv[i + 3], NULL, 10);
      i += 3;
    }
    else if (ARG("--stdin")) o.stdin_open = strcmp(argv[++i], "true") == 0;
    else if (ARG("--detached")) o.detached = strcmp(argv[++i], "true") == 0;
    else if (ARG("--log")) o.log = argv[++i];
    else if (ARG("--exit-file")) o.exit_file = argv[++i];
    else if (ARG("--pid-file")) o.pid_file = argv[++i];
    else if (ARG("--attach-socket")) o.attach = argv[++i];
    else if (ARG("--cleanup-unless")) o.cleanup_unless = argv[++i];
    else if (ARG("--cleanup")) {
      if (i + 3 >= argc) usage();
      for (int k = 0; k < 3; k++) o.cleanup[k] = argv[i + 1 + k];
      i += 3;
    } else if (ARG("--bind")) {
      if (i + 3 >= argc || o.nbinds >= MAXN) usage();
      struct bind *b = &o.binds[o.nbinds++];
      b->src = argv[i + 1]; b->dst = argv[i + 2]; b->ro = strcmp(argv[i + 3], "ro") == 0;
      i += 3;
    } else DIE("launcher: unknown option %s", k);
  }
  if (o.export_mode) return;
  if (i + 1 >= argc) usage();
  o.argv = &argv[i + 1];
  if (!o.exec_mode && !o.root) DIE("launcher: launch needs --root");
  if (o.exec_mode && o.pid <= 0) DIE("launcher: exec needs --pid");
}

/* ---- 1. a sealed copy of ourselves: /proc/PID/exe inside a container never reaches the host file ---- */
static void reexec_sealed(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) DIE("launcher: open /proc/self/exe: %s", strerror(errno));
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE)) { close(self); return; } /* already the sealed copy */
  int mfd = memfd_create("minirun-launcher", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) DIE("launcher: memfd_create: %s", strerror(errno));
  char buf[65536];
  ssize_t n;
  while ((n = read(self, buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(mfd, buf + off, n - off);
      if (w < 0) DIE("launcher: copy to memfd: %s", strerror(errno));
      off += w;
    }
  }
  if (n < 0) DIE("launcher: read /proc/self/exe: %s", strerror(errno));
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    DIE("launcher: seal memfd: %s", strerror(errno));
  extern char **environ;
  syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  DIE("launcher: re-exec from memfd: %s", strerror(errno));
}

/* ---- paths inside the container root, never escaping it whatever its symlinks say ---- */
static int open_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* O_PATH fd of PATH in the root, creating missing directories (and the last one as a file when
 * !dir), as Docker creates mount points. */
static int mkpath_in_root(int rootfd, const char *path, int dir) {
  int fd = open_in_root(rootfd, path, O_PATH);
  if (fd >= 0) return fd;
  if (errno != ENOENT) return -1;
  char parent[4096], base[256];
  snprintf(parent, sizeof parent, "%s", path);
  char *slash = strrchr(parent, '/');
  if (!slash || !slash[1] || strlen(slash + 1) >= sizeof base) { errno = EINVAL; return -1; }
  snprintf(base, sizeof base, "%s", slash + 1);
  slash[slash == parent ? 1 : 0] = 0; /* "/a" → "/", "/a/b" → "/a" */
  int pfd = mkpath_in_root(rootfd, parent, 1);
  if (pfd < 0) return -1;
  int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* O_PATH can't create */
  close(pfd);
  if (dfd < 0) return -1;
  int r = dir ? mkdirat(dfd, base, 0755) : ({ int f = openat(dfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644); f >= 0 ? close(f) : -1; });
  close(dfd);
  if (r < 0 && errno != EEXIST) return -1;
  return open_in_root(rootfd, path, O_PATH);
}

static const char *fdpath(int fd) {
  static char p[4][64];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "/proc/self/fd/%d", fd);
  return p[k];
}

/* Mount SOURCE (type, flags, data) on PATH inside the root; mount point created as needed. */
static void mount_in_root(int rootfd, const char *source, const char *path, const char *type, unsigned long flags, const char *data, int dir) {
  int fd = mkpath_in_root(rootfd, path, dir);
  if (fd < 0) DIE("cannot make mount point %s in the container: %s", path, strerror(errno));
  if (mount(source, fdpath(fd), type, flags, data) < 0) DIE("mount %s on %s: %s", type ? type : source, path, strerror(errno));
  close(fd);
}

/* Remount the mount now on PATH read-only (after a bind). */
static void remount_ro_in_root(int rootfd, const char *path, unsigned long extra) {
  int fd = open_in_root(rootfd, path, O_PATH);
  if (fd < 0 || mount(NULL, fdpath(fd), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | extra, NULL) < 0)
    DIE("cannot make %s read-only: %s", path, strerror(errno));
  close(fd);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) DIE("write %s: %s", path, strerror(errno));
  close(fd);
}

/* ---- the container's filesystem: proc, /dev, sysfs, binds, then pivot_root ---- */
static void make_dev(int rootfd) {
  mount_in_root(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 1);
  int dev = open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY);
  if (dev < 0) DIE("open /dev: %s", strerror(errno));
  static const struct { const char *name; int major, minor; } nodes[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
  };
  mode_t old = umask(0);
  for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++)
    if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0) DIE("mknod /dev/%s: %s", nodes[i].name, strerror(errno));
  for (const char *d = "pts\0shm\0mqueue\0"; *d; d += strlen(d) + 1)
    if (mkdirat(dev, d, 0755) < 0) DIE("mkdir /dev/%s: %s", d, strerror(errno));
  umask(old);
  symlinkat("pts/ptmx", dev, "ptmx");
  symlinkat("/proc/self/fd", dev, "fd");
  symlinkat("/proc/self/fd/0", dev, "stdin");
  symlinkat("/proc/self/fd/1", dev, "stdout");
  symlinkat("/proc/self/fd/2", dev, "stderr");
  close(dev);
  mount_in_root(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620,gid=5", 1);
  if (o.shm_fd >= 0) {
    int at = mkpath_in_root(rootfd, "/dev/shm", 1);
    if (at < 0 || syscall(SYS_move_mount, o.shm_fd, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      DIE("mount the pod's /dev/shm: %s", strerror(errno));
    close(at); close(o.shm_fd);
  } else {
    char shm[64];
    snprintf(shm, sizeof shm, "mode=1777,size=%s", o.shm_size ? o.shm_size : "65536k");
    mount_in_root(rootfd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm, 1);
  }
  mount_in_root(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
}

/* --init: a copy of minit on the container's own /dev tmpfs, never the host's file. */
static void copy_init(int rootfd) {
  int in = open(o.init, O_RDONLY | O_CLOEXEC);
  if (in < 0) DIE("--init: open %s: %s", o.init, strerror(errno));
  int dev = open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY);
  int out = dev < 0 ? -1 : openat(dev, ".minirun-init", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0555);
  if (out < 0) DIE("--init: create /dev/.minirun-init: %s", strerror(errno));
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) if (write(out, buf, n) != n) DIE("--init: copy: %s", strerror(errno));
  close(in); close(out); close(dev);
}

static void mount_binds(int rootfd) {
  for (int i = 0; i < o.nbinds; i++) {
    struct bind *b = &o.binds[i];
    int src = open(b->src, O_PATH | O_CLOEXEC);
    struct stat st;
    if (src < 0 || fstat(src, &st) < 0) DIE("volume source %s: %s", b->src, strerror(errno));
    int dst = mkpath_in_root(rootfd, b->dst, S_ISDIR(st.st_mode));
    if (dst < 0) DIE("cannot make mount point %s in the container: %s", b->dst, strerror(errno));
    if (mount(fdpath(src), fdpath(dst), NULL, MS_BIND | MS_REC, NULL) < 0) DIE("bind %s on %s: %s", b->src, b->dst, strerror(errno));
    close(src); close(dst);
    if (b->ro) remount_ro_in_root(rootfd, b->dst, 0);
  }
}

/* Docker's defaults (moby oci/defaults.go): paths masked and paths made read-only. */
static const char *MASKED[] = {
  "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
  "/sys/devices/virtual/powercap", NULL,
};
static const char *READONLY[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

static void mask_paths(void) {
  for (const char **p = MASKED; *p; p++) {
    struct stat st;
    if (stat(*p, &st) < 0) continue; /* absent on this kernel */
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", *p, "tmpfs", MS_RDONLY, "size=0") : mount("/dev/null", *p, NULL, MS_BIND, NULL);
    if (r < 0) DIE("mask %s: %s", *p, strerror(errno));
  }
  for (const char **p = READONLY; *p; p++) {
    if (mount(*p, *p, NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue;
      DIE("bind %s: %s", *p, strerror(errno));
    }
    if (mount(NULL, *p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) DIE("read-only %s: %s", *p, strerror(errno));
  }
}

/* --tmpfs PATH OPTS: Docker's defaults (noexec, nosuid, nodev) unless the options say otherwise;
 * flag words become mount flags, the rest (size=, mode=, uid=) the tmpfs's own options. */
static void mount_tmpfs(int rootfd) {
  for (int i = 0; i < o.ntmpfs; i++) {
    unsigned long flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;
    char opts[512], data[512] = "";
    snprintf(opts, sizeof opts, "%s", o.tmpfs[i].opts);
    for (char *t = strtok(opts, ","); t; t = strtok(NULL, ",")) {
      if (!strcmp(t, "exec")) flags &= ~MS_NOEXEC;
      else if (!strcmp(t, "noexec")) flags |= MS_NOEXEC;
      else if (!strcmp(t, "suid")) flags &= ~MS_NOSUID;
      else if (!strcmp(t, "nosuid")) flags |= MS_NOSUID;
      else if (!strcmp(t, "dev")) flags &= ~MS_NODEV;
      else if (!strcmp(t, "nodev")) flags |= MS_NODEV;
      else if (!strcmp(t, "ro")) flags |= MS_RDONLY;
      else if (!strcmp(t, "rw")) flags &= ~MS_RDONLY;
      else snprintf(data + strlen(data), sizeof data - strlen(data), "%s%s", *data ? "," : "", t);
    }
    mount_in_root(rootfd, "tmpfs", o.tmpfs[i].path, "tmpfs", flags, data, 1);
  }
}

static void setup_root(void) {
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) DIE("make / private: %s", strerror(errno));
  int rootfd = open(o.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) DIE("container root %s: %s", o.root, strerror(errno));
  mount_in_root(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
  make_dev(rootfd);
  mount_in_root(rootfd, "sysfs", "/sys", "sysfs", (o.privileged ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
  mount_binds(rootfd);
  mount_tmpfs(rootfd);
  if (o.init) copy_init(rootfd);
  if (o.hostname && sethostname(o.hostname, strlen(o.hostname)) < 0) DIE("sethostname: %s", strerror(errno));
  /* pivot_root(".", "."), then detach the old root stacked on top: nothing of the host stays
   * reachable (no chroot escape), and no directory is left behind in the image. */
  if (fchdir(rootfd) < 0) DIE("chdir into the root: %s", strerror(errno));
  if (syscall(SYS_pivot_root, ".", ".") < 0) DIE("pivot_root: %s", strerror(errno));
  if (umount2(".", MNT_DETACH) < 0) DIE("detach the old root: %s", strerror(errno));
  if (chdir("/") < 0) DIE("chdir /: %s", strerror(errno));
  close(rootfd);
  if (!o.privileged) mask_paths();
  /* --read-only: the root mount itself; /dev, /proc, volumes, tmpfs and /etc/hosts keep their own */
  if (o.read_only && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) DIE("make the root read-only: %s", strerror(errno));
}

static void child_pty(void);

/* ---- last steps, shared by launch and exec ---- */
static void enter_workdir(void) {
  if (chdir(o.workdir) == 0) return;
  if (o.exec_mode) fail(126, "working directory %s does not exist in the container; give an existing one with -w", o.workdir);
  /* run -w: created as Docker does; we are inside the container root here, so it cannot escape */
  char p[4096];
  snprintf(p, sizeof p, "%s", o.workdir);
  for (char *s = p + 1;; s++) {
    if (*s == '/' || *s == 0) {
      char c = *s;
      *s = 0;
      if (mkdir(p, 0755) < 0 && errno != EEXIST) fail(126, "cannot create working directory %s: %s", o.workdir, strerror(errno));
      *s = c;
      if (!c) break;
    }
  }
  if (chdir(o.workdir) < 0) fail(126, "working directory %s: %s", o.workdir, strerror(errno));
}

/* --user: groups, then gid, then uid (after which setgid would no longer be allowed) */
static void switch_user(void) {
  if (!o.user_set) return;
  if (setgroups(o.ngroups, o.groups) < 0) DIE("setgroups: %s", strerror(errno));
  if (setresgid(o.gid, o.gid, o.gid) < 0) DIE("setgid %u: %s", o.gid, strerror(errno));
  if (setresuid(o.uid, o.uid, o.uid) < 0) DIE("setuid %u: %s", o.uid, strerror(errno));
}

static void drop_caps(void) {
  if (o.privileged) {
    switch_user();
    return;
  }
  for (int c = 0; c <= 63; c++) {
    if (has_cap(c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) { if (errno == EINVAL) break; DIE("drop capability %d: %s", c, strerror(errno)); }
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct d[2] = {{0}};
  for (int i = 0; i < o.ncaps; i++) {
    d[o.caps[i] / 32].effective |= 1u << (o.caps[i] % 32);
    d[o.caps[i] / 32].permitted |= 1u << (o.caps[i] % 32);
  }
  /* inheritable stays empty (CVE-2022-24769): root's caps after execve come from the bounding set */
  if (syscall(SYS_capset, &h, d) < 0) DIE("capset: %s", strerror(errno));
  switch_user(); /* a non-root uid loses every capability here, as in Docker */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) DIE("no_new_privs: %s", strerror(errno));
}

/* Docker's default seccomp profile, as a deny list: what it refuses a default container, each
 * syscall allowed again where the container holds the capability Docker ties it to. */
static const struct { int cap; const char *names; } DENY[] = {
  {-1, "add_key keyctl request_key kexec_load kexec_file_load uselib ustat sysfs _sysctl nfsservctl vm86 vm86old "
       "create_module get_kernel_syms query_module userfaultfd io_uring_setup io_uring_enter io_uring_register "
       "lookup_dcookie"},
  {CAP_SYS_ADMIN, "mount umount umount2 mount_setattr move_mount open_tree fsopen fsconfig fsmount fspick pivot_root "
                  "setns bpf perf_event_open fanotify_init quotactl quotactl_fd swapon swapoff name_to_handle_at"},
  {CAP_SYS_BOOT, "reboot"},
  {CAP_SYS_MODULE, "init_module finit_module delete_module"},
  {CAP_SYS_PACCT, "acct"},
  {CAP_SYS_PTRACE, "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev"},
  {CAP_SYS_RAWIO, "iopl ioperm"},
  {CAP_SYS_TIME, "settimeofday stime clock_settime clock_settime64 clock_adjtime clock_adjtime64"},
  {CAP_SYS_TTY_CONFIG, "vhangup"},
  {CAP_SYS_NICE, "get_mempolicy set_mempolicy mbind move_pages"},
  {CAP_SYSLOG, "syslog"},
  {CAP_DAC_READ_SEARCH, "open_by_handle_at"},
};

static void rule(scmp_filter_ctx ctx, int err, int nr, unsigned n, struct scmp_arg_cmp a, struct scmp_arg_cmp b) {
  int r = n == 1 ? seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 1, a) : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 2, a, b);
  if (r < 0 && r != -EDOM && r != -EOPNOTSUPP) DIE("seccomp rule for syscall %d: %s", nr, strerror(-r));
}

static scmp_filter_ctx build_filter(void) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) DIE("seccomp_init failed");
  /* 32-bit entry points get the same rules (any other architecture is killed). */
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) { seccomp_arch_add(ctx, SCMP_ARCH_X86); seccomp_arch_add(ctx, SCMP_ARCH_X32); }
  /* Devices. Docker's device cgroup lets a default container open only null, zero, full,
   * random, urandom, tty, console, ptmx and its ptys, whatever nodes it makes with CAP_MKNOD.
   * minirun has no device cgroup: a node of /dev/kvm, a host tty or vcs, a loop or disk device
   * made in the container would open the host's device. So no character or block device node
   * can be made at all (images never carry one, src/images/extract.ts; FIFOs and sockets are
   * fine). Like the device cgroup, this holds with --security-opt seccomp=unconfined too. */
  for (unsigned t = 0; t < 2; t++) {
    unsigned type = t ? S_IFBLK : S_IFCHR;
    rule(ctx, EPERM, SCMP_SYS(mknod), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, type), SCMP_A1(SCMP_CMP_EQ, 0));
    rule(ctx, EPERM, SCMP_SYS(mknodat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, type), SCMP_A2(SCMP_CMP_EQ, 0));
  }
  if (!o.seccomp) return ctx;
  /* Docker allows socket() for every family but AF_VSOCK (40): the way out of a VM to its host */
  rule(ctx, EPERM, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, 40), SCMP_A0(SCMP_CMP_EQ, 0));
  /* Docker allows personality() only for 0, PER_LINUX32, UNAME26 and the query: no flag that
   * turns off ASLR or maps page zero or makes data executable */
  {
    static const unsigned long BITS[] = {0x0040000 /* ADDR_NO_RANDOMIZE */, 0x0100000 /* MMAP_PAGE_ZERO */, 0x0200000 /* ADDR_COMPAT_LAYOUT */,
                                         0x0400000 /* READ_IMPLIES_EXEC */, 0x0800000 /* ADDR_LIMIT_32BIT */, 0x8000000 /* ADDR_LIMIT_3GB */};
    /* a rule compares an argument once: "BIT set and some other bit clear" is every value with
     * BIT but the query 0xffffffff */
    for (size_t i = 0; i < sizeof BITS / sizeof *BITS; i++)
      for (int j = 0; j < 32; j++)
        if (!(BITS[i] & (1UL << j))) rule(ctx, EPERM, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, BITS[i] | 1UL << j, BITS[i]), SCMP_A0(SCMP_CMP_EQ, 0));
  }
  for (size_t i = 0; i < sizeof DENY / sizeof *DENY; i++) {
    if (DENY[i].cap >= 0 && has_cap(DENY[i].cap)) continue;
    char names[1024];
    snprintf(names, sizeof names, "%s", DENY[i].names);
    for (char *s = strtok(names, " "); s; s = strtok(NULL, " ")) {
      int nr = seccomp_syscall_resolve_name(s);
      if (nr == __NR_SCMP_ERROR) continue;
      int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
      if (r < 0 && r != -EDOM && r != -EOPNOTSUPP) DIE("seccomp rule %s: %s", s, strerror(-r));
    }
  }
  if (!has_cap(CAP_SYS_ADMIN)) {
    /* New namespaces (a user namespace above all: root of its own with every capability). */
    static const unsigned long NS[] = {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0x00000080 /* CLONE_NEWTIME */};
    for (size_t i = 0; i < sizeof NS / sizeof *NS; i++) {
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, NS[i], NS[i]));
      if (NS[i] != 0x80) seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, NS[i], NS[i]));
    }
    /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone. */
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  }
  return ctx;
}

/* What the filter depends on: seccomp on or off, and which of DENY's capabilities the container
 * holds (CAP_SYS_ADMIN also lifts the namespace rules). */
static unsigned filter_key(void) {
  unsigned key = o.seccomp;
  for (size_t i = 0; i < sizeof DENY / sizeof *DENY; i++)
    if (DENY[i].cap >= 0 && has_cap(DENY[i].cap)) key |= 2u << i;
  return key;
}

/* libseccomp takes ~6 ms to build the filter (845 instructions) at every launch and exec, more
 * than the rest of the launcher. The build runs `launcher seccomp-export` for Docker's default
 * capabilities and compiles the program it prints back in (scripts/build-tools.sh): a default
 * container loads that copy; any other set of capabilities builds its own, as before. */
#ifdef LAUNCHER_FILTER_H
#include LAUNCHER_FILTER_H
#endif

static void load_seccomp(void) {
  if (o.privileged) return;
#ifdef LAUNCHER_FILTER_H
  if (filter_key() == PREBUILT_FILTER_KEY) {
    struct sock_fprog prog = {.len = sizeof PREBUILT_FILTER / sizeof *PREBUILT_FILTER, .filter = (struct sock_filter *)PREBUILT_FILTER};
    /* what seccomp_load does with libseccomp's default attributes (no_new_privs is already set);
     * a kernel older than the build's may refuse an action in it: then build it here, as below */
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return;
    if (errno != EINVAL) DIE("seccomp: %s", strerror(errno));
  }
#endif
  scmp_filter_ctx ctx = build_filter();
  int r = seccomp_load(ctx);
  if (r < 0) DIE("seccomp_load: %s", strerror(-r));
  seccomp_release(ctx);
}

static void print_filter(unsigned key, const struct sock_filter *f, size_t n) {
  printf("/* generated by `launcher seccomp-export` at build time: do not edit */\n");
  printf("#define PREBUILT_FILTER_KEY %uu\nstatic const struct sock_filter PREBUILT_FILTER[] = {\n", key);
  for (size_t i = 0; i < n; i++) printf("  {0x%04x, %u, %u, 0x%08x},\n", f[i].code, f[i].jt, f[i].jf, f[i].k);
  printf("};\n");
}

/* `launcher seccomp-export --caps LIST [--seccomp unconfined]`: the filter libseccomp builds for
 * those options, as a C header (PREBUILT_FILTER_KEY, PREBUILT_FILTER) for the build;
 * `launcher seccomp-export --prebuilt`: the one compiled in, the same way (for a test). */
static int export_filter(int prebuilt) {
  if (prebuilt) {
#ifdef LAUNCHER_FILTER_H
    print_filter(PREBUILT_FILTER_KEY, PREBUILT_FILTER, sizeof PREBUILT_FILTER / sizeof *PREBUILT_FILTER);
    return fflush(stdout) == 0 ? 0 : 1;
#else
    DIE("seccomp-export: this launcher was built without a prebuilt filter");
#endif
  }
  scmp_filter_ctx ctx = build_filter();
  int fd = memfd_create("filter", MFD_CLOEXEC);
  if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) DIE("seccomp-export: cannot export the filter");
  off_t n = lseek(fd, 0, SEEK_END);
  struct sock_filter *f = n > 0 ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  if (f == MAP_FAILED) DIE("seccomp-export: empty filter");
  print_filter(filter_key(), f, (size_t)n / sizeof *f);
  return fflush(stdout) == 0 ? 0 : 1;
}

static const char *getenv_in(const char *key) {
  size_t n = strlen(key);
  for (int i = 0; i < o.nenv; i++) if (strncmp(o.env[i], key, n) == 0 && o.env[i][n] == '=') return o.env[i] + n + 1;
  return NULL;
}

/* The command's file inside the container, by the container's PATH (Docker's default when unset). */
static const char *resolve_command(const char *cmd) {
  if (strchr(cmd, '/')) return cmd;
  const char *path = getenv_in("PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  static char full[4096];
  const char *p = path;
  while (1) {
    const char *end = strchrnul(p, ':');
    int n = (int)(end - p);
    snprintf(full, sizeof full, "%.*s/%s", n ? n : 1, n ? p : ".", cmd);
    struct stat st;
    if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) return full;
    if (!*end) break;
    p = end + 1;
  }
  fail(127, "exec: \"%s\": executable file not found in $PATH (%s)", cmd, path);
  return NULL;
}

static void exec_command(void) {
  child_pty();
  enter_workdir();
  const char *file = resolve_command(o.argv[0]);
  char **argv = o.argv;
  if (o.init) {
    int n = 0;
    while (o.argv[n]) n++;
    argv = calloc(n + 3, sizeof *argv);
    argv[0] = "/dev/.minirun-init";
    argv[1] = "--";
    argv[2] = (char *)file;
    for (int i = 1; i < n; i++) argv[i + 2] = o.argv[i];
    file = argv[0];
  }
  for (int i = 0; i < o.nrlimits; i++) {
    struct rlimit r = {o.rlimits[i].soft, o.rlimits[i].hard};
    if (setrlimit(o.rlimits[i].resource, &r) < 0) DIE("--ulimit: setrlimit %d: %s", o.rlimits[i].resource, strerror(errno));
  }
  drop_caps();
  o.env[o.nenv] = NULL;
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  load_seccomp(); /* last: from here on, mount & co. are refused */
  execve(file, argv, o.env);
  fail(errno == ENOENT ? 127 : 126, "exec: \"%s\": %s", o.argv[0], strerror(errno));
}

/* ---- the monitor: the host side of a container, conmon's job in one process ----
 * It waits for the container's first process and forwards signals to it; relays its output
 * (pipes, or the master of a pty made inside the container) to the caller and to the log, one
 * record per line as CRI runtimes write them ("TIME stdout|stderr F|P TEXT": P when the line
 * goes on in the next record); keeps stdin open for -i; serves `attach` on a unix socket; and
 * records the exit code. A detached container's monitor then becomes `minirun container cleanup`. */
static volatile pid_t child;
static int console[2] = {-1, -1}; /* the pty master travels from the container over this */
static int outp[2][2] = {{-1, -1}, {-1, -1}}, inp[2] = {-1, -1};
static sigset_t monitored;

#define MAXCLIENTS 16
static int logfd = -1, listenfd = -1, clients[MAXCLIENTS], nclients;

static void writeall(int fd, const char *b, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0) { if (errno == EINTR) continue; return; }
    b += w; n -= w;
  }
}

static void log_records(const char *stream, const char *data, size_t n) {
  if (logfd < 0) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char prefix[64];
  int plen = (int)strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &tm);
  plen += snprintf(prefix + plen, sizeof prefix - plen, ".%09ldZ %s ", ts.tv_nsec, stream);
  /* every record of one read in one write: readers never see half a record */
  size_t cap = n + (n / 16 + 2) * (plen + 3), len = 0;
  char *out = malloc(cap);
  if (!out) return;
  for (size_t i = 0; i < n;) {
    const char *nl = memchr(data + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - data) : n;
    if (len + plen + 3 + (end - i) + 1 > cap) { cap = (cap + end - i + plen + 4) * 2; char *g = realloc(out, cap); if (!g) break; out = g; }
    memcpy(out + len, prefix, plen); len += plen;
    out[len++] = nl ? 'F' : 'P';
    out[len++] = ' ';
    memcpy(out + len, data + i, end - i); len += end - i;
    out[len++] = '\n';
    i = nl ? end + 1 : n;
  }
  writeall(logfd, out, len);
  free(out);
}

static void emit(int stream, const char *data, size_t n) {
  if (!o.detached) writeall(stream == 2 ? 2 : 1, data, n);
  log_records(stream == 2 ? "stderr" : "stdout", data, n);
  for (int i = 0; i < nclients; i++) if (send(clients[i], data, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) { close(clients[i]); clients[i--] = clients[--nclients]; }
}

static int send_fd(int sock, int fd) {
  char b = 0, cbuf[CMSG_SPACE(sizeof(int))] = {0};
  struct iovec iov = {&b, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock) {
  char b, cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {&b, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

/* Before fork: the pipes or the console socket the child's stdio will come from. */
static void prepare_stdio(void) {
  if (o.tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) DIE("socketpair: %s", strerror(errno));
    return;
  }
  /* Never the caller's own descriptors, as Docker never gives them either: a terminal would let
   * the container read what is typed after it or inject input (TIOCSTI), and a file could be
   * reopened read-write through /proc/self/fd/N. The monitor relays pipes. */
  for (int k = 0; k < 2; k++) if (pipe2(outp[k], O_CLOEXEC) < 0) DIE("pipe: %s", strerror(errno));
  if (o.stdin_open && pipe2(inp, O_CLOEXEC) < 0) DIE("pipe: %s", strerror(errno));
}

/* In the child, first thing: stdio from the pipes (the pty comes later, inside the container). */
static void child_stdio(void) {
  sigprocmask(SIG_UNBLOCK, &monitored, NULL);
  if (outp[0][1] >= 0) { dup2(outp[0][1], 1); dup2(outp[1][1], 2); }
  if (!o.tty) {
    int in = inp[0] >= 0 ? inp[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in >= 0) dup2(in, 0);
    /* a session of its own: no controlling terminal, so /dev/tty is not the caller's (with -t,
     * child_pty makes the container's own pty the controlling terminal instead) */
    if (setsid() < 0) DIE("setsid: %s", strerror(errno));
  }
}

/* In the child, inside the container's root: a pty of the container's own devpts instance,
 * its slave as stdio and controlling terminal (/dev/pts/0 for PID 1), its master sent out. */
static void child_pty(void) {
  if (!o.tty) return;
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  int unlock = 0;
  if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0) DIE("open /dev/ptmx in the container: %s", strerror(errno));
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) DIE("open the pty's slave: %s", strerror(errno));
  if (send_fd(console[1], master) < 0) DIE("hand the pty to the monitor: %s", strerror(errno));
  close(master);
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) DIE("make the pty the controlling terminal: %s", strerror(errno));
  for (int k = 0; k < 3; k++) dup2(slave, k);
  if (slave > 2) close(slave);
}

static int master = -1;
static struct termios saved;
static int raw;

static void copy_winsize(void) {
  struct winsize ws;
  if (master >= 0 && (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)) ioctl(master, TIOCSWINSZ, &ws);
}

static void open_attach_socket(void) {
  if (!o.attach) return;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(o.attach) >= sizeof a.sun_path) DIE("attach socket path too long: %s", o.attach);
  strcpy(a.sun_path, o.attach);
  unlink(o.attach);
  listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listenfd < 0 || bind(listenfd, (struct sockaddr *)&a, sizeof a) < 0 || chmod(o.attach, 0600) < 0 || listen(listenfd, 4) < 0)
    DIE("attach socket %s: %s", o.attach, strerror(errno));
}

/* What an attach client sends: frames of [type][len hi][len lo][payload]; 'd' = input,
 * 'w' = window size (rows, cols as two big-endian 16-bit numbers). */
static int client_input(int fd, int in_target) {
  unsigned char h[3];
  if (recv(fd, h, 3, MSG_WAITALL) != 3) return -1;
  size_t n = (size_t)h[1] << 8 | h[2];
  char buf[65536];
  if (n && recv(fd, buf, n, MSG_WAITALL) != (ssize_t)n) return -1;
  if (h[0] == 'd' && in_target >= 0) writeall(in_target, buf, n);
  if (h[0] == 'w' && n == 4 && master >= 0) {
    struct winsize ws = {.ws_row = (unsigned char)buf[0] << 8 | (unsigned char)buf[1], .ws_col = (unsigned char)buf[2] << 8 | (unsigned char)buf[3]};
    ioctl(master, TIOCSWINSZ, &ws);
  }
  return 0;
}

static void write_exit_file(int code) {
  if (!o.exit_file) return;
  char tmp[4200], text[16];
  snprintf(tmp, sizeof tmp, "%s.tmp", o.exit_file);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  int n = snprintf(text, sizeof text, "%d\n", code);
  writeall(fd, text, n);
  close(fd);
  rename(tmp, o.exit_file);
}

static int monitor(void) {
  signal(SIGPIPE, SIG_IGN); /* a reader gone is an error of write(), not our end */
  /* the parent's copies of the child's ends */
  for (int k = 0; k < 2; k++) if (outp[k][1] >= 0) close(outp[k][1]);
  if (inp[0] >= 0) close(inp[0]);
  if (console[1] >= 0) close(console[1]);
  int sigfd = signalfd(-1, &monitored, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) DIE("signalfd: %s", strerror(errno));
  if (o.tty) {
    master = recv_fd(console[0]); /* -1 if the child failed before it made the pty */
    close(console[0]);
    if (master >= 0) {
      fcntl(master, F_SETFL, O_NONBLOCK);
      if (!o.detached) copy_winsize();
      if (!o.detached && o.stdin_open && isatty(0) && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        raw = tcsetattr(0, TCSANOW, &t) == 0;
      }
    }
  }
  for (int k = 0; k < 2; k++) if (outp[k][0] >= 0) fcntl(outp[k][0], F_SETFL, O_NONBLOCK);
  int out[2] = {o.tty ? master : outp[0][0], o.tty ? -1 : outp[1][0]};
  int in_target = o.tty ? master : inp[1]; /* where attach input goes */
  int own_in = !o.detached && o.stdin_open ? 0 : -1; /* our stdin, relayed to the pty or the pipe */
  if (own_in >= 0 && inp[1] >= 0) fcntl(inp[1], F_SETFL, O_NONBLOCK); /* written when poll says so */
  static char inbuf[65536];
  size_t inlen = 0, inoff = 0; /* read from own_in, not yet written to in_target */
  int status = -1, code = 0;
  char buf[65536];
  for (;;) {
    struct pollfd p[5 + MAXCLIENTS];
    int n = 0;
    p[n++] = (struct pollfd){sigfd, POLLIN, 0};
    for (int k = 0; k < 2; k++) if (out[k] >= 0) p[n++] = (struct pollfd){out[k], POLLIN, 0};
    if (inlen > inoff && in_target >= 0) p[n++] = (struct pollfd){in_target, POLLOUT, 0};
    else if (own_in >= 0) p[n++] = (struct pollfd){own_in, POLLIN, 0};
    if (listenfd >= 0) p[n++] = (struct pollfd){listenfd, POLLIN, 0};
    for (int i = 0; i < nclients; i++) p[n++] = (struct pollfd){clients[i], POLLIN, 0};
    int outputs = (out[0] >= 0) + (out[1] >= 0);
    if (status >= 0 && outputs == 0) break;
    /* after the process is gone, output still buffered is drained; what its orphans keep
     * open does not hold us longer than that */
    int r = poll(p, n, status >= 0 ? 100 : -1);
    if (r < 0 && errno != EINTR) break;
    if (r == 0) break;
    for (int i = 0; i < n; i++) {
      if (!p[i].revents) continue;
      int fd = p[i].fd;
      if (p[i].events == POLLOUT) {
        ssize_t w = write(fd, inbuf + inoff, inlen - inoff);
        if (w > 0) inoff += w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR) inoff = inlen; /* the reader is gone */
        if (inoff == inlen && own_in < 0 && !o.tty && in_target >= 0) { close(in_target); in_target = inp[1] = -1; }
        continue;
      }
      if (fd == sigfd) {
        struct signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == sizeof si) {
          if (si.ssi_signo == SIGCHLD) {
            int st;
            if (waitpid(child, &st, WNOHANG) == child) { status = st; code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }
          } else if (si.ssi_signo == SIGWINCH) {
            if (!o.detached) copy_winsize();
          } else if (child > 0) kill(child, si.ssi_signo);
        }
      } else if (fd == out[0] || fd == out[1]) {
        ssize_t m = read(fd, buf, sizeof buf);
        if (m > 0) emit(fd == out[1] ? 2 : 1, buf, m);
        else if (m == 0 || (errno != EAGAIN && errno != EINTR)) { close(fd); if (fd == out[0]) out[0] = -1; else out[1] = -1; if (fd == master) in_target = -1; }
      } else if (fd == own_in) {
        ssize_t m = read(0, inbuf, sizeof inbuf);
        if (m > 0 && in_target >= 0) { inlen = m; inoff = 0; }
        else if (m <= 0 && (m == 0 || (errno != EAGAIN && errno != EINTR))) {
          own_in = -1;
          if (!o.tty && in_target >= 0) { close(in_target); in_target = inp[1] = -1; } /* EOF reaches the container */
        }
      } else if (fd == listenfd) {
        int c = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0 && nclients < MAXCLIENTS) clients[nclients++] = c;
        else if (c >= 0) close(c);
      } else {
        for (int k = 0; k < nclients; k++) {
          if (clients[k] != fd) continue;
          if (client_input(fd, in_target) < 0) { close(fd); clients[k] = clients[--nclients]; }
          break;
        }
      }
    }
  }
  while (status < 0) {
    int st;
    if (waitpid(child, &st, 0) == child) { status = st; code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }
    else if (errno != EINTR) break;
  }
  if (raw) tcsetattr(0, TCSANOW, &saved);
  write_exit_file(code);
  if (o.attach) unlink(o.attach);
  for (int i = 0; i < nclients; i++) close(clients[i]);
  /* rm -f cleans up itself: it says so with this file, made before it kills */
  if (o.cleanup[0] && !(o.cleanup_unless && access(o.cleanup_unless, F_OK) == 0)) {
    sigprocmask(SIG_UNBLOCK, &monitored, NULL);
    char *argv[] = {(char *)o.cleanup[0], (char *)o.cleanup[1], "container", "cleanup", (char *)o.cleanup[2], NULL};
    extern char **environ;
    execve(argv[0], argv, environ);
    DIE("run %s container cleanup: %s", o.cleanup[0], strerror(errno));
  }
  return code;
}

static void start_monitor(void) {
  /* blocked before the fork, so no SIGCHLD can come before the signalfd is there to read it */
  int sigs[] = {SIGCHLD, SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT};
  sigemptyset(&monitored);
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&monitored, sigs[i]);
  sigprocmask(SIG_BLOCK, &monitored, NULL);
  if (o.pid_file) {
    char text[16];
    int n = snprintf(text, sizeof text, "%d\n", getpid());
    int fd = open(o.pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) DIE("pid file %s: %s", o.pid_file, strerror(errno));
    writeall(fd, text, n);
    close(fd);
  }
  if (o.log && (logfd = open(o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0) DIE("log %s: %s", o.log, strerror(errno));
  open_attach_socket();
  prepare_stdio();
}

static void join(const char *file, int type) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, type) < 0) DIE("join namespace %s: %s", file, strerror(errno));
  close(fd);
}

/*
 * --shm-from MNT_NS: a pod's members share its IPC namespace, so POSIX shared memory (files on
 * /dev/shm) must be one mount for all of them, the pause container's. A mount of another mount
 * namespace cannot be bind-mounted (EINVAL), so: enter the pause container's mount namespace
 * just long enough to clone its /dev/shm as a detached mount (open_tree), and come back. Inside
 * that namespace "/" is the pause container's own root, so the path cannot lead anywhere else;
 * it must also be a tmpfs reached without symlinks, or nothing is shared.
 */
static void take_pod_shm(void) {
  int self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC), pod = open(o.shm_from, O_RDONLY | O_CLOEXEC);
  if (self < 0 || pod < 0 || setns(pod, CLONE_NEWNS) < 0) DIE("join the pod's mount namespace %s: %s", o.shm_from, strerror(errno));
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int shm = root < 0 ? -1 : syscall(SYS_openat2, root, "dev/shm", &how, sizeof how);
  struct statfs sf;
  if (shm < 0 || fstatfs(shm, &sf) < 0 || sf.f_type != TMPFS_MAGIC) DIE("the pod's /dev/shm is not a tmpfs of its own");
  o.shm_fd = syscall(SYS_open_tree, shm, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (o.shm_fd < 0) DIE("clone the pod's /dev/shm: %s", strerror(errno));
  if (setns(self, CLONE_NEWNS) < 0) DIE("return to the launcher's mount namespace: %s", strerror(errno));
  close(shm); close(root); close(pod); close(self);
}

static void join_cgroups(void) {
  for (int i = 0; i < o.ncgroups; i++) write_file(o.cgroups[i], "0");
}

static int launch(void) {
  int own_pid_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (own_pid_ns < 0) DIE("open /proc/self/ns/pid: %s", strerror(errno));
  start_monitor();
  /* The new PID namespace is for the child; everything else the child joins or makes itself,
   * so this process, the monitor, stays in the host's namespaces and cgroup: it later becomes
   * `minirun container cleanup`, which must run there. */
  if (unshare(CLONE_NEWPID) < 0) DIE("unshare: %s", strerror(errno));
  child = fork();
  if (child < 0) DIE("fork: %s", strerror(errno));
  if (child == 0) {
    child_stdio();
    if (o.netns) join(o.netns, CLONE_NEWNET);
    if (o.uts) join(o.uts, CLONE_NEWUTS);
    if (o.ipc) join(o.ipc, CLONE_NEWIPC);
    if (o.shm_from) take_pod_shm();
    join_cgroups();
    int flags = CLONE_NEWNS | CLONE_NEWCGROUP | (o.uts ? 0 : CLONE_NEWUTS) | (o.ipc ? 0 : CLONE_NEWIPC);
    if (unshare(flags) < 0) DIE("unshare: %s", strerror(errno));
    setup_root();
    exec_command();
  }
  /* back in our own PID namespace for what we fork later (threads of node cleanup included) */
  if (setns(own_pid_ns, CLONE_NEWPID) < 0) DIE("return to the host's PID namespace: %s", strerror(errno));
  close(own_pid_ns);
  return monitor();
}

static unsigned long long start_time(pid_t pid) {
  char p[64], buf[4096];
  snprintf(p, sizeof p, "/proc/%d/stat", pid);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *s = strrchr(buf, ')');
  unsigned long long v = 0;
  /* field 22 (starttime); after ")" come fields 3.. */
  for (int field = 2; s && field < 22; field++) s = strchr(s + 1, ' ');
  if (s) v = strtoull(s + 1, NULL, 10);
  return v;
}

static int enter(void) {
  static const struct { const char *ns; int type; } NS[] = {
    {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET}, {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS},
  };
  int fds[6];
  char p[64];
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "/proc/%d/ns/%s", o.pid, NS[i].ns);
    fds[i] = open(p, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) DIE("container process %d is gone (%s)", o.pid, strerror(errno));
  }
  snprintf(p, sizeof p, "/proc/%d/root", o.pid);
  int root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) DIE("container process %d is gone (%s)", o.pid, strerror(errno));
  /* the fds are taken: make sure they are the container's, not a recycled PID's, and that its
   * command runs: while PID 1 is still the launcher, its root is not the container's yet */
  if (o.pid_start && start_time(o.pid) != o.pid_start) DIE("container process %d is gone", o.pid);
  snprintf(p, sizeof p, "/proc/%d/exe", o.pid);
  struct stat pid1, self;
  if (stat(p, &pid1) == 0 && stat(launcher_path, &self) == 0 && pid1.st_dev == self.st_dev && pid1.st_ino == self.st_ino)
    DIE("the container is still starting; try again");
  join_cgroups();
  for (int i = 0; i < 6; i++) {
    if (setns(fds[i], NS[i].type) < 0) DIE("join the container's %s namespace: %s", NS[i].ns, strerror(errno));
    close(fds[i]);
  }
  if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0) DIE("enter the container's root: %s", strerror(errno));
  close(root);
  start_monitor();
  child = fork(); /* the child is the first to be in the container's PID namespace */
  if (child < 0) DIE("fork: %s", strerror(errno));
  if (child == 0) {
    child_stdio();
    exec_command();
  }
  return monitor();
}

int main(int argc, char **argv) {
  launcher_path = argv[0];
  /* exec's child shares a PID namespace with the container's processes before it execs: it runs
   * from a sealed copy. A launch's child is alone in its new PID namespace until it execs, and
   * the monitor is never in it: they run from the shared file (one copy in memory for all). */
  if (argc > 1 && strcmp(argv[1], "exec") == 0) reexec_sealed(argv);
  /* Until the container's command replaces us, /proc/PID/exe and /proc/PID/mem stay closed to it. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) DIE("set non-dumpable: %s", strerror(errno));
  parse(argc, argv);
  if (o.export_mode) return export_filter(o.export_prebuilt);
  return o.exec_mode ? enter() : launch();
}
