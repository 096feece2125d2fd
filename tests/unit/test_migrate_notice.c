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

static void test_views_named_bi_count(void **state)
{
	(void)state;
	assert_int_equal(sql_makes_bi_view("CREATE OR REPLACE VIEW bi_x AS SELECT 1"), 1);
	assert_int_equal(sql_makes_bi_view("create view if not exists zq.bi_y as select 1"), 1);
	assert_int_equal(sql_makes_bi_view("CREATE VIEW `zq`.`bi_z` AS SELECT 1"), 1);
	assert_int_equal(sql_makes_bi_view("CREATE ALGORITHM=MERGE SQL SECURITY INVOKER "
					   "VIEW bi_m AS SELECT 1"), 1);
	assert_int_equal(sql_makes_bi_view("ALTER VIEW bi_a AS SELECT 2"), 1);
	assert_int_equal(sql_makes_bi_view("INSERT INTO t VALUES ('x;y');\n"
					   "CREATE VIEW bi_after AS SELECT 1;"), 1);
}

static void test_other_statements_do_not(void **state)
{
	(void)state;
	assert_int_equal(sql_makes_bi_view("CREATE TABLE bi_columns (a INT)"), 0);
	assert_int_equal(sql_makes_bi_view("CREATE VIEW other AS SELECT * FROM bi_tasks"), 0);
	assert_int_equal(sql_makes_bi_view("DROP VIEW bi_x"), 0);
	assert_int_equal(sql_makes_bi_view("SELECT 'VIEW bi_x'; CREATE TABLE t (a INT)"), 0);
	assert_int_equal(sql_makes_bi_view("-- CREATE VIEW bi_c AS SELECT 1\nSELECT 1"), 0);
	assert_int_equal(sql_makes_bi_view("/* CREATE VIEW bi_c */ SELECT 1"), 0);
	assert_int_equal(sql_makes_bi_view("# CREATE VIEW bi_c\nSELECT 1"), 0);
	/* a view built from a string (PREPARE) is not seen: migrations create
	 * their views as plain statements */
	assert_int_equal(sql_makes_bi_view("SET @s = 'CREATE VIEW bi_s AS SELECT 1'"), 0);
	/* REPLACE INTO bi_columns is not a view */
	assert_int_equal(sql_makes_bi_view("REPLACE INTO bi_columns VALUES ('bi_v', 'c')"), 0);
	assert_int_equal(sql_makes_bi_view(""), 0);
	/* unterminated comment, string and quoted name: no overrun */
	assert_int_equal(sql_makes_bi_view("/* CREATE VIEW bi_x"), 0);
	assert_int_equal(sql_makes_bi_view("SELECT 'CREATE VIEW bi_x"), 0);
	assert_int_equal(sql_makes_bi_view("CREATE VIEW `bi_x"), 1);
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
		cmocka_unit_test(test_views_named_bi_count),
		cmocka_unit_test(test_other_statements_do_not),
		cmocka_unit_test(test_embedded_migrations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
