/* fcgi_bare.c - the baseline for tests/bench/bench_api.py: a bare libfcgi
 * program with the same threading as zq-api (N threads, one MariaDB
 * connection each, accepting on one socket) that answers every request with
 * one point SELECT by primary key as JSON. No router, auth, or JSON
 * library: the cost of nginx + FastCGI + one query, which zq-api's
 * GET /scheduler/tasks/{id} is compared with.
 *
 * Built by bench_api.py itself:
 *   cc -O2 -o fcgi_bare fcgi_bare.c $(pkg-config --cflags --libs libmariadb) -lfcgi -lpthread
 * Run: fcgi_bare SOCKET THREADS DB_SOCKET DB_USER DB_PASSWORD DB_NAME TASK_ID */
#include <fcgiapp.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *db_sock, *db_user, *db_pw, *db_name;
static long long task_id;
static int listen_fd;

static void *worker(void *arg)
{
	static const char sql[] = "SELECT id, name, task_type FROM scheduled_tasks WHERE id = ?";
	MYSQL *m = mysql_init(NULL);
	MYSQL_STMT *st;
	MYSQL_BIND in, out[3];
	long long id = task_id, rid = 0;
	char name[600], type[32];
	unsigned long nlen = 0, tlen = 0;
	FCGX_Request req;

	(void)arg;
	mysql_thread_init();
	if (!mysql_real_connect(m, "localhost", db_user, db_pw, db_name, 0, db_sock, 0)) {
		fprintf(stderr, "connect: %s\n", mysql_error(m));
		exit(1);
	}
	st = mysql_stmt_init(m);
	if (mysql_stmt_prepare(st, sql, sizeof(sql) - 1) != 0) {
		fprintf(stderr, "prepare: %s\n", mysql_stmt_error(st));
		exit(1);
	}
	memset(&in, 0, sizeof(in));
	in.buffer_type = MYSQL_TYPE_LONGLONG;
	in.buffer = &id;
	memset(out, 0, sizeof(out));
	out[0].buffer_type = MYSQL_TYPE_LONGLONG;
	out[0].buffer = &rid;
	out[1].buffer_type = MYSQL_TYPE_STRING;
	out[1].buffer = name;
	out[1].buffer_length = sizeof(name) - 1;
	out[1].length = &nlen;
	out[2].buffer_type = MYSQL_TYPE_STRING;
	out[2].buffer = type;
	out[2].buffer_length = sizeof(type) - 1;
	out[2].length = &tlen;
	mysql_stmt_bind_param(st, &in);
	FCGX_InitRequest(&req, listen_fd, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		int found = 0;
		if (mysql_stmt_execute(st) == 0 && mysql_stmt_bind_result(st, out) == 0 &&
		    mysql_stmt_store_result(st) == 0) {
			found = mysql_stmt_fetch(st) == 0;
			mysql_stmt_free_result(st);
		}
		name[nlen < sizeof(name) ? nlen : sizeof(name) - 1] = '\0';
		type[tlen < sizeof(type) ? tlen : sizeof(type) - 1] = '\0';
		if (found)
			FCGX_FPrintF(req.out, "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
					      "{\"id\":%lld,\"name\":\"%s\",\"task_type\":\"%s\"}",
				     rid, name, type);
		else
			FCGX_FPrintF(req.out, "Status: 404 Not Found\r\nContent-Type: "
					      "application/json\r\n\r\n{\"detail\":\"not found\"}");
		FCGX_Finish_r(&req);
	}
	mysql_stmt_close(st);
	mysql_close(m);
	mysql_thread_end();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[256];
	int n;

	if (argc != 8) {
		fprintf(stderr, "usage: fcgi_bare SOCKET THREADS DB_SOCKET DB_USER DB_PASSWORD "
				"DB_NAME TASK_ID\n");
		return 2;
	}
	n = atoi(argv[2]);
	db_sock = argv[3], db_user = argv[4], db_pw = argv[5], db_name = argv[6];
	task_id = atoll(argv[7]);
	if (n < 1 || n > 256)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	mysql_library_init(0, NULL, NULL);
	FCGX_Init();
	signal(SIGTERM, SIG_DFL); /* libfcgi's handler would only set a flag */
	unlink(argv[1]);
	if ((listen_fd = FCGX_OpenSocket(argv[1], 1024)) < 0) {
		perror("listen");
		return 1;
	}
	chmod(argv[1], 0660);
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
