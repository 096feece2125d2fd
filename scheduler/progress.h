/* progress.h - the progress protocol a command speaks on its stdout.
 *
 *   ##progress 15/30 syncing 000001.SZ   step 15 of 30 (50 %), with a message
 *   ##progress 42% loading               42 percent, with a message
 *   ##result {"rows": 5}                 the run's summary (a JSON object)
 *
 * A directive is a whole line starting with the word in column 0; a
 * trailing CR is ignored; the message is optional. Anything else, including
 * malformed directives, is ordinary output. Pure; no allocation.
 *
 * progress_lines splits a byte stream into lines for the parser. It only
 * buffers lines that start with '#', at most `cap` bytes of each (longer
 * lines are dropped whole), so ordinary output of any volume costs no
 * memory. Not thread-safe: one splitter per stream. */
#ifndef ZQ_SCHED_PROGRESS_H
#define ZQ_SCHED_PROGRESS_H

#include <stddef.h>

enum progress_kind {
	PROGRESS_NONE = 0,     /* not a directive */
	PROGRESS_STEP,         /* N/M */
	PROGRESS_PERCENT,      /* P% */
	PROGRESS_RESULT,       /* ##result JSON */
};

#define PROGRESS_MAX_STEPS 1000000000L

typedef struct progress_line {
	int kind;              /* enum progress_kind */
	long current, total;   /* PROGRESS_STEP: 0 <= current, 1 <= total */
	int percent;           /* STEP (current * 100 / total, capped at 100) or PERCENT */
	const char *text;      /* message, or the JSON of ##result; points into the line */
	size_t text_len;       /* 0 when there is no message */
} progress_line;

/* Parse one line (without its newline). Returns the kind, also stored in
 * out->kind. */
int progress_parse(const char *line, size_t len, progress_line *out);

typedef void (*progress_line_fn)(const char *line, size_t len, void *ctx);

typedef struct progress_lines {
	char *buf;           /* the directive line being assembled */
	size_t len, cap;
	int state;           /* internal: where in the current line we are */
} progress_lines;

void progress_lines_init(progress_lines *l, size_t cap);
void progress_lines_release(progress_lines *l);
/* Feed bytes; fn is called for each complete line that starts with '#'. */
void progress_lines_feed(progress_lines *l, const char *p, size_t n, progress_line_fn fn,
			 void *ctx);
/* End of stream: a last line without newline is delivered too. */
void progress_lines_finish(progress_lines *l, progress_line_fn fn, void *ctx);

#endif
