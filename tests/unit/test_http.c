/* test_http.c - query strings and form bodies (decoding, limits, typed
 * getters whose errors name the parameter), header helpers and response
 * framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "timeutil.h"

static void parse(zq_query *q, const char *s)
{
	zq_err err = ZQ_ERR_INIT;

	assert_int_equal(zq_query_parse(q, s, strlen(s), "query", &err), 0);
}

static void decodes_pairs(void **state)
{
	zq_query q;

	(void)state;
	parse(&q, "name=a%20b+c&x=%E4%B8%AD&flag&empty=&=v");
	assert_string_equal(zq_query_get(&q, "name"), "a b c");
	assert_string_equal(zq_query_get(&q, "x"), "\xE4\xB8\xAD");
	assert_string_equal(zq_query_get(&q, "flag"), "");
	assert_string_equal(zq_query_get(&q, "empty"), "");
	assert_string_equal(zq_query_get(&q, ""), "v");
	assert_null(zq_query_get(&q, "missing"));
	zq_query_release(&q);
}

static void first_value_wins_and_empty_pairs_skip(void **state)
{
	zq_query q;

	(void)state;
	parse(&q, "&&a=1&&a=2&");
	assert_int_equal(q.n, 2);
	assert_string_equal(zq_query_get(&q, "a"), "1");
	zq_query_release(&q);
	parse(&q, "");
	assert_int_equal(q.n, 0);
	zq_query_release(&q);
}

static void bad_input_is_rejected_by_name(void **state)
{
	const char *bad[] = {"a=%zz", "a=%4", "a=%", "a=%00", "%00=1", "a=%ff%fe", "a=\xff"};
	zq_err err = ZQ_ERR_INIT;
	zq_query q;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(zq_query_parse(&q, bad[i], strlen(bad[i]), "query", &err), ZQ_EINVAL);
		assert_int_equal(strncmp(err.msg, "query: ", 7), 0);
		assert_int_equal(q.n, 0);
		zq_query_release(&q);
	}
}

static void too_many_parameters(void **state)
{
	char s[2048] = "";
	zq_err err = ZQ_ERR_INIT;
	zq_query q;

	(void)state;
	for (int i = 0; i <= ZQ_QUERY_MAX; i++)
		sprintf(s + strlen(s), "k%d=v&", i);
	assert_int_equal(zq_query_parse(&q, s, strlen(s), "body", &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body: too many parameters");
	zq_query_release(&q);
}

static void typed_getters(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	int64_t v, t;
	int b;
	const char *s;
	zq_query q;

	(void)state;
	parse(&q, "limit=50&skip=-1&big=99999999999999999999&enabled=TRUE&off=0&x=maybe"
		  "&from=2026-01-20T10:00:00Z&bad=yesterday&name=abcdef");
	assert_int_equal(zq_query_int(&q, "limit", 100, 1, 1000, &v, &err), 0);
	assert_int_equal(v, 50);
	assert_int_equal(zq_query_int(&q, "absent", 100, 1, 1000, &v, &err), 0);
	assert_int_equal(v, 100);
	assert_int_equal(zq_query_int(&q, "skip", 0, 0, 10, &v, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "skip: must be an integer 0-10");
	assert_int_equal(zq_query_int(&q, "big", 0, 0, INT64_MAX, &v, &err), ZQ_EINVAL);
	assert_int_equal(zq_query_int(&q, "name", 0, 0, 10, &v, &err), ZQ_EINVAL);
	assert_int_equal(zq_query_bool(&q, "enabled", 0, &b, &err), 0);
	assert_true(b);
	assert_int_equal(zq_query_bool(&q, "off", 1, &b, &err), 0);
	assert_false(b);
	assert_int_equal(zq_query_bool(&q, "x", 0, &b, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "x: must be true or false");
	assert_int_equal(zq_query_time(&q, "from", &t, &err), 0);
	assert_int_equal(t, 1768903200000LL);
	assert_int_equal(zq_query_time(&q, "bad", &t, &err), ZQ_EINVAL);
	assert_int_equal(strncmp(err.msg, "bad: ", 5), 0);
	assert_int_equal(zq_query_time(&q, "absent", &t, &err), 0);
	assert_true(t == ZQ_TIME_NONE);
	assert_int_equal(zq_query_str(&q, "name", 3, &s, &err), ZQ_EINVAL);
	assert_int_equal(zq_query_str(&q, "name", 6, &s, &err), 0);
	assert_string_equal(s, "abcdef");
	zq_query_release(&q);
}

static void media_type_and_bearer(void **state)
{
	char m[64];

	(void)state;
	zq_http_media_type("Application/JSON; charset=UTF-8", m, sizeof(m));
	assert_string_equal(m, "application/json");
	zq_http_media_type("  text/plain", m, sizeof(m));
	assert_string_equal(m, "text/plain");
	zq_http_media_type("", m, sizeof(m));
	assert_string_equal(m, "");
	zq_http_media_type(NULL, m, sizeof(m));
	assert_string_equal(m, "");
	assert_string_equal(zq_http_bearer("Bearer abc"), "abc");
	assert_string_equal(zq_http_bearer("bearer   abc"), "abc");
	assert_null(zq_http_bearer("Basic abc"));
	assert_null(zq_http_bearer("Bearer "));
	assert_null(zq_http_bearer(""));
	assert_null(zq_http_bearer(NULL));
}

static void error_response_is_json(void **state)
{
	zq_buf head = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_http_resp r;

	(void)state;
	zq_http_resp_init(&r);
	zq_http_resp_header(&r, "Allow", "GET, POST");
	zq_http_resp_error(&r, 405, "method \"X\" <b>not</b> allowed");
	assert_string_equal(r.body.data,
			    "{\"detail\":\"method \\\"X\\\" \\u003cb\\u003enot\\u003c/b\\u003e allowed\"}");
	zq_http_resp_head(&r, &head);
	assert_non_null(strstr(head.data, "Status: 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(head.data, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(head.data, "Allow: GET, POST\r\n"));
	assert_non_null(strstr(head.data, "X-Content-Type-Options: nosniff\r\n"));
	assert_int_equal(strcmp(head.data + head.len - 4, "\r\n\r\n"), 0);
	zq_buf_release(&head);
	zq_http_resp_release(&r);
}

static void status_mapping(void **state)
{
	(void)state;
	assert_int_equal(zq_http_status_for(0), 200);
	assert_int_equal(zq_http_status_for(ZQ_EINVAL), 400);
	assert_int_equal(zq_http_status_for(ZQ_EAUTH), 401);
	assert_int_equal(zq_http_status_for(ZQ_EPERM), 403);
	assert_int_equal(zq_http_status_for(ZQ_ENOTFOUND), 404);
	assert_int_equal(zq_http_status_for(ZQ_EUNSUPPORTED), 405);
	assert_int_equal(zq_http_status_for(ZQ_ECONFLICT), 409);
	assert_int_equal(zq_http_status_for(ZQ_ETOOBIG), 413);
	assert_int_equal(zq_http_status_for(ZQ_ERATE), 429);
	assert_int_equal(zq_http_status_for(ZQ_EDB), 500);
	assert_int_equal(zq_http_status_for(ZQ_EDBDOWN), 503);
	assert_string_equal(zq_http_reason(413), "Payload Too Large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_pairs),
		cmocka_unit_test(first_value_wins_and_empty_pairs_skip),
		cmocka_unit_test(bad_input_is_rejected_by_name),
		cmocka_unit_test(too_many_parameters),
		cmocka_unit_test(typed_getters),
		cmocka_unit_test(media_type_and_bearer),
		cmocka_unit_test(error_response_is_json),
		cmocka_unit_test(status_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
