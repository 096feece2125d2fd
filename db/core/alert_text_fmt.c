/* alert_text_fmt.c - a document as plain text and as each vendor's
 * markdown, and the HTTP requests: the webhook payload v1 and the DingTalk,
 * WeCom, Feishu and Slack robot messages (alert_text_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_sign.h"
#include "alert_text_int.h"
#include "jsonin.h"
#include "mem.h"
#include "utf8.h"

#define WECOM_MAX 4000          /* WeCom: content at most 4096 bytes */
#define SLACK_HEADER_MAX 150    /* Slack: header text at most 150 characters */
#define SLACK_TEXT_MAX 3000     /* Slack: section text at most 3000 characters */

char *at_plain(const at_doc *d)
{
	zq_buf b = ZQ_BUF_INIT(AT_BODY_CAP);

	if (d->intro)
		zq_buf_printf(&b, "%s\n\n", d->intro);
	for (int i = 0; i < d->n; i++) {
		zq_buf_printf(&b, "%s%s", d->lines[i].label, d->zh ? "：" : ": ");
		for (const char *p = d->lines[i].value; *p; p++)
			if (*p == '\n')
				zq_buf_puts(&b, "\n  ");
			else if (*p != '\r')
				zq_buf_putc(&b, *p);
		zq_buf_putc(&b, '\n');
	}
	if (d->url)
		zq_buf_printf(&b, "\n%s%s%s\n", d->link_label, d->zh ? "：" : ": ", d->url);
	return zq_buf_detach(&b, NULL);
}

/* One character of a value in the flavour: what would start markup is
 * escaped (backslash for DingTalk / WeCom, an HTML entity for Feishu, the
 * three entities Slack asks for); a line break becomes " ↵ ". */
static void md_char(zq_buf *b, char c, at_md md)
{
	static const char *const feishu[][2] = {
		{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"*", "&#42;"}, {"_", "&#95;"},
		{"~", "&#126;"}, {"`", "&#96;"}, {"[", "&#91;"}, {"]", "&#93;"}, {"\\", "&#92;"},
	};

	if (c == '\n') {
		zq_buf_puts(b, " ↵ ");
		return;
	}
	if ((unsigned char)c < 0x20)
		c = ' ';
	if (md == AT_MD_SLACK) {
		zq_buf_puts(b, c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : "");
		if (c != '&' && c != '<' && c != '>')
			zq_buf_putc(b, c);
		return;
	}
	if (md == AT_MD_FEISHU) {
		for (size_t i = 0; i < sizeof(feishu) / sizeof(feishu[0]); i++)
			if (c == feishu[i][0][0]) {
				zq_buf_puts(b, feishu[i][1]);
				return;
			}
		zq_buf_putc(b, c);
		return;
	}
	if (strchr("\\`*_[]<>~", c))
		zq_buf_putc(b, '\\');
	zq_buf_putc(b, c);
}

static void md_text(zq_buf *b, const char *s, at_md md)
{
	for (; *s; s++)
		md_char(b, *s, md);
}

/* A link target safe inside (...) and <...|...>. */
static void md_url(zq_buf *b, const char *u)
{
	for (; *u; u++)
		if (strchr(" ()<>|[]\"`", *u) || (unsigned char)*u < 0x20)
			zq_buf_printf(b, "%%%02X", (unsigned char)*u);
		else
			zq_buf_putc(b, *u);
}

char *at_markdown(const at_doc *d, at_md md)
{
	zq_buf b = ZQ_BUF_INIT(AT_BODY_CAP);
	const char *nl = md == AT_MD_DINGTALK ? "\n\n" : "\n";
	const char *bold = md == AT_MD_SLACK ? "*" : "**";

	if (d->intro) {
		md_text(&b, d->intro, md);
		zq_buf_printf(&b, "%s%s", nl, md == AT_MD_DINGTALK ? "" : "\n");
	}
	for (int i = 0; i < d->n; i++) {
		zq_buf_printf(&b, "%s%s%s%s%s", bold, d->lines[i].label, d->zh ? "：" : ":", bold,
			      d->zh ? "" : " ");
		md_text(&b, d->lines[i].value, md);
		zq_buf_puts(&b, nl);
	}
	if (d->url) {
		zq_buf_puts(&b, md == AT_MD_SLACK ? "<" : "[");
		if (md == AT_MD_SLACK) {
			md_url(&b, d->url);
			zq_buf_printf(&b, "|%s>", d->link_label);
		} else {
			zq_buf_printf(&b, "%s](", d->link_label);
			md_url(&b, d->url);
			zq_buf_putc(&b, ')');
		}
		zq_buf_puts(&b, nl);
	}
	return zq_buf_detach(&b, NULL);
}

