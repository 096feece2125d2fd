/* test_env.c - a command's environment array (scheduler/env.h): NAME=value
 * strings, a name set twice keeps one entry (the last value) in its first
 * place, the array stays NULL-terminated as it grows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

static void env_kv_joins_name_and_value(void **state)
{
	(void)state;
	char *kv = env_kv("HOME", "/home/zq-run");
	assert_string_equal(kv, "HOME=/home/zq-run");
	free(kv);
	kv = env_kv("EMPTY", "");
	assert_string_equal(kv, "EMPTY=");
	free(kv);
}

static void env_put_replaces_a_name_in_place(void **state)
{
	(void)state;
	env_list e = {NULL, 0, 0};

	env_put(&e, "PATH", "/bin");
	env_put(&e, "A", "1");
	env_putn(&e, "PATHX=ignored", 4, "/usr/bin");  /* only "PATH" counts */
	env_put(&e, "AB", "2");                        /* not A: the '=' is compared too */
	assert_int_equal(e.n, 3);
	assert_string_equal(e.v[0], "PATH=/usr/bin");
	assert_string_equal(e.v[1], "A=1");
	assert_string_equal(e.v[2], "AB=2");
	assert_null(e.v[3]);
	env_free(e.v);
	env_free(NULL);
}

static void env_grows_and_stays_terminated(void **state)
{
	(void)state;
	env_list e = {NULL, 0, 0};
	char name[16];

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "V%d", i);
		env_put(&e, name, "x");
		assert_int_equal(e.n, (size_t)i + 1);
		assert_null(e.v[e.n]);
	}
	assert_true(e.cap >= e.n + 1);
	assert_string_equal(e.v[299], "V299=x");
	env_free(e.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_kv_joins_name_and_value),
		cmocka_unit_test(env_put_replaces_a_name_in_place),
		cmocka_unit_test(env_grows_and_stays_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
