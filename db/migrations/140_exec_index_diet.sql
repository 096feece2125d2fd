-- 140_exec_index_diet: two secondary indexes of task_executions that no
-- statement needs. Every index entry costs each insert, each delete
-- (retention: ~10-15 us per secondary index per row measured on a 2-core VM)
-- and each update of its columns (a heartbeat rewrites heartbeat_at of every
-- running row every few seconds).
--
-- ix_exec_heartbeat (status, heartbeat_at) and ix_exec_node (node_id, status)
-- served only statements on the running rows (the reaper, stale_on_host, the
-- heartbeat, cancelled_running, still_running, a node's running count, the
-- duration alert's candidates): each says status = 'running', and
-- ix_exec_claim (status, not_before) reaches exactly those rows by its status
-- prefix; they are few (at most the workers of the live daemons, plus the
-- workflow runs in progress), so filtering heartbeat_at / node_id on them and
-- sorting them costs nothing. No statement, of this release or the previous
-- one, names either index in a hint (FORCE/USE INDEX would fail once it is
-- gone), so the previous release's daemons keep running while this applies
-- (tests/integration/test_upgrade.py checks that for every DROP INDEX).
--
-- Idempotent (an index that is gone is left gone). Online: dropping a
-- secondary index is a metadata change (ALGORITHM=INPLACE, LOCK=NONE: reads
-- and writes go on; the statement fails rather than lock the table).

SET @zq_sql = (SELECT IF(COUNT(*) > 0,
  'ALTER TABLE task_executions DROP INDEX ix_exec_heartbeat, ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_heartbeat');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) > 0,
  'ALTER TABLE task_executions DROP INDEX ix_exec_node, ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_node');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;
