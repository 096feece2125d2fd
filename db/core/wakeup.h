/* wakeup.h - best-effort "look now" datagrams from zq-api to the schedulers.
 *
 * Each zq-scheduler binds a unix datagram socket <dir>/zq-sched-<pid>.sock
 * and polls it in its loop; zq-api sends one byte to every such socket after
 * writing a row a scheduler should act on (trigger, cancel, enable). Nothing
 * depends on delivery: the schedulers poll the database anyway. */
#ifndef ZQ_WAKEUP_H
#define ZQ_WAKEUP_H

/* Send a wake-up to every scheduler socket in dir. Never blocks; errors are
 * ignored (sockets of dead daemons are removed). dir "" = do nothing. */
void zq_wakeup_notify(const char *dir);

/* Scheduler side: bind <dir>/zq-sched-<pid>.sock (non-blocking, close-on-exec).
 * Returns the fd or -1 (logged; the daemon then relies on polling). */
int zq_wakeup_listen(const char *dir, char *path_out, unsigned path_size);

/* Read and discard every pending datagram; returns how many were read. */
int zq_wakeup_drain(int fd);

#endif
