/* test_migrate_notice.c - which migration SQL makes `zq-db migrate` tell the
 * operator to run `zq-db bi-user grant` (db/admin/migrate_notice.c): a
 * missed view leaves reporting accounts without it; a false one sends the
 * operator to grant for nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "migrate.h"
#include "migrate_notice.h"

static const struct {
	const char *sql;
	int bi;
} cases[] = {
	/* views named bi_* created or altered: the line */
	{ "CREATE OR REPLACE VIEW bi_x AS SELECT 1", 1 },
	{ "create view if not exists zq.bi_y as select 1", 1 },
	{ "CREATE VIEW `zq`.`bi_z` AS SELECT 1", 1 },
	{ "CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW bi_m AS SELECT 1", 1 },
	{ "ALTER VIEW bi_a AS SELECT 2", 1 },
	{ "INSERT INTO t VALUES ('x;y');\nCREATE VIEW bi_after AS SELECT 1;", 1 },
	/* anything else: none */
	{ "CREATE TABLE bi_columns (a INT)", 0 },
	{ "CREATE VIEW other AS SELECT * FROM bi_tasks", 0 },
	{ "DROP VIEW bi_x", 0 },
	{ "SELECT 'VIEW bi_x'; CREATE TABLE t (a INT)", 0 },
	{ "-- CREATE VIEW bi_c AS SELECT 1\nSELECT 1", 0 },
	{ "/* CREATE VIEW bi_c */ SELECT 1", 0 },
	{ "# CREATE VIEW bi_c\nSELECT 1", 0 },
	/* a view built from a string (PREPARE) is not seen: migrations create
	 * their views as plain statements */
	{ "SET @s = 'CREATE VIEW bi_s AS SELECT 1'", 0 },
	{ "REPLACE INTO bi_columns VALUES ('bi_v', 'c')", 0 },
	{ "", 0 },
	/* unterminated comment, string and quoted name: no overrun */
	{ "/* CREATE VIEW bi_x", 0 },
	{ "SELECT 'CREATE VIEW bi_x", 0 },
	{ "CREATE VIEW `bi_x", 1 },
};

static void test_statements(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (sql_makes_bi_view(cases[i].sql) != cases[i].bi)
			fail_msg("sql_makes_bi_view(\"%s\") != %d", cases[i].sql, cases[i].bi);
	}
}

/* the embedded migrations: the ones that make reporting views say so */
static void test_embedded_migrations(void **state)
{
	int saw130 = 0, saw150 = 0;

	(void)state;
	for (int i = 0; i < zq_migration_count; i++) {
		const char *name = zq_migrations[i].name;
		int bi = sql_makes_bi_view(zq_migrations[i].sql);

		if (strncmp(name, "130_", 4) == 0)
			saw130 = 1, assert_int_equal(bi, 1);
		if (strncmp(name, "150_", 4) == 0)
			saw150 = 1, assert_int_equal(bi, 1);
		if (strncmp(name, "140_", 4) == 0 || strncmp(name, "120_", 4) == 0)
			assert_int_equal(bi, 0);
	}
	assert_true(saw130 && saw150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_embedded_migrations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
