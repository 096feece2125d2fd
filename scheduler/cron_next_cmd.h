/* cron_next_cmd.h - `zq-scheduler cron-next`: print a cron expression's next
 * fire times, for operators checking an expression before saving it.
 *
 *   zq-scheduler cron-next [--tz ZONE] [--from ISO8601] [--count N] 'EXPR'
 *
 * Prints N (1-1000, default 5) instants strictly after --from (default now),
 * one per line as YYYY-MM-DDTHH:MM:SSZ (UTC); --tz defaults to UTC. Returns
 * the process exit status: 0, or 2 with the message on stderr for an
 * invalid expression, zone or option. argv[0] is "cron-next". */
#ifndef ZQ_CRON_NEXT_CMD_H
#define ZQ_CRON_NEXT_CMD_H

int cron_next_main(int argc, char **argv);

#endif