/* s cut to at most max characters (code points), "…" when cut. */
static char *cut_chars(const char *s, size_t max)
{
	size_t n = strlen(s), at = 0, chars = 0;

	while (at < n && chars < max - 1) {
		size_t l = zq_utf8_len((const unsigned char *)s + at, n - at);
		if (l == 0)
			break;
		at += l;
		chars++;
	}
	if (at >= n)
		return zq_strdup(s);
	char *r = zq_malloc(at + 4);
	memcpy(r, s, at);
	memcpy(r + at, "…", 4);
	return r;
}

static void body_from(alert_msg *m, cJSON *j)
{
	m->body = cJSON_PrintUnformatted(j);
	if (!m->body)
		m->body = zq_strdup("{}");
	m->body_len = strlen(m->body);
	cJSON_Delete(j);
}

static void set_member(cJSON *o, const char *name, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddItemToObject(o, name, v);
}

/* The channel's own headers, checked again: a stored name or value that
 * could split the request is left out. */
static void custom_headers(alert_msg *m, const cJSON *h)
{
	for (const cJSON *a = cJSON_IsObject(h) ? h->child : NULL; a; a = a->next) {
		int ok = a->string && a->string[0] && cJSON_IsString(a);
		for (const char *p = ok ? a->string : ""; *p; p++)
			ok &= (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && *p != ':';
		for (const char *p = ok ? a->valuestring : ""; *p; p++)
			ok &= (unsigned char)*p >= 0x20 && *p != 0x7f;
		if (ok)
			at_header(m, a->string, a->valuestring);
	}
}

int at_build_webhook(const alert_chan_view *ch, const cJSON *facts, long long event_id,
		     const at_doc *d, long long now_ms, alert_msg *m, zq_err *err)
{
	const char *url = at_str(ch->pub, "url"), *secret = at_str(ch->secrets, "secret");
	cJSON *p = cJSON_Duplicate(facts, 1), *c = cJSON_CreateObject();
	char buf[32];

	if (!url)
		return zq_errf(err, ZQ_EINVAL, "channel: no url");
	set_member(p, "version", cJSON_CreateNumber(1));
	set_member(p, "event_id", cJSON_CreateNumber((double)event_id));
	cJSON_AddNumberToObject(c, "id", (double)ch->id);
	cJSON_AddStringToObject(c, "name", ch->name ? ch->name : "");
	set_member(p, "channel", c);
	set_member(p, "title", cJSON_CreateString(d->title));
	char *text = at_plain(d);
	set_member(p, "text", cJSON_CreateString(text));
	free(text);
	cJSON_DeleteItemFromObjectCaseSensitive(p, "url");
	if (d->url)
		cJSON_AddStringToObject(p, "url", d->url);
	body_from(m, p);
	m->url = zq_strdup(url);
	at_header(m, "Content-Type", "application/json");
	snprintf(buf, sizeof(buf), "%lld", event_id);
	at_header(m, "X-Zq-Event-Id", buf);
	snprintf(buf, sizeof(buf), "%lld", now_ms / 1000);
	at_header(m, "X-Zq-Timestamp", buf);
	if (secret && *secret) {
		char *sig = alert_sign_webhook(secret, now_ms / 1000, m->body, m->body_len);
		at_header(m, "X-Zq-Signature", sig);
		free(sig);
	}
	custom_headers(m, ch->secrets ? jin_get(ch->secrets, "headers") : NULL);
	return 0;
}

static cJSON *markdown_msg(const char *key, const char *title, const char *text)
{
	cJSON *j = cJSON_CreateObject(), *md;

	cJSON_AddStringToObject(j, "msgtype", "markdown");
	md = cJSON_AddObjectToObject(j, "markdown");
	if (title)
		cJSON_AddStringToObject(md, "title", title);
	cJSON_AddStringToObject(md, key, text);
	return j;
}

static cJSON *dingtalk(const at_doc *d, const char *md)
{
	zq_buf b = ZQ_BUF_INIT(AT_BODY_CAP);

	zq_buf_puts(&b, "#### ");
	md_text(&b, d->title, AT_MD_DINGTALK);
	zq_buf_printf(&b, "\n\n%s", md);
	char *text = zq_buf_detach(&b, NULL);
	cJSON *j = markdown_msg("text", d->title, text);
	free(text);
	return j;
}

static cJSON *wecom(const at_doc *d, const char *md)
{
	static const char *const color[] = {"info", "warning", "comment"};
	zq_buf b = ZQ_BUF_INIT(AT_BODY_CAP);

	zq_buf_printf(&b, "<font color=\"%s\">**", color[d->bad]);
	md_text(&b, d->title, AT_MD_WECOM);
	zq_buf_printf(&b, "**</font>\n%s", md);
	zq_buf_truncate(&b, zq_utf8_cut(b.data, b.len, WECOM_MAX));
	char *text = zq_buf_detach(&b, NULL);
	cJSON *j = markdown_msg("content", NULL, text);
	free(text);
	return j;
}

static cJSON *feishu(const at_doc *d, const char *md, const char *secret, long long now_ms)
{
	static const char *const color[] = {"green", "red", "blue"};
	cJSON *j = cJSON_CreateObject(), *card, *hd, *el, *e;
	char ts[32];

	if (secret && *secret) {
		snprintf(ts, sizeof(ts), "%lld", now_ms / 1000);
		char *sign = alert_sign_feishu(secret, now_ms / 1000);
		cJSON_AddStringToObject(j, "timestamp", ts);
		cJSON_AddStringToObject(j, "sign", sign);
		free(sign);
	}
	cJSON_AddStringToObject(j, "msg_type", "interactive");
	card = cJSON_AddObjectToObject(j, "card");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(card, "config"), "wide_screen_mode", 1);
	hd = cJSON_AddObjectToObject(card, "header");
	cJSON_AddStringToObject(hd, "template", color[d->bad]);
	e = cJSON_AddObjectToObject(hd, "title");
	cJSON_AddStringToObject(e, "tag", "plain_text");
	cJSON_AddStringToObject(e, "content", d->title);
	el = cJSON_AddArrayToObject(card, "elements");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "tag", "markdown");
	cJSON_AddStringToObject(e, "content", md);
	cJSON_AddItemToArray(el, e);
	return j;
}

