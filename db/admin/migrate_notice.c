/* migrate_notice.c - the line `zq-db migrate` prints when a migration it
 * applied in this run created or replaced bi_* views (README "Reporting
 * (BI)" -> "The reporting account"). The role zq_bi_<db> holds SELECT on
 * each view by name: a view a migration adds is not in it until `zq-db
 * bi-user grant` runs as an account that may grant (./zq up runs it; the
 * package and a hand-run migrate do not). */
#include "migrate_notice.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "migrate.h"

#define WORD_MAX 72

/* Past a string literal ('...' or "...": doubled quotes and backslashes
 * escape); s points at its opening quote. */
static const char *skip_string(const char *s)
{
	char q = *s++;

	while (*s) {
		if (*s == '\\' && s[1]) {
			s += 2;
		} else if (*s == q && s[1] == q) {
			s += 2;
		} else if (*s++ == q) {
			break;
		}
	}
	return s;
}

/* Past blanks, comments and string literals. */
static const char *skip_blank(const char *s)
{
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if ((s[0] == '-' && s[1] == '-') || s[0] == '#') {
			s += strcspn(s, "\n");
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");

			s = e ? e + 2 : s + strlen(s);
		} else if (*s == '\'' || *s == '"') {
			s = skip_string(s);
		} else {
			return s;
		}
	}
}

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The next word of sql from *p into w (an identifier, a `quoted` one
 * without its quotes, or one punctuation character), past blanks, comments
 * and string literals. Returns its length, 0 at the end. */
static size_t next_word(const char **p, char *w)
{
	const char *s = skip_blank(*p);
	size_t n = 0;

	if (*s == '`') {
		for (s++; *s && *s != '`'; s++)
			if (n < WORD_MAX - 1)
				w[n++] = *s;
		if (*s)
			s++;
	} else if (word_char(*s)) {
		for (; word_char(*s); s++)
			if (n < WORD_MAX - 1)
				w[n++] = *s;
	} else if (*s) {
		w[n++] = *s++;
	}
	w[n] = '\0';
	*p = s;
	return n;
}

/* In one statement that began with CREATE or ALTER: after VIEW (and IF NOT
 * EXISTS), the view's name, past a schema and its dot. */
static int view_name_is_bi(const char **p, char *w)
{
	while (next_word(p, w) && (strcasecmp(w, "IF") == 0 || strcasecmp(w, "NOT") == 0 ||
				   strcasecmp(w, "EXISTS") == 0))
		;
	for (;;) {
		const char *save = *p;
		char dot[WORD_MAX];

		if (!next_word(p, dot) || strcmp(dot, ".") != 0) {
			*p = save;
			break;
		}
		if (!next_word(p, w))
			return 0;
	}
	return strncasecmp(w, "bi_", 3) == 0;
}

int sql_makes_bi_view(const char *sql)
{
	const char *p = sql;
	char w[WORD_MAX];
	int first = 1, ddl = 0;

	while (next_word(&p, w)) {
		if (strcmp(w, ";") == 0) {
			first = 1, ddl = 0;
			continue;
		}
		if (first)
			ddl = strcasecmp(w, "CREATE") == 0 || strcasecmp(w, "ALTER") == 0;
		first = 0;
		if (ddl && strcasecmp(w, "VIEW") == 0) {
			if (view_name_is_bi(&p, w))
				return 1;
			ddl = 0;
		}
	}
	return 0;
}

int migrate_bi_notice(FILE *out, int applied)
{
	zq_buf names = ZQ_BUF_INIT(4096);
	int n = 0;

	/* all of them: the database was empty, no reporting account exists yet */
	if (applied <= 0 || applied >= zq_migration_count)
		return 0;
	for (int i = zq_migration_count - applied; i < zq_migration_count; i++) {
		if (!sql_makes_bi_view(zq_migrations[i].sql))
			continue;
		zq_buf_printf(&names, "%s%s", n++ ? ", " : "", zq_migrations[i].name);
	}
	if (n)
		fprintf(out, "reporting: migration%s %s created or replaced bi_* views: run "
			"zq-db bi-user grant --admin-user root so reporting accounts see the new "
			"views\n", n == 1 ? "" : "s", names.data);
	zq_buf_release(&names);
	return n > 0;
}
