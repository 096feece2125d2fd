/* setup_yaml.c - one YAML document <-> a cJSON tree (setup_yaml.h): the
 * parser walks libyaml's events, the emitter writes block style itself
 * (libyaml's emitter would choose styles we could not pin down). */
#include "setup_yaml.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "jsonin.h"
#include "mem.h"

#define PATH_MAX_LEN 400

struct yp {
	yaml_parser_t p;
	yaml_event_t ev;
	int have;            /* ev holds an event to delete */
	char path[PATH_MAX_LEN + 40];
	zq_err *err;
};

static const char *where(const struct yp *y)
{
	return y->path[0] ? y->path : "document";
}

static int next(struct yp *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	y->have = 0;
	if (!yaml_parser_parse(&y->p, &y->ev))
		return zq_errf(y->err, ZQ_EINVAL, "%s: line %zu column %zu: %s%s%s", where(y),
			       y->p.problem_mark.line + 1, y->p.problem_mark.column + 1,
			       y->p.problem ? y->p.problem : "not YAML",
			       y->p.context ? " " : "", y->p.context ? y->p.context : "");
	y->have = 1;
	return 0;
}

static int refuse(struct yp *y, const char *what)
{
	return zq_errf(y->err, ZQ_EINVAL, "%s: %s are not supported (line %zu)", where(y), what,
		       y->ev.start_mark.line + 1);
}

/* ---- plain scalars: the YAML 1.2 core schema ------------------------------------ */

static int all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

static int is_int(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o'))
		return all_of(s + 2, s[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567");
	if (*s == '-' || *s == '+')
		s++;
	return all_of(s, "0123456789");
}

static int is_float(const char *s)
{
	size_t d = 0, f = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char)*s))
		s++, d++;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			f++;
	if (!d && !f)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

static int one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const trues[] = {"true", "True", "TRUE", NULL};
static const char *const falses[] = {"false", "False", "FALSE", NULL};
static const char *const specials[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
				       "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL};

static int plain_value(struct yp *y, const char *s, cJSON **out)
{
	if (one_of(s, nulls))
		*out = cJSON_CreateNull();
	else if (one_of(s, trues) || one_of(s, falses))
		*out = cJSON_CreateBool(one_of(s, trues));
	else if (one_of(s, specials))
		return zq_errf(y->err, ZQ_EINVAL, "%s: '%s' has no JSON value (line %zu)", where(y),
			       s, y->ev.start_mark.line + 1);
	else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o') && is_int(s))
		*out = cJSON_CreateNumber((double)strtoll(s + 2, NULL, s[1] == 'x' ? 16 : 8));
	else if ((is_int(s) || is_float(s)) && !isfinite(strtod(s, NULL)))
		return zq_errf(y->err, ZQ_EINVAL, "%s: %.40s is out of range (line %zu)", where(y), s,
			       y->ev.start_mark.line + 1);
	else if (is_int(s) || is_float(s))
		*out = cJSON_CreateNumber(strtod(s, NULL));
	else
		*out = cJSON_CreateString(s);
	return 0;
}

static int scalar(struct yp *y, cJSON **out)
{
	const char *s = (const char *)y->ev.data.scalar.value;

	if (y->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		*out = cJSON_CreateString(s);
		return 0;
	}
	return plain_value(y, s, out);
}

/* ---- the tree ------------------------------------------------------------------ */

static int node(struct yp *y, int depth, cJSON **out);

static int check_event(struct yp *y)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (y->ev.type) {
	case YAML_ALIAS_EVENT:
		return refuse(y, "aliases (*name)");
	case YAML_SCALAR_EVENT:
		anchor = y->ev.data.scalar.anchor;
		tag = y->ev.data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = y->ev.data.sequence_start.anchor;
		tag = y->ev.data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = y->ev.data.mapping_start.anchor;
		tag = y->ev.data.mapping_start.tag;
		break;
	default:
		return zq_errf(y->err, ZQ_EINVAL, "%s: unexpected YAML event (line %zu)", where(y),
			       y->ev.start_mark.line + 1);
	}
	if (anchor)
		return refuse(y, "anchors (&name)");
	if (tag)
		return refuse(y, "tags (!name)");
	return 0;
}

