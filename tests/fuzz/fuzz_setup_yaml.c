/* fuzz_setup_yaml.c - libFuzzer target for setup documents' YAML side
 * (db/jobs/setup_yaml.c). Byte 0 picks the input's reading: even, the rest
 * is YAML; odd, it is JSON (cJSON) whose tree is emitted as YAML. Besides
 * crashes and sanitizer reports, it checks the round trip: whatever tree
 * was read, emit -> parse gives the same tree back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "setup_yaml.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const cJSON *v)
{
	char *text = setup_yaml_emit(v);
	zq_err err = ZQ_ERR_INIT;
	cJSON *back = NULL;

	if (setup_yaml_parse(text, strlen(text), &back, &err) < 0) {
		/* deeper than the parser takes is the one refusal a tree may earn */
		if (!strstr(err.msg, "nested deeper")) {
			fprintf(stderr, "emitted YAML does not parse: %s\n%s\n", err.msg, text);
			abort();
		}
	} else if (!cJSON_Compare(v, back, 1)) {
		fprintf(stderr, "round trip differs:\n%s\n", text);
		abort();
	}
	cJSON_Delete(back);
	free(text);
}

static int utf8_ok(const char *s)
{
	size_t n;

	return zq_utf8_check(s, strlen(s), &n) == 0;
}

static int dup_key(const cJSON *o)
{
	for (const cJSON *a = o->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (strcmp(a->string, b->string) == 0)
				return 1;
	return 0;
}

/* What the system's trees are: finite numbers, valid UTF-8, each key once
 * (jin_parse and the database see to it). */
static int sane_tree(const cJSON *v)
{
	for (; v; v = v->next) {
		if (cJSON_IsNumber(v) && (v->valuedouble != v->valuedouble ||
					  v->valuedouble - v->valuedouble != 0))
			return 0;
		if ((cJSON_IsString(v) && !utf8_ok(v->valuestring)) ||
		    (v->string && !utf8_ok(v->string)) || (cJSON_IsObject(v) && dup_key(v)) ||
		    !sane_tree(v->child))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *v = NULL;
	char *text;

	if (size < 1 || size > 65536)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1) {
		v = cJSON_Parse(text);
		if (v && sane_tree(v))
			round_trip(v);
	} else if (setup_yaml_parse(text, size - 1, &v, &err) == 0) {
		round_trip(v);
	}
	cJSON_Delete(v);
	free(text);
	return 0;
}
