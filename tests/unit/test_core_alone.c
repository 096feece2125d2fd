/* test_core_alone.c - db/core is a library of its own: this binary links
 * every object of the zq_core archive and nothing of the MariaDB client
 * (CMakeLists.txt), so a call into the client from db/core fails the build.
 * The assertions touch one rule from each part of the core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "mem.h"
#include "utf8.h"

static void core_rules_answer_without_a_database(void **state)
{
	(void)state;
	zq_buf b;
	zq_buf_init(&b, 64);
	assert_int_equal(zq_buf_add(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3);
	zq_buf_release(&b);

	uint32_t cp;
	assert_int_equal(zq_utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_true(zq_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp) <= 0);
}

/* zq_grow keeps what was stored and the capacity it reports is real. */
static void grow_keeps_elements(void **state)
{
	(void)state;
	int64_t *v = NULL;
	size_t cap = 0, i;

	for (i = 0; i < 1000; i++) {
		v = zq_grow(v, &cap, i + 1, sizeof(*v));
		assert_true(cap >= i + 1);
		v[i] = (int64_t)i * 7;
	}
	assert_int_equal(cap, 1024);
	for (i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int64_t)i * 7);
	assert_ptr_equal(zq_grow(v, &cap, 10, sizeof(*v)), v);
	assert_int_equal(cap, 1024);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(core_rules_answer_without_a_database),
		cmocka_unit_test(grow_keeps_elements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