static int key_of(struct yp *y, char **key)
{
	if (y->ev.type != YAML_SCALAR_EVENT)
		return zq_errf(y->err, ZQ_EINVAL, "%s: a key must be a scalar (line %zu)", where(y),
			       y->ev.start_mark.line + 1);
	if (y->ev.data.scalar.anchor || y->ev.data.scalar.tag)
		return refuse(y, y->ev.data.scalar.tag ? "tags (!name)" : "anchors (&name)");
	*key = zq_strdup((const char *)y->ev.data.scalar.value);
	return 0;
}

static void path_push(struct yp *y, size_t *save, const char *key, int idx)
{
	size_t n = strlen(y->path);

	*save = n;
	if (n >= PATH_MAX_LEN)
		return;
	if (key)
		snprintf(y->path + n, sizeof(y->path) - n, "%s%.100s", n ? "." : "", key);
	else
		snprintf(y->path + n, sizeof(y->path) - n, "[%d]", idx);
}

static int mapping(struct yp *y, int depth, cJSON *obj)
{
	size_t save;
	char *key = NULL;
	cJSON *v;
	int rc;

	for (;;) {
		if ((rc = next(y)) < 0)
			return rc;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if ((rc = key_of(y, &key)) < 0)
			return rc;
		path_push(y, &save, key, 0);
		if (jin_get(obj, key))
			rc = zq_errf(y->err, ZQ_EINVAL, "%s: given twice (line %zu)", y->path,
				     y->ev.start_mark.line + 1);
		if (rc == 0 && (rc = next(y)) == 0 && (rc = node(y, depth, &v)) == 0)
			cJSON_AddItemToObject(obj, key, v);
		free(key);
		y->path[save] = '\0';
		if (rc < 0)
			return rc;
	}
}

static int sequence(struct yp *y, int depth, cJSON *arr)
{
	size_t save;
	cJSON *v;
	int rc, i = 0;

	for (;; i++) {
		if ((rc = next(y)) < 0)
			return rc;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		path_push(y, &save, NULL, i);
		rc = node(y, depth, &v);
		y->path[save] = '\0';
		if (rc < 0)
			return rc;
		cJSON_AddItemToArray(arr, v);
	}
}

