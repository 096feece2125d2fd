/* test_json.c - the JSON writer (nesting, commas, escaping, invalid UTF-8
 * repaired, cap reached cleanly) and the request JSON readers (parse
 * errors, NUL and UTF-8 checks, field lists, typed getters naming the
 * field). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "jsonin.h"
#include "jsonw.h"
#include "timeutil.h"

static void writer_nests_and_separates(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_jw w;

	(void)state;
	jw_init(&w, &b);
	jw_obj_begin(&w);
	jw_kint(&w, "id", 7);
	jw_kstr(&w, "name", "a\"b\\c\n");
	jw_key(&w, "list");
	jw_arr_begin(&w);
	jw_int(&w, 1);
	jw_null(&w);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_arr_end(&w);
	jw_kbool(&w, "ok", 1);
	jw_kdouble(&w, "rate", 0.5);
	jw_kdouble(&w, "inf", 1.0 / 0.0);
	jw_ktime(&w, "at", 1768903200123LL);
	jw_ktime(&w, "never", ZQ_TIME_NONE);
	jw_kint_or_null(&w, "maybe", 0, 0);
	jw_key(&w, "raw");
	jw_raw(&w, "{\"x\":1}", 7);
	jw_obj_end(&w);
	assert_int_equal(w.err, 0);
	assert_string_equal(b.data,
			    "{\"id\":7,\"name\":\"a\\\"b\\\\c\\n\",\"list\":[1,null,{},[]],\"ok\":true,"
			    "\"rate\":0.5,\"inf\":null,\"at\":\"2026-01-20T10:00:00.123Z\",\"never\":null,"
			    "\"maybe\":null,\"raw\":{\"x\":1}}");
	zq_buf_release(&b);
}

/* Numbers and times are formatted without printf: the same text as printf
 * gives, at the edges too; keys that need escaping still get it. */
static void numbers_times_and_keys_at_the_edges(void **state)
{
	static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN};
	static const int64_t times[] = {0, 1, 999, -1, 951782400000LL /* 2000-02-29 */,
					253402300799999LL /* 9999-12-31T23:59:59.999 */,
					-62135596800000LL /* 0001-01-01 */};
	char want[64], got[64];
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_jw w;

	(void)state;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		zq_buf_reset(&b);
		jw_init(&w, &b);
		jw_int(&w, ints[i]);
		snprintf(want, sizeof(want), "%lld", (long long)ints[i]);
		assert_string_equal(b.data, want);
	}
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		zq_civil c;
		zq_ms_to_civil(times[i], &c);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month,
			 c.mday, c.hour, c.min, c.sec, c.ms);
		assert_string_equal(zq_time_format_iso(times[i], got, sizeof(got)), want);
	}
	assert_string_equal(zq_time_format_iso(0, got, sizeof(got)), "1970-01-01T00:00:00.000Z");
	zq_buf_reset(&b);
	jw_init(&w, &b);
	jw_obj_begin(&w);
	jw_kint(&w, "a<\"b", -5);
	jw_key(&w, "a key longer than the writer's small buffer for keys, with no escapes in it");
	jw_null(&w);
	jw_obj_end(&w);
	assert_string_equal(b.data, "{\"a\\u003c\\\"b\":-5,\"a key longer than the writer's small "
			    "buffer for keys, with no escapes in it\":null}");
	zq_buf_release(&b);
}

static void writer_output_parses_back(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	const char *nasty = "'; DROP TABLE t; -- <script>alert(1)</script> & \x01\x7f \xE4\xB8\xAD";
	cJSON *o, *v;
	zq_jw w;

	(void)state;
	jw_init(&w, &b);
	jw_obj_begin(&w);
	jw_kstr(&w, "s", nasty);
	jw_obj_end(&w);
	assert_null(strchr(b.data, '<'));
	o = cJSON_Parse(b.data);
	assert_non_null(o);
	v = cJSON_GetObjectItem(o, "s");
	assert_string_equal(v->valuestring, nasty);
	cJSON_Delete(o);
	zq_buf_release(&b);
}

static void invalid_utf8_becomes_replacement(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_jw w;

	(void)state;
	jw_init(&w, &b);
	jw_strn(&w, "a\xff" "b\xC0\xAF" "c\xED\xA0\x80", 9);
	assert_string_equal(b.data, "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c"
				    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	zq_buf_release(&b);
	/* embedded NUL bytes (an output tail) are escaped, not cut */
	jw_init(&w, &b);
	jw_strn(&w, "x\0y", 3);
	assert_string_equal(b.data, "\"x\\u0000y\"");
	zq_buf_release(&b);
}

static void stored_json_is_made_html_safe(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	const char *stored = "{\"m\":\"<script>&amp;</script>\",\"n\":1}";
	cJSON *o;
	zq_jw w;

	(void)state;
	jw_init(&w, &b);
	jw_arr_begin(&w);
	jw_json(&w, stored, strlen(stored));
	jw_arr_end(&w);
	assert_null(strpbrk(b.data, "<>&"));
	o = cJSON_Parse(b.data);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0), "m")->valuestring,
			    "<script>&amp;</script>");
	cJSON_Delete(o);
	zq_buf_release(&b);
}

