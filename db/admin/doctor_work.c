/* doctor_work.c - the doctor's checks of the work: the scheduler nodes
 * (alive, lost, on another version) and the work that is late - pending
 * executions no node claims and enabled tasks past their next run. Ages
 * are measured on the database clock. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "doctor_int.h"
#include "mem.h"

#define OVERDUE_S 60          /* pending work or a fire this late is reported */
#define STUCK_S 600           /* ... and with no live node it is a failure */
#define NODES_SHOWN 20        /* node lines in one report */

/* ---- scheduler nodes ------------------------------------------------------------ */

struct node_row {
	char name[256], host[256], version[40], state[20];
	int64_t pid, age_ms;
};

/* The nodes that matter now: running or stopping (alive or not), and those
 * a peer marked lost in the last day. Newest heartbeat first. */
static int read_nodes(zq_db *db, struct node_row *rows, int max, int *n, zq_err *err)
{
	/* ix_nodes_heartbeat (state, heartbeat_at) */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT name, host, pid, version, state, "
		"TIMESTAMPDIFF(MICROSECOND, heartbeat_at, UTC_TIMESTAMP(6)) DIV 1000 "
		"FROM scheduler_nodes WHERE state IN ('running', 'stopping') "
		"OR (state = 'lost' AND heartbeat_at > UTC_TIMESTAMP(3) - INTERVAL 1 DAY) "
		"ORDER BY heartbeat_at DESC LIMIT ?", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		struct node_row *r = &rows[(*n)++];

		zq_stmt_copy(st, 0, r->name, sizeof(r->name));
		zq_stmt_copy(st, 1, r->host, sizeof(r->host));
		r->pid = zq_stmt_i64(st, 2);
		zq_stmt_copy(st, 3, r->version, sizeof(r->version));
		zq_stmt_copy(st, 4, r->state, sizeof(r->state));
		r->age_ms = zq_stmt_i64(st, 5);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

static int node_alive(const struct node_row *r, int lease_s)
{
	return strcmp(r->state, "lost") != 0 && r->age_ms <= (int64_t)lease_s * 1000;
}

static void say_node(struct doctor *d, const struct node_row *r, int lease_s)
{
	char label[300], age[32], fix[700], detail[DETAIL_MAX];
	enum status s = ST_OK;

	snprintf(label, sizeof(label), "node %s", r->name);
	human_ms(r->age_ms, age, sizeof(age));
	if (strcmp(r->state, "lost") == 0) {
		s = ST_WARN;
		snprintf(detail, sizeof(detail), "marked lost by a peer, last heartbeat %s ago "
			 "(host %s, pid %lld)", age, r->host, (long long)r->pid);
		snprintf(fix, sizeof(fix), "see why zq-scheduler on %s stopped beating (its log); "
			 "a restarted scheduler registers as a new node", r->host);
	} else if (!node_alive(r, lease_s)) {
		s = ST_WARN;
		snprintf(detail, sizeof(detail), "lost: last heartbeat %s ago, longer than the lease "
			 "(%d s) (host %s, pid %lld)", age, lease_s, r->host, (long long)r->pid);
		snprintf(fix, sizeof(fix), "is zq-scheduler on %s (pid %lld) still running? check its "
			 "log; a live peer reaps its executions", r->host, (long long)r->pid);
	} else if (strcmp(r->version, ZQ_VERSION) != 0) {
		s = ST_WARN;
		snprintf(detail, sizeof(detail), "alive (heartbeat %s ago), version %s but this zq-db "
			 "is %s (host %s, pid %lld)", age, r->version, ZQ_VERSION, r->host,
			 (long long)r->pid);
		snprintf(fix, sizeof(fix), "run one zq version everywhere: upgrade zq on %s", r->host);
	} else {
		snprintf(detail, sizeof(detail), "%s (heartbeat %s ago), version %s (host %s, pid %lld)",
			 strcmp(r->state, "stopping") == 0 ? "alive, shutting down" : "alive", age,
			 r->version, r->host, (long long)r->pid);
	}
	emit(d, label, s, fix, detail);
}

void check_nodes(struct doctor *d)
{
	static const char start[] = "start zq-scheduler (e.g. systemctl start zq-scheduler) and "
				    "check its log";
	int lease = d->cfg->sched_lease_s, n = 0, alive = 0;
	zq_err err = ZQ_ERR_INIT;
	struct node_row *rows = zq_calloc(NODES_SHOWN + 1, sizeof(*rows));
	int64_t total = 0;

	if (zq_db_query_i64(d->db, "SELECT COUNT(*) FROM scheduler_nodes", ZQ_NO_PARAM, &total,
			    &err) < 0 ||
	    read_nodes(d->db, rows, NODES_SHOWN + 1, &n, &err) < 0) {
		say(d, ST_FAIL, "check the account's grants", "cannot read scheduler_nodes: %s",
		    err.msg);
		goto out;
	}
	for (int i = 0; i < n; i++)
		alive += node_alive(&rows[i], lease);
	d->alive = alive;
	if (total == 0)
		say(d, ST_FAIL, start, "none registered: no zq-scheduler has ever run against this "
		    "database");
	else if (alive == 0)
		say(d, ST_FAIL, start, "no live zq-scheduler: nothing will fire (%lld registered, "
		    "lease %d s)", (long long)total, lease);
	else
		say(d, ST_OK, NULL, "%d alive (%lld registered, lease %d s)%s", alive,
		    (long long)total, lease, n > NODES_SHOWN ? "; the newest shown" : "");
	for (int i = 0; i < n && i < NODES_SHOWN; i++)
		say_node(d, &rows[i], lease);
out:
	free(rows);
}

/* ---- overdue work ---------------------------------------------------------------- */

void check_pending(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	/* ix_exec_claim (status, not_before) */
	zq_stmt *st = zq_db_prepare(d->db,
		"SELECT e.id, t.name, TIMESTAMPDIFF(MICROSECOND, e.not_before, UTC_TIMESTAMP(6)) "
		"DIV 1000, COUNT(*) OVER () FROM task_executions e JOIN scheduled_tasks t ON t.id = e.task_id "
		"WHERE e.status = 'pending' AND e.not_before < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
		"ORDER BY e.not_before LIMIT 1", &err);
	char age[32];
	int rc;

	if (!st) {
		say(d, ST_FAIL, "check the account's grants", "cannot read task_executions: %s",
		    err.msg);
		return;
	}
	zq_stmt_bind_i64(st, 0, OVERDUE_S);
	if ((rc = zq_stmt_exec(st, &err)) < 0)
		say(d, ST_FAIL, "check the account's grants", "cannot read task_executions: %s",
		    err.msg);
	else if ((rc = zq_stmt_fetch(st)) <= 0)
		say(d, ST_OK, NULL, "none waiting more than %d s past its start time", OVERDUE_S);
	else
		say(d, d->alive == 0 && zq_stmt_i64(st, 2) > STUCK_S * 1000 ? ST_FAIL : ST_WARN,
		    d->alive == 0 ? "start zq-scheduler: no live node claims pending work"
				  : "the schedulers are not keeping up: all worker threads busy "
				    "(scheduler.threads) or a node's clock behind; check their logs",
		    "%lld waiting more than %d s past their start time; the oldest, execution %lld "
		    "of task '%s', for %s", (long long)zq_stmt_i64(st, 3), OVERDUE_S, (long long)zq_stmt_i64(st, 0),
		    zq_stmt_str(st, 1) ? zq_stmt_str(st, 1) : "?",
		    human_ms(zq_stmt_i64(st, 2), age, sizeof(age)));
	zq_stmt_done(st);
}

void check_overdue(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	/* ix_tasks_next_run (next_run_at); the grace is per task */
	zq_stmt *st = zq_db_prepare(d->db,
		"SELECT name, TIMESTAMPDIFF(MICROSECOND, next_run_at, UTC_TIMESTAMP(6)) DIV 1000, "
		"COUNT(*) OVER () FROM scheduled_tasks "
		"WHERE next_run_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND enabled = 1 "
		"AND paused = 0 AND next_run_at < UTC_TIMESTAMP(3) - "
		"INTERVAL (misfire_grace_seconds + ?) SECOND ORDER BY next_run_at LIMIT 1", &err);
	char age[32];

	if (!st) {
		say(d, ST_FAIL, "check the account's grants", "cannot read scheduled_tasks: %s",
		    err.msg);
		return;
	}
	zq_stmt_bind_i64(st, 0, OVERDUE_S);
	zq_stmt_bind_i64(st, 1, OVERDUE_S);
	if (zq_stmt_exec(st, &err) < 0)
		say(d, ST_FAIL, "check the account's grants", "cannot read scheduled_tasks: %s",
		    err.msg);
	else if (zq_stmt_fetch(st) <= 0)
		say(d, ST_OK, NULL, "no enabled task is past its next run by more than its misfire "
		    "grace + %d s", OVERDUE_S);
	else
		say(d, ST_WARN,
		    d->alive == 0 ? "start zq-scheduler: nothing fires while none is alive"
				  : "the scheduler is not firing: check the zq-scheduler logs",
		    "%lld enabled task(s) past their next run by more than misfire grace + %d s; the "
		    "oldest, '%s', by %s", (long long)zq_stmt_i64(st, 2), OVERDUE_S,
		    zq_stmt_str(st, 0) ? zq_stmt_str(st, 0) : "?",
		    human_ms(zq_stmt_i64(st, 1), age, sizeof(age)));
	zq_stmt_done(st);
}