/* The node whose first event is y->ev. */
static int node(struct yp *y, int depth, cJSON **out)
{
	int rc;

	*out = NULL;
	if ((rc = check_event(y)) < 0)
		return rc;
	if (y->ev.type == YAML_SCALAR_EVENT)
		return scalar(y, out);
	if (depth >= SETUP_YAML_DEPTH_MAX)
		return zq_errf(y->err, ZQ_EINVAL, "%s: nested deeper than %d levels", where(y),
			       SETUP_YAML_DEPTH_MAX);
	if (y->ev.type == YAML_MAPPING_START_EVENT) {
		*out = cJSON_CreateObject();
		rc = mapping(y, depth + 1, *out);
	} else {
		*out = cJSON_CreateArray();
		rc = sequence(y, depth + 1, *out);
	}
	if (rc < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

static int expect(struct yp *y, yaml_event_type_t t, const char *what)
{
	int rc = next(y);

	if (rc == 0 && y->ev.type != t)
		rc = zq_errf(y->err, ZQ_EINVAL, "document: %s (line %zu)", what,
			     y->ev.start_mark.line + 1);
	return rc;
}

static int document(struct yp *y, cJSON **out)
{
	int rc;

	if ((rc = expect(y, YAML_STREAM_START_EVENT, "not YAML")) < 0 || (rc = next(y)) < 0)
		return rc;
	if (y->ev.type == YAML_STREAM_END_EVENT)
		return zq_errf(y->err, ZQ_EINVAL, "document: empty");
	if (y->ev.type != YAML_DOCUMENT_START_EVENT)
		return zq_errf(y->err, ZQ_EINVAL, "document: not YAML");
	if ((rc = next(y)) < 0 || (rc = node(y, 0, out)) < 0)
		return rc;
	if ((rc = expect(y, YAML_DOCUMENT_END_EVENT, "unexpected content")) < 0 ||
	    (rc = expect(y, YAML_STREAM_END_EVENT, "only one document is allowed (---)")) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

int setup_yaml_parse(const char *text, size_t len, cJSON **out, zq_err *err)
{
	struct yp y;
	int rc;

	*out = NULL;
	if (len > SETUP_YAML_MAX)
		return zq_errf(err, ZQ_ETOOBIG, "document: larger than %u bytes", SETUP_YAML_MAX);
	memset(&y, 0, sizeof(y));
	y.err = err;
	if (!yaml_parser_initialize(&y.p))
		return zq_errf(err, ZQ_EINTERNAL, "document: the YAML parser did not start");
	yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&y.p, YAML_UTF8_ENCODING);
	rc = document(&y, out);
	if (y.have)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.p);
	return rc;
}

/* ---- emit ------------------------------------------------------------------------ */

/* Words a YAML 1.1 reader types (bool, null, merge / value keys). */
static const char *const words11[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
				      "on", "On", "ON", "off", "Off", "OFF", "<<", "=", NULL};

/* A byte sequence a plain or block scalar cannot carry: a C0 / C1
 * control (tab and newline aside), DEL, NEL, LS, PS, BOM. Returns its
 * length, 0 when s starts with a harmless character. */
static int odd_at(const unsigned char *s)
{
	if ((*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7f)
		return 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;
	return 0;
}

static int has_odd(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (odd_at(p))
			return 1;
	return 0;
}

static int looks_typed(const char *s)
{
	if (one_of(s, nulls) || one_of(s, trues) || one_of(s, falses) || one_of(s, specials) ||
	    one_of(s, words11))
		return 1;
	if (isdigit((unsigned char)s[0]) || s[0] == '.')
		return 1;   /* numbers, dates, 1:20 (sexagesimal in 1.1) */
	return (s[0] == '-' || s[0] == '+') && (isdigit((unsigned char)s[1]) || s[1] == '.');
}

static int can_be_plain(const char *s)
{
	size_t n = strlen(s);

	if (!n || looks_typed(s) || strchr("-?:,[]{}#&*!|>'\"%@`", s[0]))
		return 0;
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]) || s[n - 1] == ':')
		return 0;
	if (strstr(s, ": ") || strstr(s, " #") || strchr(s, '\t') || strchr(s, '\n'))
		return 0;
	return !has_odd(s);
}

static void put_quoted(zq_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int k;

	zq_buf_putc(b, '"');
	while (*p) {
		if (*p == '"' || *p == '\\') {
			zq_buf_putc(b, '\\');
			zq_buf_putc(b, (char)*p++);
		} else if (*p == '\n' || *p == '\t') {
			zq_buf_puts(b, *p == '\n' ? "\\n" : "\\t");
			p++;
		} else if ((k = odd_at(p)) == 1) {
			zq_buf_printf(b, "\\x%02x", *p++);
		} else if (k) {
			zq_buf_puts(b, k == 2 ? "\\u00" : "\\u");
			if (k == 2)
				zq_buf_printf(b, "%02x", p[1]);
			else
				zq_buf_puts(b, p[0] == 0xef ? "feff" : p[2] == 0xa8 ? "2028" : "2029");
			p += k;
		} else {
			zq_buf_putc(b, (char)*p++);
		}
	}
	zq_buf_putc(b, '"');
}

static void put_string(zq_buf *b, const char *s)
{
	if (can_be_plain(s))
		zq_buf_puts(b, s);
	else
		put_quoted(b, s);
}

