"""task_run_state in tests: a from-scratch recomputation over task_executions,
written independently of db/store/run_state_store.c, to refresh the state after a
test writes executions straight into the database (as zq's writers do in
the same transaction) and to count the tasks whose stored state differs.

    stack.sql(transaction("UPDATE task_executions ... WHERE task_id = 12; "
                          + refresh_sql("t.id = 12")))
    assert int(stack.sql_value(DIFF_SQL)) == 0
"""

FINISHED = "('success', 'failed', 'completed', 'terminated')"
ACTIVE = "('pending', 'running')"

# The state of task t, recomputed: newest execution (status, start else
# created), newest finished status, pending + running count.
_STATE = ("le.id, le.status, COALESCE(le.start_time, le.created_at), "
          f"(SELECT f.status FROM task_executions f WHERE f.task_id = t.id AND f.status IN "
          f"{FINISHED} ORDER BY f.id DESC LIMIT 1), "
          f"(SELECT COUNT(*) FROM task_executions a WHERE a.task_id = t.id AND a.status IN {ACTIVE})")
_LATEST = ("LEFT JOIN task_executions le ON le.id = "
           "(SELECT MAX(m.id) FROM task_executions m WHERE m.task_id = t.id)")


def transaction(sql):
    """sql as one READ COMMITTED transaction (the isolation zq's sessions use)."""
    return f"SET SESSION tx_isolation = 'READ-COMMITTED'; BEGIN; {sql} COMMIT;"


def refresh_sql(where):
    """Statements that recompute the state of the tasks matching `where`
    (over scheduled_tasks t) the way zq's writers do: lock the rows, then
    recompute them. Run them after the statements that write executions,
    in the same transaction()."""
    return (f"INSERT INTO task_run_state (task_id) SELECT t.id FROM scheduled_tasks t WHERE {where} "
            "ORDER BY t.id ON DUPLICATE KEY UPDATE task_id = task_id; "
            "INSERT INTO task_run_state (task_id, latest_execution_id, latest_status, latest_time, "
            f"last_finished_status, active) SELECT t.id, {_STATE} FROM scheduled_tasks t {_LATEST} "
            f"WHERE {where} ON DUPLICATE KEY UPDATE latest_execution_id = VALUES(latest_execution_id), "
            "latest_status = VALUES(latest_status), latest_time = VALUES(latest_time), "
            "last_finished_status = VALUES(last_finished_status), active = VALUES(active);")


# The tasks whose stored state is not what their executions say (a task
# without a state row must have none). One statement: one consistent
# snapshot, so it may run while daemons work.
DIFF_ROWS_SQL = (
    "SELECT t.id, s.latest_execution_id, le.id AS want_id, s.latest_status, "
    "le.status AS want_status, s.latest_time, COALESCE(le.start_time, le.created_at) AS "
    "want_time, s.last_finished_status, (SELECT f.status FROM task_executions f WHERE "
    f"f.task_id = t.id AND f.status IN {FINISHED} ORDER BY f.id DESC LIMIT 1) AS want_finished, "
    "COALESCE(s.active, 0) AS active, (SELECT COUNT(*) FROM task_executions a WHERE "
    f"a.task_id = t.id AND a.status IN {ACTIVE}) AS want_active "
    f"FROM scheduled_tasks t LEFT JOIN task_run_state s ON s.task_id = t.id {_LATEST} "
    "HAVING NOT (latest_execution_id <=> want_id AND latest_status <=> want_status AND "
    "latest_time <=> want_time AND last_finished_status <=> want_finished AND "
    "active = want_active)")

DIFF_SQL = f"SELECT COUNT(*) FROM ({DIFF_ROWS_SQL}) d"
