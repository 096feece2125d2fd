/* setup_alerts.c - the alert channels and rules of a setup document:
 * checked by alert_check.h (the API's rules, which fcgi uses too),
 * compared with the target's, written with an audit row. A channel's
 * secrets are never in an exported document: a secret the item leaves out
 * keeps the target's stored value. A rule is known by its task and kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_chan.h"
#include "alert_check.h"
#include "jsonin.h"
#include "mem.h"
#include "setup_int.h"
#include "task_def.h"
#include "timeutil.h"

static const char *const chan_keys[] = {"name", "kind", "enabled", "lang", "config", NULL};
static const char *const rule_keys[] = {"task", "kind", "enabled", "params", "repeat_every",
					"channels", NULL};
static const char *const secret_names[] = {"url", "secret", "password", NULL};

/* ---- channels ---------------------------------------------------------------------------- */

static int chan_plain(setup_ctx *c, const cJSON *it, alert_channel_row *r)
{
	if (alert_check_channel(it, "", 1, r, NULL, &c->err) < 0)
		return ZQ_EINVAL;
	if (!cJSON_IsObject(jin_get(it, "config")))
		return zq_errf(&c->err, ZQ_EINVAL, "config: required (a mapping)");
	return 0;
}

/* The item's config with "***" for each stored secret it leaves out. */
static cJSON *with_kept_secrets(const cJSON *config, const cJSON *stored)
{
	cJSON *in = cJSON_Duplicate(config, 1);
	const cJSON *h;

	for (int i = 0; stored && secret_names[i]; i++)
		if (jin_get(stored, secret_names[i]) && !jin_get(in, secret_names[i]))
			cJSON_AddStringToObject(in, secret_names[i], "***");
	if (stored && cJSON_IsObject(h = jin_get(stored, "headers")) && !jin_get(in, "headers")) {
		cJSON *o = cJSON_AddObjectToObject(in, "headers");
		for (const cJSON *m = h->child; m; m = m->next)
			cJSON_AddStringToObject(o, m->string, "***");
	}
	return in;
}

/* Check the config against the kind into r (secrets too). */
static int chan_config(setup_ctx *c, const cJSON *it, alert_channel_row *r, int same_kind)
{
	cJSON *stored = same_kind && r->secrets ? cJSON_Parse(r->secrets) : NULL;
	cJSON *in = with_kept_secrets(jin_get(it, "config"), stored), *pub, *sec;
	int rc = alert_chan_check((alert_chan_kind)alert_chan_kind_parse(r->kind), in, stored,
				  c->o->allow, c->o->deny_private, &pub, &sec, &c->err);

	cJSON_Delete(in);
	cJSON_Delete(stored);
	if (rc < 0)
		return rc;
	free(r->config);
	free(r->secrets);
	r->config = cJSON_PrintUnformatted(pub);
	r->secrets = sec->child ? cJSON_PrintUnformatted(sec) : NULL;
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	return 0;
}

static int chan_write(setup_ctx *c, alert_channel_row *r, int exists)
{
	int rc;

	if (!exists) {
		zq_strlcpy(r->created_by, c->o->actor, sizeof(r->created_by));
		if ((rc = alert_store_channel_insert(c->db, r, &r->id, &c->err)) < 0)
			return rc;
		return setup_audit(c, "alert_channel_create", "alert_channel", r->id, 0, r->name);
	}
	if ((rc = alert_store_channel_update(c->db, r, &c->err)) < 0)
		return rc;
	return setup_audit(c, "alert_channel_update", "alert_channel", r->id, 0, r->name);
}

