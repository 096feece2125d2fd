/* alert_text.c - an event's facts as a document in the channel's language
 * (title, intro, "Label: value" lines, link), the dispatch to the kind's
 * format, and the judge of a reply (alert_text.h). */
#include "alert_text_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "mem.h"
#include "timeutil.h"
#include "tz.h"
#include "utf8.h"

#define ERROR_CHARS 500

enum { L_TASK, L_STATUS, L_ATTEMPT, L_TRIGGER, L_SCHED, L_START, L_END, L_DUR, L_ERROR,
       L_REASON, L_DETAIL, L_DETECTED, L_CHANNEL, L_EVENT, L_COUNT };

static const char *const labels[2][L_COUNT] = {
	{"Task", "Status", "Attempt", "Trigger", "Scheduled", "Started", "Ended", "Duration",
	 "Error", "Reason", "Detail", "Detected", "Channel", "Event"},
	{"任务", "状态", "尝试", "触发方式", "计划时间", "开始时间", "结束时间", "耗时",
	 "错误", "原因", "详情", "检测时间", "渠道", "事件"},
};

/* event, en title word, zh title word, en intro, zh intro (%s = task name), bad */
static const struct ev_text {
	const char *event, *en, *zh, *en_intro, *zh_intro;
	int bad;
} ev_texts[] = {
	{"failure", "FAILED", "失败", "Task %s failed.", "任务 %s 运行失败。", 1},
	{"timeout", "TIMED OUT", "超时", "Task %s timed out.", "任务 %s 运行超时。", 1},
	{"recovery", "RECOVERED", "已恢复", "Task %s succeeded again.", "任务 %s 已恢复成功。", 0},
	{"skipped", "SKIPPED", "已跳过", "A run of task %s was skipped.",
	 "任务 %s 的一次运行被跳过。", 1},
	{"deadline", "MISSED DEADLINE", "错过截止时间", "Task %s has not succeeded by its deadline.",
	 "任务 %s 未在截止时间前成功。", 1},
	{"not_started", "NOT STARTED", "未按时启动", "A due run of task %s has not started.",
	 "任务 %s 的到期运行尚未启动。", 1},
	{"duration", "RUNNING LONG", "运行时间过长",
	 "A run of task %s is running longer than expected.", "任务 %s 的一次运行时间超出预期。", 1},
	{"scheduler_down", "SCHEDULER DOWN", "调度器离线", "No scheduler is running.",
	 "没有正在运行的调度器。", 1},
	{"scheduler_up", "SCHEDULER UP", "调度器已恢复", "A scheduler is running again.",
	 "调度器已恢复运行。", 0},
	{"test", "TEST", "测试", "This is a test message from zq: the channel works.",
	 "这是一条来自 zq 的测试消息：渠道可用。", 2},
};

static const char *const words[][3] = {
	/* value, en, zh */
	{"failed", "failed", "失败"},       {"success", "success", "成功"},
	{"running", "running", "运行中"},   {"pending", "pending", "等待中"},
	{"skipped", "skipped", "已跳过"},   {"cancelled", "cancelled", "已取消"},
	{"timeout", "timed out", "超时"},   {"schedule", "schedule", "定时"},
	{"manual", "manual", "手动"},       {"retry", "retry", "重试"},
	{"workflow", "workflow", "工作流"}, {"api", "API", "API"},
	{"backfill", "backfill", "回填"},
};

const char *at_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_IsObject(obj) ? jin_get(obj, name) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int num(const cJSON *obj, const char *name, long long *out)
{
	const cJSON *v = cJSON_IsObject(obj) ? jin_get(obj, name) : NULL;
	if (!cJSON_IsNumber(v))
		return 0;
	*out = (long long)v->valuedouble;
	return 1;
}

static const char *word(const char *v, int zh)
{
	for (size_t i = 0; v && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(v, words[i][0]) == 0)
			return words[i][1 + zh];
	return v;
}

