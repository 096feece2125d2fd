/* test_log.c - a log message can never forge a line: control characters,
 * invalid UTF-8 and invisible / bidi code points are escaped, in every field
 * of the formatted message, and the line still ends in exactly one newline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *esc(const char *in)
{
	static char out[512];

	zq_log_escape(in, strlen(in), out, sizeof(out));
	return out;
}

static void plain_text_and_utf8_pass_unchanged(void **state)
{
	(void)state;
	assert_string_equal(esc("LOGIN user=admin addr=127.0.0.1"),
			    "LOGIN user=admin addr=127.0.0.1");
	assert_string_equal(esc("同步股票列表 café"), "同步股票列表 café");
	assert_string_equal(esc("a\\nb"), "a\\nb"); /* a backslash stays itself */
}

static void controls_are_escaped(void **state)
{
	(void)state;
	assert_string_equal(esc("a\nb\rc\td"), "a\\nb\\rc\\td");
	assert_string_equal(esc("\x01\x1b[31m\x7f"), "\\x01\\x1b[31m\\x7f");
	/* C1 controls (NEL), line / paragraph separators, zero-width, bidi */
	assert_string_equal(esc("a\xc2\x85" "b"), "a\\u0085b");
	assert_string_equal(esc("\xe2\x80\xa8\xe2\x80\xa9"), "\\u2028\\u2029");
	assert_string_equal(esc("rv\xe2\x80\x8b"), "rv\\u200b");
	assert_string_equal(esc("\xe2\x80\xae" "nimda"), "\\u202enimda");
	assert_string_equal(esc("\xef\xbb\xbf" "x"), "\\ufeffx");
}

static void invalid_utf8_bytes_are_escaped(void **state)
{
	(void)state;
	assert_string_equal(esc("\xff\xfe"), "\\xff\\xfe");
	assert_string_equal(esc("\xc0\x8a"), "\\xc0\\x8a");         /* overlong newline */
	assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* surrogate */
	assert_string_equal(esc("ab\xe4\xb8"), "ab\\xe4\\xb8");      /* truncated */
	assert_string_equal(esc("\x80z"), "\\x80z");                 /* stray continuation */
}

static void cuts_at_whole_escapes(void **state)
{
	char out[6];

	(void)state;
	/* "ab\\n" is 4 bytes: room for 5 + NUL would take part of "\\x01" */
	assert_int_equal(zq_log_escape("ab\n\x01", 4, out, sizeof(out)), 4);
	assert_string_equal(out, "ab\\n");
	assert_int_equal(zq_log_escape("ab\xe4\xb8\x80", 5, out, 5), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(zq_log_escape("x", 1, out, 1), 0);
	assert_string_equal(out, "");
}

/* zq_log itself: capture stderr and count the lines of one forged message. */
static void a_forged_line_stays_on_its_line(void **state)
{
	char path[] = "/tmp/zq-test-log-XXXXXX", buf[8192];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	const char *forged = "x\n2026-12-01T09:00:00.000Z INFO zq-api[1]: LOGIN user=admin";
	char big[6000];
	ssize_t n;
	int lines = 0;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	zq_log_init("zq-test", ZQ_LOG_INFO);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	zq_info("LOGIN FAILED user=%s addr=%s", forged, "127.0.0.1\r");
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	zq_warn("%s", big); /* escapes that overflow the line are cut, newline kept */
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 2);
	assert_non_null(strstr(buf, "LOGIN FAILED user=x\\n2026-12-01T09:00:00.000Z INFO "
				    "zq-api[1]: LOGIN user=admin addr=127.0.0.1\\r\n"));
	assert_int_equal(buf[n - 1], '\n');
	assert_true(n < 4096 * 2);
}

/* zq_log_lines: each line of a tick's events as zq_info("%s", line) writes
 * it (escaped, cut, one prefix each), the unterminated tail dropped. */
static void lines_log_as_zq_info_each(void **state)
{
	char path[] = "/tmp/zq-test-log-XXXXXX", buf[65536], *text, *p;
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), lines = 0;
	size_t len = 0;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	text = malloc(40000);
	for (int i = 0; i < 300; i++)
		len += (size_t)sprintf(text + len, "END exec=%d task=7 status=success\x01\n", i);
	memset(text + len, 'y', 5000);  /* one line longer than a message */
	len += 5000;
	len += (size_t)sprintf(text + len, "\nlast line without newline");
	zq_log_init("zq-test", ZQ_LOG_INFO);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	zq_log_lines(ZQ_LOG_INFO, text);
	zq_log_lines(ZQ_LOG_DEBUG, "below the level\n");
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	free(text);
	assert_true(n > 0);
	buf[n] = '\0';
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 301);
	assert_non_null(strstr(buf, " INFO zq-test["));
	assert_non_null(strstr(buf, "]: END exec=0 task=7 status=success\\x01\n"));
	assert_non_null(strstr(buf, "]: END exec=299 task=7 status=success\\x01\n"));
	assert_null(strstr(buf, "without newline"));
	assert_null(strstr(buf, "below the level"));
	/* the long line: cut to 4,095 bytes of message, on one line */
	assert_true(strlen(buf) - (size_t)(strstr(buf, "yyy") - buf) <= 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_and_utf8_pass_unchanged),
		cmocka_unit_test(controls_are_escaped),
		cmocka_unit_test(invalid_utf8_bytes_are_escaped),
		cmocka_unit_test(cuts_at_whole_escapes),
		cmocka_unit_test(a_forged_line_stays_on_its_line),
		cmocka_unit_test(lines_log_as_zq_info_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