static const alert_channel_row *chan_by_name(const alert_channel_row *rows, int n,
					     const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static int import_channel(setup_ctx *c, const cJSON *it, const alert_channel_row *stored,
			  const char *base)
{
	alert_channel_row r;
	cJSON *before = stored ? setup_channel_doc(stored) : NULL, *after;
	char *old_secrets;
	int rc;

	memset(&r, 0, sizeof(r));
	r.enabled = 1;
	zq_strlcpy(r.lang, "en", sizeof(r.lang));
	if (stored) {
		r = *stored;
		r.config = stored->config ? zq_strdup(stored->config) : NULL;
		r.secrets = stored->secrets ? zq_strdup(stored->secrets) : NULL;
	}
	old_secrets = r.secrets ? zq_strdup(r.secrets) : NULL;
	if ((rc = chan_plain(c, it, &r)) < 0 ||
	    (rc = chan_config(c, it, &r, stored && strcmp(stored->kind, r.kind) == 0)) < 0) {
		rc = setup_fail(c, base, rc);
	} else {
		int secrets_changed = (old_secrets == NULL) != (r.secrets == NULL) ||
				      (old_secrets && strcmp(old_secrets, r.secrets) != 0);
		cJSON *extra = NULL;
		if (secrets_changed && stored) {  /* values never shown */
			extra = cJSON_CreateObject();
			cJSON_AddStringToObject(extra, "path", "config (secrets)");
			cJSON_AddStringToObject(extra, "from", "***");
			cJSON_AddStringToObject(extra, "to", "***");
		}
		after = setup_channel_doc(&r);
		if (setup_plan_diff(c, "alert_channel", r.name, before, after, extra) &&
		    (rc = chan_write(c, &r, stored != NULL)) < 0)
			rc = setup_fail(c, base, rc);
		cJSON_Delete(after);
	}
	free(old_secrets);
	cJSON_Delete(before);
	alert_channel_row_release(&r);
	return rc;
}

/* Reload the channels' names and ids (after the writes). */
static int load_channels(setup_ctx *c, const cJSON *list)
{
	alert_channel_row *rows = NULL;
	int n = 0, rc;

	setup_refs_release(&c->channels);
	if ((rc = alert_store_channels_list(c->db, &rows, &n, &c->err)) < 0)
		return setup_fail(c, "alert_channels", rc);
	for (int i = 0; i < n; i++) {
		setup_refs_add(&c->channels, rows[i].id, rows[i].name, 0);
		for (const cJSON *it = list ? list->child : NULL; it; it = it->next) {
			const cJSON *nm = jin_get(it, "name");
			if (cJSON_IsString(nm) && strcmp(nm->valuestring, rows[i].name) == 0)
				c->channels.v[c->channels.n - 1].in_doc = 1;
		}
	}
	alert_channel_rows_free(rows, n);
	return 0;
}

int setup_import_channels(setup_ctx *c, const cJSON *list)
{
	alert_channel_row *rows = NULL;
	char base[40];
	int n = 0, i = 0, rc;

	if (setup_list_ok(c, list, "alert_channels") < 0)
		return 0;
	if ((rc = alert_store_channels_list(c->db, &rows, &n, &c->err)) < 0)
		return setup_fail(c, "alert_channels", rc);
	for (const cJSON *it = list ? list->child : NULL; it && rc == 0; it = it->next, i++) {
		const cJSON *nm = jin_get(it, "name");
		snprintf(base, sizeof(base), "alert_channels[%d]", i);
		if (setup_check_keys(c, it, base, chan_keys) < 0)
			continue;
		for (const cJSON *p = list->child; p != it && cJSON_IsString(nm); p = p->next)
			if (cJSON_IsString(jin_get(p, "name")) &&
			    strcmp(jin_get(p, "name")->valuestring, nm->valuestring) == 0) {
				setup_errorf(c, base, "name: '%.128s' is given twice", nm->valuestring);
				nm = NULL;
				break;
			}
		if (nm)
			rc = import_channel(c, it, chan_by_name(rows, n, cJSON_GetStringValue(nm)), base);
	}
	alert_channel_rows_free(rows, n);
	return rc < 0 ? rc : load_channels(c, list);
}

int setup_prune_channels(setup_ctx *c, const cJSON *list)
{
	int rc = 0;

	(void)list;
	for (size_t i = 0; i < c->channels.n && rc == 0; i++) {
		const setup_ref *r = &c->channels.v[i];
		if (r->in_doc)
			continue;
		if ((rc = alert_store_channel_delete(c->db, r->id, &c->err)) == 0 &&
		    (rc = setup_audit(c, "alert_channel_delete", "alert_channel", r->id, 0, r->name)) == 0)
			setup_plan_add(c, "alert_channel", r->name, "delete", NULL);
	}
	return rc < 0 ? setup_fail(c, "alert_channels", rc) : 0;
}

/* ---- rules ------------------------------------------------------------------------------------ */

static void rule_label(const char *task, const char *kind, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", task ? task : "*", kind);
}

static int rule_task(setup_ctx *c, const cJSON *v, alert_rule_row *r)
{
	const setup_ref *t;

	r->task_id = 0;
	r->task_name[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v))
		return zq_errf(&c->err, ZQ_EINVAL, "task: a task's name, not an id");
	if (!cJSON_IsString(v))
		return zq_errf(&c->err, ZQ_EINVAL, "task: a task's name, or null (every task)");
	t = setup_refs_by_name(&c->tasks, v->valuestring);
	if (!t || t->id <= 0)
		return zq_errf(&c->err, ZQ_EINVAL, "task: task '%.200s' is neither in the document "
			       "nor in the database", v->valuestring);
	r->task_id = t->id;
	zq_strlcpy(r->task_name, t->name, sizeof(r->task_name));
	return 0;
}

