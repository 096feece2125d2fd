/* wakeup.c - unix datagram wake-ups (see wakeup.h). */
#include "wakeup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

static int make_addr(struct sockaddr_un *a, const char *dir, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	return snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name) <
			       (int)sizeof(a->sun_path)
		       ? 0
		       : -1;
}

void zq_wakeup_notify(const char *dir)
{
	struct sockaddr_un a;
	struct dirent *de;
	DIR *d;
	int fd;

	if (!dir || !*dir || !(d = opendir(dir)))
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	while (fd >= 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (strncmp(de->d_name, "zq-sched-", 9) != 0 || n < 5 ||
		    strcmp(de->d_name + n - 5, ".sock") != 0 || make_addr(&a, dir, de->d_name) < 0)
			continue;
		if (sendto(fd, "w", 1, MSG_DONTWAIT, (struct sockaddr *)&a, sizeof(a)) < 0 &&
		    errno == ECONNREFUSED)
			unlink(a.sun_path);  /* nobody bound: a daemon that died */
	}
	if (fd >= 0)
		close(fd);
	closedir(d);
}

int zq_wakeup_listen(const char *dir, char *path_out, unsigned path_size)
{
	struct sockaddr_un a;
	char name[64];
	int fd;

	if (!dir || !*dir)
		return -1;
	snprintf(name, sizeof(name), "zq-sched-%d.sock", (int)getpid());
	if (make_addr(&a, dir, name) < 0) {
		zq_warn("wakeup: socket path in %s too long; relying on polling", dir);
		return -1;
	}
	unlink(a.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		zq_warn("wakeup: bind %s: %s; relying on polling", a.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (path_out)
		snprintf(path_out, path_size, "%s", a.sun_path);
	return fd;
}

int zq_wakeup_drain(int fd)
{
	char buf[64];
	int n = 0;

	while (fd >= 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}
