/* tail.h - capped capture of one output stream of a child process: the
 * first head_cap bytes (for error summaries), the last cap bytes (the tail
 * kept in execution_output) and the total byte count.
 *
 * Memory is bounded by head_cap + cap however much the child prints (an
 * output bomb of gigabytes costs nothing more); the ring is allocated on the
 * first byte. Not thread-safe: a tail belongs to the worker reading the
 * stream. */
#ifndef ZQ_SCHED_TAIL_H
#define ZQ_SCHED_TAIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct tail {
	char *ring;        /* cap bytes once anything was added, else NULL */
	size_t cap;        /* tail bytes kept */
	size_t start;      /* index of the oldest byte */
	size_t len;        /* bytes in the ring, <= cap */
	char *head;        /* first head_cap bytes seen */
	size_t head_cap, head_len;
	uint64_t total;    /* every byte ever added */
} tail;

void tail_init(tail *t, size_t cap, size_t head_cap);
/* Free the storage; the tail is empty and reusable afterwards. */
void tail_release(tail *t);
void tail_add(tail *t, const char *p, size_t n);

/* The last bytes as clean UTF-8 text (text.h): starts on a character
 * boundary, invalid bytes replaced, and at most cap bytes long after the
 * replacement (which can triple binary output). Heap string, caller frees;
 * *lenp may be NULL. */
char *tail_text(const tail *t, size_t *lenp);
/* The first max_chars characters of the stream as clean UTF-8 text. */
char *tail_head_text(const tail *t, size_t max_chars);

#endif