/* A channel of a rule by its name (the document's form). */
static int channel_ref(const cJSON *e, const char *field, void *arg, int64_t *id, zq_err *err)
{
	const setup_ref *ch = cJSON_IsString(e) ? setup_refs_by_name(arg, e->valuestring) : NULL;

	if (cJSON_IsNumber(e))
		return zq_errf(err, ZQ_EINVAL, "%s: a channel's name, not an id", field);
	if (!ch)
		return zq_errf(err, ZQ_EINVAL, "%s: no channel named '%.128s' in the document or "
			       "the database", field, cJSON_IsString(e) ? e->valuestring : "?");
	*id = ch->id;
	return 0;
}

static int rule_apply(setup_ctx *c, const cJSON *it, alert_rule_row *r)
{
	if (rule_task(c, jin_get(it, "task"), r) < 0 ||
	    alert_check_rule_opts(it, "", r, &c->err) < 0 ||
	    alert_check_rule_kind(it, "", "task", NULL, r, &c->err) < 0)
		return ZQ_EINVAL;
	return alert_check_rule_channels(jin_get(it, "channels"), "", "channel names", channel_ref,
					 &c->channels, r, &c->err);
}

static const alert_rule_row *rule_match(const alert_rule_row *rows, int n, const alert_rule_row *r)
{
	for (int i = 0; i < n; i++)
		if (rows[i].task_id == r->task_id && strcmp(rows[i].kind, r->kind) == 0)
			return &rows[i];
	return NULL;
}

static int rule_write(setup_ctx *c, alert_rule_row *r, int exists, const char *label)
{
	int rc;

	if (!exists) {
		zq_strlcpy(r->created_by, c->o->actor, sizeof(r->created_by));
		rc = alert_store_rule_insert(c->db, r, &c->err);
	} else {
		rc = alert_store_rule_update(c->db, r, &c->err);
	}
	if (rc < 0)
		return rc;
	return setup_audit(c, exists ? "alert_rule_update" : "alert_rule_create", "alert_rule", r->id,
		     r->task_id, label);
}