/* s with every control character (newlines too) as a space. */
static char *one_line(const char *s)
{
	char *r = zq_strdup(s ? s : "");
	for (char *p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

/* "2026-12-01 18:00:03 +08:00 (Asia/Shanghai)", or "... UTC". NULL when iso is not a time. */
static char *fmt_time(const char *iso, const char *tzname)
{
	int64_t ms;
	zq_err e = ZQ_ERR_INIT;
	const zq_tz *tz = NULL;
	zq_civil c;
	char buf[160];

	if (!iso || !*iso || zq_time_parse_iso(iso, &ms) < 0)
		return NULL;
	if (tzname && *tzname && strcmp(tzname, "UTC") != 0 && strcmp(tzname, "Etc/UTC") != 0)
		tz = zq_tz_get(tzname, &e);
	int off = tz ? zq_tz_offset_at(tz, ms) : 0;
	zq_ms_to_civil(ms + off * 1000LL, &c);
	int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.mday,
			 c.hour, c.min, c.sec);
	if (!tz)
		snprintf(buf + n, sizeof(buf) - (size_t)n, " UTC");
	else
		snprintf(buf + n, sizeof(buf) - (size_t)n, " %c%02d:%02d (%s)", off < 0 ? '-' : '+',
			 abs(off) / 3600, abs(off) % 3600 / 60, zq_tz_name(tz));
	return zq_strdup(buf);
}

static char *fmt_duration(long long ms, int zh)
{
	char buf[64];
	long long s = ms / 1000;

	if (ms < 0)
		ms = 0;
	if (ms < 60000)
		snprintf(buf, sizeof(buf), zh ? "%.1f 秒" : "%.1f s", (double)ms / 1000.0);
	else if (s < 3600)
		snprintf(buf, sizeof(buf), zh ? "%lld 分 %lld 秒" : "%lld min %lld s", s / 60, s % 60);
	else
		snprintf(buf, sizeof(buf), zh ? "%lld 小时 %lld 分" : "%lld h %lld min", s / 3600,
			 s % 3600 / 60);
	return zq_strdup(buf);
}

/* The first ERROR_CHARS characters of s, "…" when cut. */
static char *cut_error(const char *s)
{
	size_t n = strlen(s), at = 0;
	int chars = 0;

	while (at < n && chars < ERROR_CHARS) {
		size_t l = zq_utf8_len((const unsigned char *)s + at, n - at);
		if (l == 0)
			break;
		at += l;
		chars++;
	}
	char *r = zq_malloc(at + 4);
	memcpy(r, s, at);
	memcpy(r + at, at < n ? "…" : "", at < n ? 4 : 1);
	return r;
}

static void add(at_doc *d, int label, char *value, int multiline)
{
	if (!value)
		return;
	if (d->n >= AT_LINES_MAX) {
		free(value);
		return;
	}
	d->lines[d->n++] = (at_line){labels[d->zh][label], value, multiline};
}

static void add_run(at_doc *d, const cJSON *ex, const char *tz)
{
	long long v, mx;
	const char *err = at_str(ex, "error");

	if (at_str(ex, "status"))
		add(d, L_STATUS, zq_strdup(word(at_str(ex, "status"), d->zh)), 0);
	if (num(ex, "retry_count", &v) && num(ex, "max_retries", &mx) &&
	    (mx > 0 || strcmp(d->event, "failure") == 0 || strcmp(d->event, "timeout") == 0)) {
		char buf[48];
		snprintf(buf, sizeof(buf), "%lld/%lld", v + 1, mx + 1);
		add(d, L_ATTEMPT, zq_strdup(buf), 0);
	}
	if (at_str(ex, "trigger_type"))
		add(d, L_TRIGGER, zq_strdup(word(at_str(ex, "trigger_type"), d->zh)), 0);
	add(d, L_SCHED, fmt_time(at_str(ex, "scheduled_time"), tz), 0);
	add(d, L_START, fmt_time(at_str(ex, "start_time"), tz), 0);
	add(d, L_END, fmt_time(at_str(ex, "end_time"), tz), 0);
	if (num(ex, "duration_ms", &v))
		add(d, L_DUR, fmt_duration(v, d->zh), 0);
	if (err && *err && strcmp(d->event, "recovery") != 0)
		add(d, strcmp(d->event, "skipped") == 0 ? L_REASON : L_ERROR, cut_error(err), 1);
}

static const struct ev_text *ev_find(const char *event)
{
	for (size_t i = 0; i < sizeof(ev_texts) / sizeof(ev_texts[0]); i++)
		if (strcmp(event, ev_texts[i].event) == 0)
			return &ev_texts[i];
	return NULL;
}

static void doc_title(at_doc *d, const alert_chan_view *ch, const cJSON *facts,
		      const char *name)
{
	const struct ev_text *t = ev_find(d->event);
	const cJSON *ex = jin_get(facts, "execution");
	char word_up[64], att[64] = "", *cname = one_line(ch->name);
	zq_buf b = ZQ_BUF_INIT(4096);
	long long v, mx;

	snprintf(word_up, sizeof(word_up), "%.40s", t ? (d->zh ? t->zh : t->en) : d->event);
	if ((strcmp(d->event, "failure") == 0 || strcmp(d->event, "timeout") == 0) &&
	    num(ex, "retry_count", &v) && num(ex, "max_retries", &mx))
		snprintf(att, sizeof(att), d->zh ? "（第 %lld/%lld 次）" : " (attempt %lld/%lld)",
			 v + 1, mx + 1);
	zq_buf_printf(&b, "[zq] %s", word_up);
	if (strcmp(d->event, "test") == 0)
		zq_buf_printf(&b, d->zh ? "（渠道 %s）" : " from channel %s", cname);
	else if (name)
		zq_buf_printf(&b, " %s%s", name, att);
	if (cJSON_IsTrue(jin_get(facts, "repeat")))
		zq_buf_puts(&b, d->zh ? "（重复提醒）" : " (repeated)");
	d->title = zq_buf_detach(&b, NULL);
	free(cname);
	if (t) {
		const char *f = d->zh ? t->zh_intro : t->en_intro, *at = strstr(f, "%s");
		zq_buf i = ZQ_BUF_INIT(4096);
		zq_buf_add(&i, f, at ? (size_t)(at - f) : strlen(f));
		if (at) {
			zq_buf_puts(&i, name ? name : "?");
			zq_buf_puts(&i, at + 2);
		}
		d->intro = zq_buf_detach(&i, NULL);
		d->bad = t->bad;
	}
}

static char *link_url(const char *base, const cJSON *task, const cJSON *ex)
{
	long long tid, eid;
	size_t n = base ? strlen(base) : 0;
	char *r;

	if (!n || !num(task, "id", &tid) || !num(ex, "id", &eid))
		return NULL;
	while (n && base[n - 1] == '/')
		n--;
	r = zq_malloc(n + 80);
	snprintf(r, n + 80, "%.*s/#/tasks/%lld/executions/%lld", (int)n, base, tid, eid);
	return r;
}

static void doc_build(at_doc *d, const alert_chan_view *ch, const cJSON *facts,
		      long long event_id, const char *base_url)
{
	const cJSON *task = jin_get(facts, "task"), *ex = jin_get(facts, "execution");
	const char *tz = at_str(task, "timezone");
	char *name = at_str(task, "name") ? one_line(at_str(task, "name")) : NULL;
	char buf[96];
	long long tid = 0;

	memset(d, 0, sizeof(*d));
	d->zh = ch->lang && strcmp(ch->lang, "zh") == 0;
	d->event = at_str(facts, "event") ? at_str(facts, "event") : "event";
	d->bad = 1;
	doc_title(d, ch, facts, name);
	if (name) {
		zq_buf v = ZQ_BUF_INIT(4096);
		zq_buf_puts(&v, name);
		if (num(task, "id", &tid))
			zq_buf_printf(&v, " (#%lld)", tid);
		add(d, L_TASK, zq_buf_detach(&v, NULL), 0);
	}
	if (cJSON_IsObject(ex))
		add_run(d, ex, tz);
	else if (strcmp(d->event, "not_started") == 0)   /* no run yet: the slot is the due time */
		add(d, L_SCHED, fmt_time(at_str(facts, "slot"), tz), 0);
	if (at_str(facts, "detail") && *at_str(facts, "detail"))
		add(d, L_DETAIL, cut_error(at_str(facts, "detail")), 1);
	if (!at_str(ex, "end_time"))
		add(d, L_DETECTED, fmt_time(at_str(facts, "detected_at"), tz), 0);
	if (strcmp(d->event, "test") == 0)
		add(d, L_CHANNEL, one_line(ch->name), 0);
	snprintf(buf, sizeof(buf), "#%lld", event_id);
	add(d, L_EVENT, zq_strdup(buf), 0);
	d->url = link_url(base_url, task, ex);
	d->link_label = d->zh ? "查看运行记录" : "Open the run";
	free(name);
}

static void doc_free(at_doc *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->lines[i].value);
	free(d->title);
	free(d->intro);
	free(d->url);
}

