/* test_setup_yaml.c - the YAML side of setup documents: plain scalar
 * typing, what is refused (with the path), and emit -> parse giving the
 * same tree for the strings that look like something else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "setup_yaml.h"

static cJSON *parse_ok(const char *text)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *v = NULL;

	if (setup_yaml_parse(text, strlen(text), &v, &err) < 0)
		fail_msg("parse '%s': %s", text, err.msg);
	return v;
}

static void expect_error(const char *text, const char *msg)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *v = NULL;

	assert_true(setup_yaml_parse(text, strlen(text), &v, &err) < 0);
	assert_null(v);
	if (!strstr(err.msg, msg))
		fail_msg("'%s': got '%s', want '%s'", text, err.msg, msg);
}

/* emit v, parse it back, compare. */
static void round_trip(cJSON *v)
{
	char *text = setup_yaml_emit(v);
	zq_err err = ZQ_ERR_INIT;
	cJSON *back = NULL;

	if (setup_yaml_parse(text, strlen(text), &back, &err) < 0)
		fail_msg("reparse of\n%s\nfailed: %s", text, err.msg);
	if (!cJSON_Compare(v, back, 1)) {
		char *a = cJSON_Print(v), *b = cJSON_Print(back);
		fail_msg("round trip differs:\n%s\nemitted:\n%s\nread back:\n%s", a, text, b);
	}
	cJSON_Delete(back);
	free(text);
}

static void plain_scalars_are_typed(void **state)
{
	cJSON *v = parse_ok("a: 12\nb: -3\nc: 1.5\nd: 1e3\ne: true\nf: False\ng: ~\nh:\n"
			    "i: null\nj: yes\nk: 0123\nl: 2026-01-01\nm: '12'\nn: \"true\"\n"
			    "o: 0x1f\np: on\nq: .5\n");

	(void)state;
	assert_int_equal((int)cJSON_GetObjectItem(v, "a")->valuedouble, 12);
	assert_int_equal((int)cJSON_GetObjectItem(v, "b")->valuedouble, -3);
	assert_true(cJSON_GetObjectItem(v, "c")->valuedouble == 1.5);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(v, "d")));
	assert_true(cJSON_GetObjectItem(v, "d")->valuedouble == 1000);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "e")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(v, "f")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "g")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "h")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "i")));
	assert_string_equal(cJSON_GetObjectItem(v, "j")->valuestring, "yes");
	assert_true(cJSON_GetObjectItem(v, "k")->valuedouble == 123);
	assert_string_equal(cJSON_GetObjectItem(v, "l")->valuestring, "2026-01-01");
	assert_string_equal(cJSON_GetObjectItem(v, "m")->valuestring, "12");
	assert_string_equal(cJSON_GetObjectItem(v, "n")->valuestring, "true");
	assert_true(cJSON_GetObjectItem(v, "o")->valuedouble == 31);
	assert_string_equal(cJSON_GetObjectItem(v, "p")->valuestring, "on");
	assert_true(cJSON_GetObjectItem(v, "q")->valuedouble == 0.5);
	cJSON_Delete(v);
}

static void structure_and_order(void **state)
{
	cJSON *v = parse_ok("zq_setup: 1\ntasks:\n  - name: b\n    config: {}\n    list: []\n"
			    "  - name: a\n    nested:\n      - - 1\n        - 2\n"
			    "text: |\n  line one\n  line two\n");
	cJSON *tasks = cJSON_GetObjectItem(v, "tasks");

	(void)state;
	assert_string_equal(v->child->string, "zq_setup");
	assert_int_equal(cJSON_GetArraySize(tasks), 2);
	assert_string_equal(cJSON_GetObjectItem(tasks->child, "name")->valuestring, "b");
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(tasks->child, "config")));
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(tasks->child, "list")));
	assert_string_equal(cJSON_GetObjectItem(v, "text")->valuestring, "line one\nline two\n");
	round_trip(v);
	cJSON_Delete(v);
}

static void refusals_name_the_path(void **state)
{
	(void)state;
	expect_error("tasks:\n  - name: a\n    name: b\n", "tasks[0].name: given twice (line 3)");
	expect_error("a: &x 1\nb: *x\n", "a: anchors (&name) are not supported");
	expect_error("a: [1, *x]\n", "a[1]");
	expect_error("t:\n  - !!str 1\n", "t[0]: tags (!name) are not supported");
	expect_error("a: 1\n---\nb: 2\n", "only one document");
	expect_error("", "document: empty");
	expect_error("a: .inf\n", "a: '.inf' has no JSON value");
	expect_error("? [1, 2]\n: x\n", "a key must be a scalar");
	expect_error("a: [1, 2\n", "line");
	expect_error("a:\n  b: 1\n c: 2\n", "line");
	expect_error("n: 1e999\n", "n: 1e999 is out of range");
}