static int import_rule(setup_ctx *c, const cJSON *it, const alert_rule_row *rows, int n,
		       const char *base, char *seen)
{
	const alert_rule_row *old;
	cJSON *before = NULL, *after;
	alert_rule_row r;
	char label[700];
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.enabled = 1;
	r.silenced_ms = ZQ_TIME_NONE;
	if (rule_apply(c, it, &r) < 0) {
		alert_rule_row_release(&r);
		return setup_fail(c, base, ZQ_EINVAL);
	}
	rule_label(r.task_id ? r.task_name : NULL, r.kind, label, sizeof(label));
	if ((old = rule_match(rows, n, &r))) {
		if (seen[old - rows]) {
			setup_errorf(c, base, "a rule %s is given twice", label);
			alert_rule_row_release(&r);
			return 0;
		}
		seen[old - rows] = 1;
		before = setup_rule_doc(old, &c->channels);
		r.id = old->id;
		r.silenced_ms = old->silenced_ms;
	}
	after = setup_rule_doc(&r, &c->channels);
	if (setup_plan_diff(c, "alert_rule", label, before, after, NULL) &&
	    (rc = rule_write(c, &r, old != NULL, label)) < 0)
		rc = setup_fail(c, base, rc);
	cJSON_Delete(before);
	cJSON_Delete(after);
	alert_rule_row_release(&r);
	return rc;
}

/* Does an earlier item of list name the same task and kind as it? */
static int rule_given_before(const cJSON *list, const cJSON *it)
{
	const char *t = cJSON_GetStringValue(jin_get(it, "task"));
	const char *k = cJSON_GetStringValue(jin_get(it, "kind"));

	for (const cJSON *p = list->child; p && p != it && k; p = p->next) {
		const char *pt = cJSON_GetStringValue(jin_get(p, "task"));
		const char *pk = cJSON_GetStringValue(jin_get(p, "kind"));
		if (pk && strcmp(pk, k) == 0 && (t && pt ? strcmp(t, pt) == 0 : !t && !pt))
			return 1;
	}
	return 0;
}

int setup_import_rules(setup_ctx *c, const cJSON *list)
{
	alert_rule_row *rows = NULL;
	char base[40], *seen;
	int n = 0, i = 0, rc;

	if (setup_list_ok(c, list, "alert_rules") < 0 || !list)
		return 0;
	if ((rc = alert_store_rules_list(c->db, 0, 0, &rows, &n, &c->err)) < 0)
		return setup_fail(c, "alert_rules", rc);
	seen = zq_calloc((size_t)n + 1, 1);
	for (const cJSON *it = list->child; it && rc == 0; it = it->next, i++) {
		snprintf(base, sizeof(base), "alert_rules[%d]", i);
		if (setup_check_keys(c, it, base, rule_keys) < 0)
			continue;
		if (rule_given_before(list, it))
			setup_errorf(c, base, "a rule of this task and kind is given twice");
		else
			rc = import_rule(c, it, rows, n, base, seen);
	}
	free(seen);
	alert_rule_rows_free(rows, n);
	return rc;
}

/* Rules whose task and kind no item names. */
int setup_prune_rules(setup_ctx *c, const cJSON *list)
{
	alert_rule_row *rows = NULL;
	char label[700];
	int n = 0, rc;

	if ((rc = alert_store_rules_list(c->db, 0, 0, &rows, &n, &c->err)) < 0)
		return setup_fail(c, "alert_rules", rc);
	for (int i = 0; i < n && rc == 0; i++) {
		int named = 0;
		for (const cJSON *it = list ? list->child : NULL; it && !named; it = it->next) {
			const char *t = cJSON_GetStringValue(jin_get(it, "task"));
			const char *k = cJSON_GetStringValue(jin_get(it, "kind"));
			named = k && strcmp(k, rows[i].kind) == 0 &&
				(t ? rows[i].task_id && strcmp(t, rows[i].task_name) == 0
				   : !rows[i].task_id);
		}
		if (named)
			continue;
		rule_label(rows[i].task_id ? rows[i].task_name : NULL, rows[i].kind, label,
			   sizeof(label));
		if ((rc = alert_store_rule_delete(c->db, rows[i].id, &c->err)) == 0 &&
		    (rc = setup_audit(c, "alert_rule_delete", "alert_rule", rows[i].id, rows[i].task_id,
				label)) == 0)
			setup_plan_add(c, "alert_rule", label, "delete", NULL);
	}
	alert_rule_rows_free(rows, n);
	return rc < 0 ? setup_fail(c, "alert_rules", rc) : 0;
}