static cJSON *slack(const at_doc *d, const char *md)
{
	cJSON *j = cJSON_CreateObject(), *blocks, *b, *t;
	char *head = cut_chars(d->title, SLACK_HEADER_MAX), *text = cut_chars(md, SLACK_TEXT_MAX);

	cJSON_AddStringToObject(j, "text", d->title);
	blocks = cJSON_AddArrayToObject(j, "blocks");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "header");
	t = cJSON_AddObjectToObject(b, "text");
	cJSON_AddStringToObject(t, "type", "plain_text");
	cJSON_AddStringToObject(t, "text", head);
	cJSON_AddItemToArray(blocks, b);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "section");
	t = cJSON_AddObjectToObject(b, "text");
	cJSON_AddStringToObject(t, "type", "mrkdwn");
	cJSON_AddStringToObject(t, "text", text);
	cJSON_AddItemToArray(blocks, b);
	free(head);
	free(text);
	return j;
}

static char *dingtalk_url(const char *url, const char *secret, long long now_ms)
{
	if (!secret || !*secret)
		return zq_strdup(url);
	char *sign = alert_sign_dingtalk(secret, now_ms), *enc = alert_urlencode(sign);
	size_t n = strlen(url) + strlen(enc) + 64;
	char *r = zq_malloc(n);
	snprintf(r, n, "%s%ctimestamp=%lld&sign=%s", url, strchr(url, '?') ? '&' : '?', now_ms,
		 enc);
	free(sign);
	free(enc);
	return r;
}

int at_build_robot(const alert_chan_view *ch, const at_doc *d, long long now_ms, alert_msg *m,
		   zq_err *err)
{
	static const at_md flavour[AC_KIND_COUNT] = {
		[AC_DINGTALK] = AT_MD_DINGTALK, [AC_WECOM] = AT_MD_WECOM,
		[AC_FEISHU] = AT_MD_FEISHU, [AC_SLACK] = AT_MD_SLACK,
	};
	const char *url = at_str(ch->secrets, "url"), *secret = at_str(ch->secrets, "secret");
	cJSON *j;

	if (!url)
		return zq_errf(err, ZQ_EINVAL, "channel: no url stored");
	char *md = at_markdown(d, flavour[ch->kind]);
	if (ch->kind == AC_DINGTALK)
		j = dingtalk(d, md);
	else if (ch->kind == AC_WECOM)
		j = wecom(d, md);
	else if (ch->kind == AC_FEISHU)
		j = feishu(d, md, secret, now_ms);
	else
		j = slack(d, md);
	free(md);
	body_from(m, j);
	m->url = ch->kind == AC_DINGTALK ? dingtalk_url(url, secret, now_ms) : zq_strdup(url);
	at_header(m, "Content-Type", "application/json");
	return 0;
}
