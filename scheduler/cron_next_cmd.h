/* cron_next_cmd.h - `zq-scheduler cron-next`: print a cron expression's next
 * fire times, for operators checking an expression before saving it.
 *
 *   zq-scheduler cron-next [--tz ZONE] [--from ISO8601] [--count N]
 *       [--calendar-file FILE [--weekend 6,7] [--calendar-rule only|next|previous]] 'EXPR'
 *
 * Prints N (1-1000, default 5) instants strictly after --from (default now),
 * one per line as YYYY-MM-DDTHH:MM:SSZ (UTC); --tz defaults to UTC. With a
 * calendar (a days file as zq_cal_parse_days reads it, named after the file)
 * each line adds the business date, and a moved fire " moved from SLOT";
 * a walk stopped by the calendar's coverage says so on stderr ("cron-next:
 * stopped: calendar sse has no data after 2026-12-31", status 0). Returns
 * the process exit status: 0, or 2 with the message on stderr for an
 * invalid expression, zone, option or days file. argv[0] is "cron-next". */
#ifndef ZQ_CRON_NEXT_CMD_H
#define ZQ_CRON_NEXT_CMD_H

int cron_next_main(int argc, char **argv);

#endif