static void size_and_depth_caps(void **state)
{
	size_t n = SETUP_YAML_MAX + 1;
	char *big = malloc(n + 1), deep[200];
	zq_err err = ZQ_ERR_INIT;
	cJSON *v = NULL;

	(void)state;
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(setup_yaml_parse(big, n, &v, &err), ZQ_ETOOBIG);
	free(big);
	deep[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	expect_error(deep, "nested deeper than 30 levels");
}

static void tricky_strings_round_trip(void **state)
{
	static const char *const s[] = {
		"yes", "no", "on", "off", "y", "N", "null", "~", "true", "False", "0123", "1e3",
		"1.5", ".5", "-1", "+1", "0x1f", "2026-01-01", "12:30", ":", "a: b", "#", "a #b",
		"a#b", "- x", "-", "?", "[x]", "{x}", "&a", "*a", "!t", "|", ">", "'", "\"", "%x",
		"@x", "`x", "", " lead", "trail ", "tab\there", "line\nbreak", "two\nlines\n",
		"three\n\n", "\nleading newline", "a \nb", "a\n  indented\nb", "back\\slash",
		"\xe6\x95\xb0\xe6\x8d\xae\xe5\x90\x8c\xe6\xad\xa5", "emoji \xf0\x9f\x98\x80",
		"ctl \x01 x", "nel \xc2\x85 x", "ls \xe2\x80\xa8 x", "<<", "=", ".inf", ".nan",
		"echo $HOME | wc -l && exit 0", "key:", "a:b", "x,y", "'quoted'", "end\n\n\n",
	};
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%zu", i);
		cJSON_AddStringToObject(o, k, s[i]);
		cJSON_AddItemToObject(o, s[i], cJSON_CreateNumber((double)i));  /* as keys too */
		cJSON_AddItemToArray(a, cJSON_CreateString(s[i]));
	}
	round_trip(o);
	round_trip(a);
	cJSON_Delete(o);
	cJSON_Delete(a);
}

static void values_round_trip(void **state)
{
	cJSON *v = cJSON_Parse("{\"zq_setup\":1,\"n\":[0,-7,3.25,1e20,1.5e-7,123456789012,"
			       "0.1],\"b\":[true,false,null],\"e\":{},\"ea\":[],\"deep\":[[[]],"
			       "[{}],[{\"a\":[1,{\"b\":{}}]}]],\"obj\":{\"x\":{\"y\":{\"z\":"
			       "\"multi\\nline\"}}},\"list\":[{\"k\":\"v\",\"l\":[1,2]},"
			       "\"s\\ns\",[\"x\"]]}");
	char *text;

	(void)state;
	assert_non_null(v);
	round_trip(v);
	text = setup_yaml_emit(v);
	assert_non_null(strstr(text, "zq_setup: 1\n"));
	assert_non_null(strstr(text, "e: {}\n"));
	assert_non_null(strstr(text, "ea: []\n"));
	assert_non_null(strstr(text, "1.0e+20"));
	free(text);
	cJSON_Delete(v);
	v = cJSON_CreateObject();   /* a key past YAML's 1024 characters for a simple key */
	{
		char key[3000];
		memset(key, 'k', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		cJSON_AddItemToObject(v, key, cJSON_CreateString("v"));
		cJSON_AddItemToObject(cJSON_AddObjectToObject(v, "o"), key, cJSON_CreateArray());
	}
	round_trip(v);
	cJSON_Delete(v);
	v = cJSON_CreateString("just a string");
	round_trip(v);
	cJSON_Delete(v);
	v = cJSON_CreateObject();
	round_trip(v);
	cJSON_Delete(v);
}

static void emitted_yaml_reads_well(void **state)
{
	cJSON *v = cJSON_Parse("{\"name\":\"sync\",\"enabled\":true,\"description\":null,"
			       "\"config\":{\"command\":\"echo hi\\necho there\\n\",\"env\":"
			       "{\"A\":\"***\"}},\"tasks\":[{\"name\":\"a\",\"deps\":[\"b\"]}]}");
	char *text = setup_yaml_emit(v);

	(void)state;
	assert_string_equal(text, "name: sync\nenabled: true\ndescription: null\nconfig:\n"
			    "  command: |\n    echo hi\n    echo there\n  env:\n    A: \"***\"\n"
			    "tasks:\n  - name: a\n    deps:\n      - b\n");
	free(text);
	cJSON_Delete(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_scalars_are_typed),
		cmocka_unit_test(structure_and_order),
		cmocka_unit_test(refusals_name_the_path),
		cmocka_unit_test(size_and_depth_caps),
		cmocka_unit_test(tricky_strings_round_trip),
		cmocka_unit_test(values_round_trip),
		cmocka_unit_test(emitted_yaml_reads_well),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
