/* proc_impl.h - what the proc_*.c files share (not for the rest of the
 * scheduler, which uses proc.h): the stages a child reports a failure at,
 * who a command runs as (struct ident), the run_as policy's layout, the
 * shim's messages and arguments, the run's cgroup.
 *
 *   proc.c         spawn (pipes, socket pair, fork of the shim), requests to
 *                  the shim, exit status, reap, close
 *   proc_child.c   the command's process between fork and exec
 *   proc_shim.c    the shim: the supervisor that owns the run's processes
 *   proc_ident.c   users, groups, capabilities: can the daemon be that user
 *   proc_run_as.c  the run_as policy: build, install, describe, pick
 *   proc_cgroup.c  the supervision mode (cgroup v2) and a run's cgroup
 *   proc_trace.c   what a run leaves behind, found and killed by another
 *                  daemon on the same host */
#ifndef ZQ_SCHED_PROC_IMPL_H
#define ZQ_SCHED_PROC_IMPL_H

#include <linux/capability.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"

enum {
	STAGE_SETUP = 1,
	STAGE_CHDIR,
	STAGE_EXEC,
	STAGE_SETGROUPS,
	STAGE_SETGID,
	STAGE_SETUID,
	STAGE_NO_NEW_PRIVS,
	STAGE_VERIFY,
	STAGE_CAPS,              /* dropping the capabilities */
	STAGE_VERIFY_CAPS,       /* some capability survived the drop */
	STAGE_CGROUP,            /* joining the run's cgroup */
	STAGE_SHIM,              /* the shim could not start the command (fork) */
};

/* Capability bits (linux/capability.h numbers) as a 64-bit mask. */
#define CAPBIT(c) ((uint64_t)1 << (c))
#define CAPS_SWITCH (CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID))
/* highest capability number probed for ambient bits (the kernel's CAP_LAST_CAP
 * is 40 in Linux 6.x; PR_CAP_AMBIENT_IS_SET says EINVAL beyond it) */
#define CAP_PROBE_MAX 63

struct child_err {
	int stage;
	int errnum;
};

/* Who a command runs as, resolved. */
struct ident {
	int change;              /* 0: the daemon's own credentials and environment */
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;           /* supplementary groups (the user's, plus gid) */
	char *spec;              /* "zq-run" as configured, for messages */
	char *env[3];            /* HOME=, USER=, LOGNAME= of the target user */
};

struct proc_run_as {
	int refs;                /* installed + spawns holding it (under proc_run_as.c's run_as_mu) */
	uid_t daemon_uid;
	char daemon_user[64];
	uint64_t daemon_caps;    /* the daemon's effective capabilities at build time */
	int allow_root;
	struct ident def;        /* scheduler.run_as */
	char **allowed;          /* scheduler.run_as_allowed entries, trimmed */
	int nallowed;
	size_t allowed_cap;
};

/* ---- proc_child.c: between fork and exec (async-signal-safe) ---------------- */

/* Report stage and errnum up the close-on-exec pipe fd, then _exit(127). */
__attribute__((noreturn)) void proc_child_fail(int fd, int stage, int errnum);
/* The command: cgroup, process group, signals, descriptors, credentials,
 * work_dir, then execve("/bin/sh", "-c", command). */
__attribute__((noreturn)) void proc_child(const char *command, const char *work_dir,
					  char *const envp[], const struct ident *id, int out_w,
					  int err_w, int report_w, pid_t parent,
					  const char *cg_procs);

/* ---- proc_shim.c ---------------------------------------------------------------- */

/* The shim talks to the daemon over a SOCK_SEQPACKET socket pair: the daemon
 * sends one byte per request (a signal number for the run's processes,
 * SHIM_DONE to end), the shim sends struct shim_msg (the leader's pid once
 * it runs, its wait status once it exits). Only the daemon holds the other
 * end: when it dies, however it dies, the shim reads EOF at once. */

#define SHIM_DONE 0xff

enum { SHIM_STARTED = 1, SHIM_EXITED = 2 };

struct shim_msg {
	int32_t type;
	int32_t a, b;            /* STARTED: leader pid; EXITED: si_code, si_status */
};

/* What the shim needs, prepared by the daemon before fork (read-only). */
struct shim_args {
	const char *command, *work_dir;
	char *const *envp;
	const struct ident *id;
	int out_w, err_w, rep_w, sock;
	pid_t daemon;
	int grace_ms;
	const char *cg_procs, *cg_kill, *cg_dir;   /* NULL: no cgroup */
};

/* The shim's life: start the command, serve the daemon's requests, end
 * the run (never returns). */
__attribute__((noreturn)) void proc_shim(const struct shim_args *in);
/* open, write, close (async-signal-safe; errors ignored). */
void proc_write_text(const char *path, const char *text, size_t len);

/* ---- proc_ident.c ------------------------------------------------------------- */

/* Resolve "user[:group]" (names or numbers): ZQ_EINVAL "no such user 'x'". */
int proc_ident_resolve(struct ident *id, const char *spec, zq_err *err);
void proc_ident_release(struct ident *id);
/* Can a daemon with ra's credentials run commands as id? (Adjusts id for a
 * non-root daemon that is that user already.) */
int proc_ident_allowed(const proc_run_as *ra, struct ident *id, zq_err *err);
/* The daemon's user name for uid (its number when it has none). */
void proc_user_name(uid_t uid, char *out, size_t n);
/* The calling thread's effective capabilities (0 if capget fails). */
uint64_t proc_effective_caps(void);
/* envp with HOME, USER and LOGNAME replaced by id's (pointers borrowed;
 * free the array only). */
char **proc_env_for(char *const envp[], const struct ident *id);

/* ---- proc_run_as.c --------------------------------------------------------------- */

/* The installed policy, held (NULL: none); give it back with proc_ra_drop. */
proc_run_as *proc_ra_take(void);
void proc_ra_drop(proc_run_as *ra);
/* Who a spawn runs as under ra: *out points at ra's default, or at tmp
 * (resolved now, for a task's own allowed run_as). */
int proc_ra_pick(const proc_run_as *ra, const char *spec, struct ident *tmp,
		 const struct ident **out, zq_err *err);

/* ---- proc_cgroup.c ------------------------------------------------------------------ */

/* The paths the shim writes for a run's cgroup. */
struct proc_cg_paths {
	char procs[sizeof(((proc *)0)->cgroup) + 32];
	char kill[sizeof(((proc *)0)->cgroup) + 32];
};

/* When runs get cgroups: make exec_id's in p->cgroup and point a's cg_*
 * at it (paths in cp); without one p->cgroup is "" and a's stay NULL. */
void proc_cgroup_make(proc *p, int64_t exec_id, struct proc_cg_paths *cp, struct shim_args *a);
/* Read up to n - 1 bytes of path into buf (NUL-terminated): length or -1. */
int proc_read_text(const char *path, char *buf, size_t n);

#endif
