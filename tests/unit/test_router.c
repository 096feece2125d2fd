/* test_router.c - route matching: literal and integer segments, 404 vs 405
 * with the Allow list, trailing slash, HEAD as GET, malformed paths; and the
 * real route table is well formed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"
#include "router.h"

static int h(struct zq_ctx *c)
{
	(void)c;
	return 0;
}

static const zq_route table[] = {
	{"GET", "/scheduler/tasks", 0, 0, h, ""},
	{"POST", "/scheduler/tasks", 2, 1, h, ""},
	{"GET", "/scheduler/tasks/{id}", 0, 0, h, ""},
	{"PUT", "/scheduler/tasks/{id}", 2, 1, h, ""},
	{"DELETE", "/scheduler/tasks/{id}", 2, 0, h, ""},
	{"GET", "/scheduler/tasks/{id}/executions/{eid}", 0, 0, h, ""},
	{"POST", "/scheduler/tasks/{id}/executions/{eid}/cancel", 1, 0, h, ""},
	{"GET", "/scheduler/stats", 0, 0, h, ""},
	{"GET", "/health", -1, 0, h, ""},
};
#define N ((int)(sizeof(table) / sizeof(table[0])))

static void literal_routes_match_their_method(void **state)
{
	zq_route_match m;

	(void)state;
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks", &m), 0);
	assert_int_equal(m.index, 0);
	assert_int_equal(zq_router_match(table, N, "POST", "/scheduler/tasks", &m), 0);
	assert_int_equal(m.index, 1);
	assert_int_equal(zq_router_match(table, N, "GET", "/health", &m), 0);
	assert_int_equal(m.index, 8);
}

static void integer_parameters_are_extracted(void **state)
{
	zq_route_match m;

	(void)state;
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/42/executions/9001", &m),
			 0);
	assert_int_equal(m.index, 5);
	assert_int_equal(m.nparams, 2);
	assert_int_equal(m.params[0], 42);
	assert_int_equal(m.params[1], 9001);
	assert_int_equal(zq_router_match(table, N, "POST",
					 "/scheduler/tasks/1/executions/2/cancel", &m), 0);
	assert_int_equal(m.index, 6);
}

static void non_integer_segments_are_404(void **state)
{
	zq_route_match m;

	(void)state;
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/abc", &m),
			 ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/-1", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/1e3", &m), ZQ_ENOTFOUND);
	/* more than 18 digits would overflow int64 */
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/1234567890123456789",
					 &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/123456789012345678",
					 &m), 0);
	assert_int_equal(m.params[0], 123456789012345678LL);
}

static void wrong_method_is_405_with_allow(void **state)
{
	zq_route_match m;

	(void)state;
	assert_int_equal(zq_router_match(table, N, "PATCH", "/scheduler/tasks/7", &m),
			 ZQ_EUNSUPPORTED);
	assert_string_equal(m.allow, "GET, PUT, DELETE");
	assert_int_equal(zq_router_match(table, N, "DELETE", "/scheduler/tasks", &m),
			 ZQ_EUNSUPPORTED);
	assert_string_equal(m.allow, "GET, POST");
}

static void unknown_paths_are_404(void **state)
{
	zq_route_match m;

	(void)state;
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/1/nope", &m),
			 ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "scheduler/tasks", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler//tasks", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "GET", "/Scheduler/Tasks", &m), ZQ_ENOTFOUND);
}

static void trailing_slash_and_head(void **state)
{
	zq_route_match m;

	(void)state;
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks/", &m), 0);
	assert_int_equal(m.index, 0);
	assert_int_equal(zq_router_match(table, N, "GET", "/scheduler/tasks//", &m), ZQ_ENOTFOUND);
	assert_int_equal(zq_router_match(table, N, "HEAD", "/scheduler/stats", &m), 0);
	assert_int_equal(m.index, 7);
}

static void deep_paths_do_not_overflow(void **state)
{
	char path[4096] = "";
	zq_route_match m;

	(void)state;
	for (int i = 0; i < 200; i++)
		strcat(path, "/a");
	assert_int_equal(zq_router_match(table, N, "GET", path, &m), ZQ_ENOTFOUND);
}

static void table_check_finds_duplicates(void **state)
{
	zq_route dup[] = {table[0], table[0]};
	char msg[128];

	(void)state;
	assert_int_equal(zq_router_check(table, N, msg, sizeof(msg)), 0);
	assert_int_equal(zq_router_check(dup, 2, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "duplicate"));
}

static void access_names(void **state)
{
	(void)state;
	assert_string_equal(zq_route_access_name(ZQ_ACCESS_PUBLIC), "public");
	assert_string_equal(zq_route_access_name(ZQ_ACCESS_OPERATOR), "operator");
	assert_string_equal(zq_route_access_name(ZQ_ACCESS_ADMIN), "admin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_routes_match_their_method),
		cmocka_unit_test(integer_parameters_are_extracted),
		cmocka_unit_test(non_integer_segments_are_404),
		cmocka_unit_test(wrong_method_is_405_with_allow),
		cmocka_unit_test(unknown_paths_are_404),
		cmocka_unit_test(trailing_slash_and_head),
		cmocka_unit_test(deep_paths_do_not_overflow),
		cmocka_unit_test(table_check_finds_duplicates),
		cmocka_unit_test(access_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