/* Several lines of printable text that a literal block carries as is. */
static int literal_ok(const char *s)
{
	size_t n = strlen(s);

	if (!strchr(s, '\n') || has_odd(s) || strchr(s, '\r') || isspace((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)   /* a line's trailing blanks: editors drop them */
		if (s[i] == '\n' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return 0;
	return s[n - 1] != ' ' && s[n - 1] != '\t';
}

static void put_indent(zq_buf *b, int indent)
{
	for (int i = 0; i < indent; i++)
		zq_buf_putc(b, ' ');
}

/* " |-" and the lines at indent (the caller is after "key:" or "-"). */
static void put_literal(zq_buf *b, const char *s, int indent)
{
	size_t n = strlen(s), trail = 0;
	const char *p = s, *end;

	while (trail < n && s[n - 1 - trail] == '\n')
		trail++;
	zq_buf_puts(b, trail == 0 ? " |-\n" : trail == 1 ? " |\n" : " |+\n");
	end = s + n - trail;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len)
			put_indent(b, indent);
		zq_buf_add(b, p, len);
		zq_buf_putc(b, '\n');
		p += len + 1;
	}
	for (size_t i = 1; i < trail; i++)
		zq_buf_putc(b, '\n');
}

static void put_number(zq_buf *b, double d)
{
	char s[64];

	if (!isfinite(d)) {
		zq_buf_puts(b, "null");
		return;
	}
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		zq_buf_printf(b, "%.0f", d);
		return;
	}
	snprintf(s, sizeof(s), "%.15g", d);
	if (strtod(s, NULL) != d)
		snprintf(s, sizeof(s), "%.17g", d);
	if (!strchr(s, '.')) {   /* 1e+20 -> 1.0e+20: a float for YAML 1.1 too */
		char *e = strchr(s, 'e');
		if (e) {
			memmove(e + 2, e, strlen(e) + 1);
			e[0] = '.';
			e[1] = '0';
		}
	}
	zq_buf_puts(b, s);
}

static void emit_map(zq_buf *b, const cJSON *o, int indent, int inline_first);
static void emit_seq(zq_buf *b, const cJSON *a, int indent, int inline_first);

/* What follows "key:" or "-": a scalar on the line, or the block below. */
static void emit_after(zq_buf *b, const cJSON *v, int indent, int in_seq)
{
	if (cJSON_IsObject(v) && v->child) {
		if (in_seq) {
			zq_buf_putc(b, ' ');
			emit_map(b, v, indent, 1);
		} else {
			zq_buf_putc(b, '\n');
			emit_map(b, v, indent, 0);
		}
		return;
	}
	if (cJSON_IsArray(v) && v->child) {
		if (in_seq) {
			zq_buf_putc(b, ' ');
			emit_seq(b, v, indent, 1);
		} else {
			zq_buf_putc(b, '\n');
			emit_seq(b, v, indent, 0);
		}
		return;
	}
	if (cJSON_IsString(v) && literal_ok(v->valuestring)) {
		put_literal(b, v->valuestring, indent);
		return;
	}
	zq_buf_putc(b, ' ');
	if (cJSON_IsObject(v))
		zq_buf_puts(b, "{}");
	else if (cJSON_IsArray(v))
		zq_buf_puts(b, "[]");
	else if (cJSON_IsString(v))
		put_string(b, v->valuestring);
	else if (cJSON_IsNumber(v))
		put_number(b, v->valuedouble);
	else if (cJSON_IsBool(v))
		zq_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	else
		zq_buf_puts(b, "null");
	zq_buf_putc(b, '\n');
}

static void emit_map(zq_buf *b, const cJSON *o, int indent, int inline_first)
{
	zq_buf key = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	for (const cJSON *m = o->child; m; m = m->next) {
		if (m != o->child || !inline_first)
			put_indent(b, indent);
		zq_buf_reset(&key);
		put_string(&key, m->string ? m->string : "");
		if (key.len > 1000) {   /* past YAML's 1024 for an implicit key: "? key" */
			zq_buf_puts(b, "? ");
			zq_buf_add(b, key.data, key.len);
			zq_buf_putc(b, '\n');
			put_indent(b, indent);
		} else {
			zq_buf_add(b, key.data, key.len);
		}
		zq_buf_putc(b, ':');
		emit_after(b, m, indent + 2, 0);
	}
	zq_buf_release(&key);
}

static void emit_seq(zq_buf *b, const cJSON *a, int indent, int inline_first)
{
	for (const cJSON *m = a->child; m; m = m->next) {
		if (m != a->child || !inline_first)
			put_indent(b, indent);
		zq_buf_putc(b, '-');
		emit_after(b, m, indent + 2, 1);
	}
}

char *setup_yaml_emit(const cJSON *v)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	if (cJSON_IsObject(v) && v->child)
		emit_map(&b, v, 0, 0);
	else if (cJSON_IsArray(v) && v->child)
		emit_seq(&b, v, 0, 0);
	else {
		emit_after(&b, v, 2, 0);   /* " value\n": drop the space */
		memmove(b.data, b.data + 1, b.len);
		b.len--;
	}
	return zq_buf_detach(&b, NULL);
}
