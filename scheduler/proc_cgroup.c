/* proc_cgroup.c - the supervision mode (see proc.h: proc_supervise_init):
 * whether runs get a cgroup v2 directory of their own under the daemon's,
 * killed whole with cgroup.kill, and making a run's. */
#include "proc_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

static struct {
	int on;
	char base[448];          /* the daemon's cgroup directory */
} cg;

int proc_read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return (int)got;
}

/* Where cgroup v2 is mounted (the first cgroup2 line of mountinfo). */
static int cgroup2_mount(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1) {
			zq_strlcpy(out, mnt, n);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

int proc_supervise_init(char *why, size_t n)
{
	char mnt[1024], self[4096], probe[1200], file[1300];
	const char *path;
	struct stat sb;

	cg.on = 0;
	if (cgroup2_mount(mnt, sizeof(mnt)) < 0) {
		snprintf(why, n, "no cgroup2 file system is mounted");
		return 0;
	}
	if (proc_read_text("/proc/self/cgroup", self, sizeof(self)) < 0 ||
	    !(path = strncmp(self, "0::", 3) == 0 ? self : strstr(self, "\n0::"))) {
		snprintf(why, n, "/proc/self/cgroup names no cgroup v2 path");
		return 0;
	}
	path += *path == '\n' ? 4 : 3;
	self[(size_t)(path - self) + strcspn(path, "\n")] = '\0';
	if (strcmp(path, "/") == 0)
		path = "";
	if (snprintf(cg.base, sizeof(cg.base), "%s%s", mnt, path) >= (int)sizeof(cg.base)) {
		snprintf(why, n, "cgroup path too long");
		return 0;
	}
	snprintf(probe, sizeof(probe), "%s/zq-probe-%d", cg.base, (int)getpid());
	if (mkdir(probe, 0755) < 0 && errno != EEXIST) {
		snprintf(why, n, "mkdir %s: %s", probe, strerror(errno));
		return 0;
	}
	snprintf(file, sizeof(file), "%s/cgroup.kill", probe);
	if (stat(file, &sb) < 0) {
		snprintf(why, n, "%s: %s (cgroup.kill needs Linux 5.14)", file, strerror(errno));
		rmdir(probe);
		return 0;
	}
	snprintf(file, sizeof(file), "%s/cgroup.procs", probe);
	if (access(file, W_OK) < 0) {
		snprintf(why, n, "%s: %s", file, strerror(errno));
		rmdir(probe);
		return 0;
	}
	rmdir(probe);
	cg.on = 1;
	snprintf(why, n, "%s/zq-run-<daemon pid>-<execution>", cg.base);
	return 1;
}

void proc_cgroup_make(proc *p, int64_t exec_id, struct proc_cg_paths *cp, struct shim_args *a)
{
	int len;

	if (exec_id <= 0 || !cg.on)
		return;
	len = snprintf(p->cgroup, sizeof(p->cgroup), "%s/zq-run-%d-%lld", cg.base, (int)getpid(),
		       (long long)exec_id);
	if (len > 0 && len < (int)sizeof(p->cgroup) &&
	    (mkdir(p->cgroup, 0755) == 0 || errno == EEXIST)) {
		snprintf(cp->procs, sizeof(cp->procs), "%s/cgroup.procs", p->cgroup);
		snprintf(cp->kill, sizeof(cp->kill), "%s/cgroup.kill", p->cgroup);
		a->cg_procs = cp->procs;
		a->cg_kill = cp->kill;
		a->cg_dir = p->cgroup;
	} else {
		p->cgroup[0] = '\0';  /* this run without: its group is still killed */
	}
}