static void writer_stops_at_the_cap(void **state)
{
	zq_buf b = ZQ_BUF_INIT(32);
	zq_jw w;

	(void)state;
	jw_init(&w, &b);
	jw_arr_begin(&w);
	for (int i = 0; i < 100; i++)
		jw_str(&w, "0123456789");
	jw_arr_end(&w);
	assert_int_equal(w.err, ZQ_ETOOBIG);
	assert_true(b.len <= 32);
	zq_buf_release(&b);
}

static int parse_fails(const char *body, const char *want)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *j;
	int rc = jin_parse(body, strlen(body), &j, &err);

	assert_null(j);
	assert_non_null(strstr(err.msg, want));
	return rc;
}

static void parse_rejects_bad_bodies(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *j;

	(void)state;
	assert_int_equal(parse_fails("{\"a\":", "malformed JSON"), ZQ_EINVAL);
	assert_int_equal(parse_fails("{} x", "unexpected data"), ZQ_EINVAL);
	assert_int_equal(parse_fails("{\"a\":\"\\u0000\"}", "NUL"), ZQ_EINVAL);
	assert_int_equal(parse_fails("{\"a\":\"\xff\"}", "UTF-8"), ZQ_EINVAL);
	assert_int_equal(parse_fails("", "malformed"), ZQ_EINVAL);
	/* an escaped backslash before u0000 is just text */
	assert_int_equal(jin_parse("{\"a\":\"\\\\u0000\"} \n", 17, &j, &err), 0);
	assert_string_equal(cJSON_GetObjectItem(j, "a")->valuestring, "\\u0000");
	cJSON_Delete(j);
}

static void field_lists(void **state)
{
	static const char *const allowed[] = {"name", "config", NULL};
	static const char *const ro[] = {"id", NULL};
	zq_err err = ZQ_ERR_INIT;
	cJSON *j;

	(void)state;
	j = cJSON_Parse("{\"name\":1,\"config\":{}}");
	assert_int_equal(jin_check_fields(j, "", allowed, ro, &err), 0);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"name\":1,\"id\":3}");
	assert_int_equal(jin_check_fields(j, "", allowed, ro, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "id: read-only field");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"Name\":1}");
	assert_int_equal(jin_check_fields(j, "x.", allowed, ro, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "x.Name: unknown field");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"name\":1,\"name\":2}");
	assert_int_equal(jin_check_fields(j, "", allowed, ro, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: given twice");
	cJSON_Delete(j);
}

static void typed_readers_name_the_field(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *j = cJSON_Parse("{\"i\":5,\"f\":1.5,\"big\":1e300,\"s\":\"\xE4\xB8\xAD\xE6\x96\x87\","
			       "\"ctl\":\"a\\tb\",\"b\":true,\"t\":\"2026-01-20T10:00:00Z\",\"n\":null}");
	const char *s;
	int64_t i;
	double d;
	int b;

	(void)state;
	assert_int_equal(jin_int(jin_get(j, "i"), "i", 0, 10, &i, &err), 0);
	assert_int_equal(i, 5);
	assert_int_equal(jin_int(jin_get(j, "f"), "max_retries", 0, 100, &i, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "max_retries: must be an integer 0-100");
	assert_int_equal(jin_int(jin_get(j, "big"), "x", 0, INT64_MAX, &i, &err), ZQ_EINVAL);
	assert_int_equal(jin_int(jin_get(j, "s"), "x", 0, 1, &i, &err), ZQ_EINVAL);
	assert_int_equal(jin_number(jin_get(j, "f"), "rate", 0, 1, &d, &err), ZQ_EINVAL);
	assert_int_equal(jin_number(jin_get(j, "f"), "rate", 0, 2, &d, &err), 0);
	/* two characters, six bytes */
	assert_int_equal(jin_string(jin_get(j, "s"), "name", 1, 2, 0, &s, &err), 0);
	assert_int_equal(jin_string(jin_get(j, "s"), "name", 1, 1, 0, &s, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: must be 1 characters");
	assert_int_equal(jin_string(jin_get(j, "ctl"), "name", 1, 9, 0, &s, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: control characters are not allowed");
	assert_int_equal(jin_string(jin_get(j, "ctl"), "desc", 1, 9, 1, &s, &err), 0);
	assert_int_equal(jin_string(jin_get(j, "i"), "name", 1, 9, 0, &s, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: must be a string");
	assert_int_equal(jin_bool(jin_get(j, "b"), "enabled", &b, &err), 0);
	assert_true(b);
	assert_int_equal(jin_bool(jin_get(j, "i"), "enabled", &b, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "enabled: must be true or false");
	assert_int_equal(jin_time(jin_get(j, "t"), "run_at", &i, &err), 0);
	assert_int_equal(i, 1768903200000LL);
	assert_int_equal(jin_time(jin_get(j, "n"), "run_at", &i, &err), ZQ_EINVAL);
	assert_null(jin_get(j, "I"));
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writer_nests_and_separates),
		cmocka_unit_test(numbers_times_and_keys_at_the_edges),
		cmocka_unit_test(writer_output_parses_back),
		cmocka_unit_test(invalid_utf8_becomes_replacement),
		cmocka_unit_test(stored_json_is_made_html_safe),
		cmocka_unit_test(writer_stops_at_the_cap),
		cmocka_unit_test(parse_rejects_bad_bodies),
		cmocka_unit_test(field_lists),
		cmocka_unit_test(typed_readers_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
