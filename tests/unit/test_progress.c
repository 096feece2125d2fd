/* test_progress.c - the ##progress / ##result protocol a command prints, and
 * the line splitter that finds those lines in output of any size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

static int parse(const char *s, progress_line *pl)
{
	return progress_parse(s, strlen(s), pl);
}

static void step_form_gives_step_total_percent_and_message(void **state)
{
	progress_line pl;

	(void)state;
	assert_int_equal(parse("##progress 15/30 syncing 000001.SZ", &pl), PROGRESS_STEP);
	assert_int_equal(pl.current, 15);
	assert_int_equal(pl.total, 30);
	assert_int_equal(pl.percent, 50);
	assert_int_equal(pl.text_len, strlen("syncing 000001.SZ"));
	assert_memory_equal(pl.text, "syncing 000001.SZ", pl.text_len);
}

static void percent_form_and_optional_message(void **state)
{
	progress_line pl;

	(void)state;
	assert_int_equal(parse("##progress 42% loading", &pl), PROGRESS_PERCENT);
	assert_int_equal(pl.percent, 42);
	assert_memory_equal(pl.text, "loading", 7);
	assert_int_equal(parse("##progress 7%", &pl), PROGRESS_PERCENT);
	assert_int_equal(pl.percent, 7);
	assert_int_equal(pl.text_len, 0);
	assert_int_equal(parse("##progress 42.5% half", &pl), PROGRESS_PERCENT);
	assert_int_equal(pl.percent, 42);
	assert_int_equal(parse("##progress 3/3", &pl), PROGRESS_STEP);
	assert_int_equal(pl.percent, 100);
}

static void crlf_and_blanks_are_trimmed(void **state)
{
	progress_line pl;

	(void)state;
	assert_int_equal(parse("##progress   2/4   two  \r", &pl), PROGRESS_STEP);
	assert_int_equal(pl.text_len, 3);
	assert_memory_equal(pl.text, "two", 3);
}

static void step_beyond_total_is_capped_at_100_percent(void **state)
{
	progress_line pl;

	(void)state;
	assert_int_equal(parse("##progress 40/30 overshoot", &pl), PROGRESS_STEP);
	assert_int_equal(pl.percent, 100);
}

static void malformed_directives_are_ordinary_output(void **state)
{
	static const char *bad[] = {
		"##progress", "##progress ", "##progress abc", "##progress 1/0 x", "##progress 101%",
		"##progress 5", "##progress 5/", "##progress -3/4", "##progress 3/4x", "##progress 50%x",
		"##progressive 1/2", " ##progress 1/2", "#progress 1/2", "##result", "##result   ",
		"##resultx {}", "##progress 99999999999/5", "hello", "",
	};
	progress_line pl;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int k = parse(bad[i], &pl);
		if (k != PROGRESS_NONE)
			fail_msg("'%s' parsed as kind %d", bad[i], k);
		assert_int_equal(pl.kind, PROGRESS_NONE);
	}
}

static void result_line_carries_the_json_text(void **state)
{
	progress_line pl;

	(void)state;
	assert_int_equal(parse("##result {\"rows\": 5}", &pl), PROGRESS_RESULT);
	assert_int_equal(pl.text_len, strlen("{\"rows\": 5}"));
	assert_memory_equal(pl.text, "{\"rows\": 5}", pl.text_len);
}

/* splitter */
struct seen {
	char lines[16][128];
	int n;
};

static void collect(const char *line, size_t len, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 16 && len < 128) {
		memcpy(s->lines[s->n], line, len);
		s->lines[s->n][len] = '\0';
	}
	s->n++;
}

static void splitter_delivers_only_hash_lines_across_chunks(void **state)
{
	const char *out = "hello\n##progress 1/2 a\nx ##progress 9/9 not at start\n##res"
			  "ult {}\nplain # hash\n#";
	progress_lines l;
	struct seen s = {0};

	(void)state;
	progress_lines_init(&l, 64);
	/* feed one byte at a time: every boundary is a chunk boundary */
	for (size_t i = 0; i < strlen(out); i++)
		progress_lines_feed(&l, out + i, 1, collect, &s);
	progress_lines_finish(&l, collect, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "##progress 1/2 a");
	assert_string_equal(s.lines[1], "##result {}");
	assert_string_equal(s.lines[2], "#");
	progress_lines_release(&l);
}

static void overlong_lines_are_dropped_without_growing(void **state)
{
	progress_lines l;
	struct seen s = {0};
	char big[1000];

	(void)state;
	memset(big, 'x', sizeof(big));
	big[0] = big[1] = '#';
	progress_lines_init(&l, 64);
	progress_lines_feed(&l, big, sizeof(big), collect, &s);
	progress_lines_feed(&l, "\n##progress 5% ok\n", 18, collect, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.lines[0], "##progress 5% ok");
	assert_true(l.cap == 64 && l.len == 0);
	progress_lines_release(&l);
}

static void first_line_and_lines_after_newline_count(void **state)
{
	progress_lines l;
	struct seen s = {0};

	(void)state;
	progress_lines_init(&l, 64);
	progress_lines_feed(&l, "#a\n\n#b\nc#\n", 11, collect, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[0], "#a");
	assert_string_equal(s.lines[1], "#b");
	progress_lines_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(step_form_gives_step_total_percent_and_message),
		cmocka_unit_test(percent_form_and_optional_message),
		cmocka_unit_test(crlf_and_blanks_are_trimmed),
		cmocka_unit_test(step_beyond_total_is_capped_at_100_percent),
		cmocka_unit_test(malformed_directives_are_ordinary_output),
		cmocka_unit_test(result_line_carries_the_json_text),
		cmocka_unit_test(splitter_delivers_only_hash_lines_across_chunks),
		cmocka_unit_test(overlong_lines_are_dropped_without_growing),
		cmocka_unit_test(first_line_and_lines_after_newline_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