void at_header(alert_msg *m, const char *name, const char *value)
{
	int cap = (int)(sizeof(m->headers) / sizeof(m->headers[0]));

	if (m->nheaders >= cap)
		return;
	char *h = zq_malloc(strlen(name) + strlen(value) + 3);
	sprintf(h, "%s: %s", name, value);
	m->headers[m->nheaders++] = h;
}

int alert_msg_build(const alert_chan_view *ch, const cJSON *facts, long long event_id,
		    const char *base_url, long long now_ms, alert_msg *m, zq_err *err)
{
	at_doc d;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!ch || (unsigned)ch->kind >= AC_KIND_COUNT)
		return zq_errf(err, ZQ_EINVAL, "channel: unknown kind");
	if (!cJSON_IsObject(facts))
		return zq_errf(err, ZQ_EINVAL, "facts: must be an object");
	if (!ev_find(at_str(facts, "event") ? at_str(facts, "event") : ""))
		return zq_errf(err, ZQ_EINVAL, "facts.event: not an alert event");
	doc_build(&d, ch, facts, event_id, base_url);
	if (ch->kind == AC_WEBHOOK)
		rc = at_build_webhook(ch, facts, event_id, &d, now_ms, m, err);
	else if (ch->kind == AC_EMAIL)
		rc = at_build_email(ch, &d, event_id, now_ms, m, err);
	else
		rc = at_build_robot(ch, &d, now_ms, m, err);
	if (rc == 0)
		m->title = zq_strdup(d.title);
	doc_free(&d);
	if (rc < 0)
		alert_msg_free(m);
	return rc < 0 ? ZQ_EINVAL : 0;
}

