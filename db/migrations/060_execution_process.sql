-- 060_execution_process: where a running execution's processes are, so a
-- daemon that reaps it after its node was lost can kill what is left on the
-- same host before the retry starts (README "Scheduler daemon" -> liveness).
-- proc_pid is the shim supervising the command (scheduler/proc.h), proc_start
-- its start time (/proc/PID/stat field 22, clock ticks since boot: a reused
-- pid has another), proc_pgid the command's process group, proc_cgroup its
-- cgroup directory where runs get one. proc_boot (/proc/sys/kernel/random/
-- boot_id) tells a reboot, which ended them all. NULL: not recorded (older
-- daemons, commands not started): the lease is the only proof.
-- Additive: the previous release's daemons never name these columns.
ALTER TABLE task_executions
  ADD COLUMN IF NOT EXISTS proc_host VARCHAR(255) NULL COMMENT 'host running the command',
  ADD COLUMN IF NOT EXISTS proc_boot VARCHAR(64) NULL COMMENT 'that host''s boot_id',
  ADD COLUMN IF NOT EXISTS proc_pid INT NULL COMMENT 'pid of the shim supervising the command',
  ADD COLUMN IF NOT EXISTS proc_start BIGINT NULL COMMENT 'the shim''s start time (/proc/PID/stat field 22)',
  ADD COLUMN IF NOT EXISTS proc_pgid INT NULL COMMENT 'the command''s process group',
  ADD COLUMN IF NOT EXISTS proc_cgroup VARCHAR(512) NULL COMMENT 'the run''s cgroup directory';