void alert_msg_free(alert_msg *m)
{
	if (!m)
		return;
	free(m->url);
	free(m->body);
	for (int i = 0; i < m->nheaders; i++)
		free(m->headers[i]);
	free(m->mail_from);
	for (int i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->title);
	memset(m, 0, sizeof(*m));
}

/* The first bytes of a reply, printable, for a reason. */
static void head(const char *body, size_t len, char *out, size_t outsz)
{
	size_t n = zq_utf8_cut(body ? body : "", body ? len : 0, outsz - 1), i;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char)body[i] < 0x20 ? ' ' : body[i];
	out[i] = '\0';
}

static int judge_json(alert_chan_kind k, const char *body, size_t len, zq_err *err)
{
	cJSON *j = body ? cJSON_ParseWithLength(body, len) : NULL;
	const char *ck = k == AC_FEISHU ? "code" : "errcode";
	const cJSON *c = j ? jin_get(j, ck) : NULL;
	char h[128];
	int rc;

	if (k == AC_FEISHU && !cJSON_IsNumber(c))
		c = j ? jin_get(j, "StatusCode") : NULL;
	if (cJSON_IsNumber(c) && c->valuedouble == 0) {
		cJSON_Delete(j);
		return 0;
	}
	if (cJSON_IsNumber(c)) {
		const char *msg = at_str(j, k == AC_FEISHU ? "msg" : "errmsg");
		if (!msg)
			msg = at_str(j, "StatusMessage");
		head(msg ? msg : "", msg ? strlen(msg) : 0, h, sizeof(h));
		rc = zq_errf(err, ZQ_EIO, "%s %.0f: %s", ck, c->valuedouble, h);
	} else {
		head(body, len, h, sizeof(h));
		rc = zq_errf(err, ZQ_EIO, "no %s in the reply: %s", ck, h);
	}
	cJSON_Delete(j);
	return rc;
}

int alert_msg_judge(alert_chan_kind k, long code, const char *body, size_t len, zq_err *err)
{
	char h[128];

	if (code < 200 || code > 299) {
		head(body, len, h, sizeof(h));
		zq_errf(err, ZQ_EIO, "%s %ld%s%s", k == AC_EMAIL ? "SMTP" : "HTTP", code,
			h[0] ? ": " : "", h);
		return -1;
	}
	if (k == AC_DINGTALK || k == AC_WECOM || k == AC_FEISHU)
		return judge_json(k, body, len, err) < 0 ? -1 : 0;
	if (k == AC_SLACK) {
		head(body, len, h, sizeof(h));
		if (strcmp(zq_trim(h), "ok") != 0) {
			zq_errf(err, ZQ_EIO, "slack replied: %s", h);
			return -1;
		}
	}
	return 0;
}
