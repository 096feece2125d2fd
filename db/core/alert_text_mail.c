/* alert_text_mail.c - the email of an event: a whole RFC 5322 message
 * (Date, From, To, Subject in RFC 2047 words when not plain ASCII,
 * Message-ID), MIME multipart/alternative with a text/plain and a text/html
 * part, both UTF-8 in base64 (alert_text_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_sign.h"
#include "alert_text_int.h"
#include "jsonin.h"
#include "mem.h"
#include "timeutil.h"
#include "utf8.h"

#define WORD_BYTES 45   /* 45 bytes -> 60 base64 characters: an encoded word of 72 */

static void html_text(zq_buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': zq_buf_puts(b, "&amp;"); break;
		case '<': zq_buf_puts(b, "&lt;"); break;
		case '>': zq_buf_puts(b, "&gt;"); break;
		case '"': zq_buf_puts(b, "&quot;"); break;
		case '\'': zq_buf_puts(b, "&#39;"); break;
		case '\r': break;
		default: zq_buf_putc(b, *s);
		}
}

char *at_html(const at_doc *d)
{
	static const char *const color[] = {"#15803d", "#b91c1c", "#1d4ed8"};
	zq_buf b = ZQ_BUF_INIT(AT_BODY_CAP);

	zq_buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
		      d->zh ? "zh" : "en");
	html_text(&b, d->title);
	zq_buf_printf(&b, "</title></head>\n<body style=\"font-family:sans-serif\">\n"
			  "<h2 style=\"color:%s\">", color[d->bad]);
	html_text(&b, d->title);
	zq_buf_puts(&b, "</h2>\n");
	if (d->intro) {
		zq_buf_puts(&b, "<p>");
		html_text(&b, d->intro);
		zq_buf_puts(&b, "</p>\n");
	}
	zq_buf_puts(&b, "<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n");
	for (int i = 0; i < d->n; i++) {
		zq_buf_puts(&b, "<tr><th align=\"left\" valign=\"top\">");
		html_text(&b, d->lines[i].label);
		zq_buf_puts(&b, d->lines[i].multiline
				       ? "</th><td><pre style=\"white-space:pre-wrap;margin:0\">"
				       : "</th><td>");
		html_text(&b, d->lines[i].value);
		zq_buf_puts(&b, d->lines[i].multiline ? "</pre></td></tr>\n" : "</td></tr>\n");
	}
	zq_buf_puts(&b, "</table>\n");
	if (d->url) {
		zq_buf_puts(&b, "<p><a href=\"");
		html_text(&b, d->url);
		zq_buf_puts(&b, "\">");
		html_text(&b, d->link_label);
		zq_buf_puts(&b, "</a></p>\n");
	}
	zq_buf_puts(&b, "</body></html>\n");
	return zq_buf_detach(&b, NULL);
}

/* "Subject: ..." as plain ASCII, or as RFC 2047 B words of whole
 * characters, folded. */
static void subject(zq_buf *b, const char *s)
{
	size_t n = strlen(s), at = 0;
	int ascii = n < 900;

	for (size_t i = 0; i < n && ascii; i++)
		ascii = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f;
	if (ascii && !strstr(s, "=?")) {
		zq_buf_printf(b, "Subject: %s\r\n", s);
		return;
	}
	zq_buf_puts(b, "Subject:");
	while (at < n) {
		size_t l = zq_utf8_cut(s + at, n - at, WORD_BYTES);
		if (l == 0)
			l = n - at < WORD_BYTES ? n - at : WORD_BYTES;
		char *w = alert_base64((const unsigned char *)s + at, l);
		zq_buf_printf(b, "%s=?UTF-8?B?%s?=", at ? "\r\n " : " ", w);
		free(w);
		at += l;
	}
	zq_buf_puts(b, "\r\n");
}

static void date(zq_buf *b, long long now_ms)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	zq_civil c;

	zq_ms_to_civil(now_ms, &c);
	int64_t days = zq_days_from_civil(c.year, c.month, c.mday);
	zq_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		      wd[zq_weekday_from_days(days)], c.mday, mon[c.month - 1], c.year, c.hour,
		      c.min, c.sec);
}

/* A MIME part: its headers and text in base64, 76 characters a line. */
static void part(zq_buf *b, const char *boundary, const char *type, const char *text)
{
	zq_buf crlf = ZQ_BUF_INIT(AT_BODY_CAP * 2);
	for (const char *p = text; *p; p++)
		if (*p == '\n')
			zq_buf_puts(&crlf, "\r\n");
		else if (*p != '\r')
			zq_buf_putc(&crlf, *p);
	char *e = alert_base64((const unsigned char *)crlf.data, crlf.len);
	size_t n = strlen(e);

	zq_buf_release(&crlf);

	zq_buf_printf(b, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: base64\r\n\r\n", boundary, type);
	for (size_t at = 0; at < n; at += 76) {
		zq_buf_add(b, e + at, n - at < 76 ? n - at : 76);
		zq_buf_puts(b, "\r\n");
	}
	free(e);
}

static char *bracketed(const char *a)
{
	size_t n = strlen(a) + 3;
	char *r = zq_malloc(n);
	snprintf(r, n, "<%s>", a);
	return r;
}

/* Envelope and To: from the stored config, each address checked again. */
static int envelope(const alert_chan_view *ch, alert_msg *m, zq_buf *to, zq_err *err)
{
	const char *from = at_str(ch->pub, "from");
	const cJSON *rc = cJSON_IsObject(ch->pub) ? jin_get(ch->pub, "to") : NULL;
	int cap = (int)(sizeof(m->rcpt) / sizeof(m->rcpt[0]));

	if (!from || strpbrk(from, "\r\n<>,") || !strchr(from, '@'))
		return zq_errf(err, ZQ_EINVAL, "channel: no valid from address");
	m->mail_from = bracketed(from);
	for (const cJSON *a = cJSON_IsArray(rc) ? rc->child : NULL; a; a = a->next) {
		if (!cJSON_IsString(a) || strpbrk(a->valuestring, "\r\n<>,") ||
		    !strchr(a->valuestring, '@') || m->nrcpt >= cap)
			continue;
		zq_buf_printf(to, "%s%s", m->nrcpt ? ", " : "", a->valuestring);
		m->rcpt[m->nrcpt++] = bracketed(a->valuestring);
	}
	if (m->nrcpt == 0)
		return zq_errf(err, ZQ_EINVAL, "channel: no valid to address");
	return 0;
}

int at_build_email(const alert_chan_view *ch, const at_doc *d, long long event_id,
		   long long now_ms, alert_msg *m, zq_err *err)
{
	const char *url = at_str(ch->pub, "smtp_url"), *from = at_str(ch->pub, "from");
	zq_buf b = ZQ_BUF_INIT(AT_BODY_CAP * 2), to = ZQ_BUF_INIT(64 * 1024);
	char boundary[80];

	if (!url)
		return zq_errf(err, ZQ_EINVAL, "channel: no smtp_url");
	if (envelope(ch, m, &to, err) < 0) {
		zq_buf_release(&to);
		return ZQ_EINVAL;
	}
	m->url = zq_strdup(url);
	snprintf(boundary, sizeof(boundary), "=_zq_%lld_%lld", event_id, now_ms);
	date(&b, now_ms);
	zq_buf_printf(&b, "From: %s\r\nTo: %s\r\n", from, to.data);
	subject(&b, d->title);
	zq_buf_printf(&b, "Message-ID: <zq.event.%lld.%lld@%s>\r\n", event_id, now_ms,
		      strchr(from, '@') + 1);
	zq_buf_printf(&b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
			  "X-Zq-Event-Id: %lld\r\n"
			  "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
			  "This is a multi-part message in MIME format.\r\n",
		      event_id, boundary);
	char *plain = at_plain(d), *html = at_html(d);
	size_t tn = strlen(d->title) + strlen(plain) + 3;
	char *text = zq_malloc(tn);
	snprintf(text, tn, "%s\n\n%s", d->title, plain);
	free(plain);
	part(&b, boundary, "text/plain", text);
	part(&b, boundary, "text/html", html);
	zq_buf_printf(&b, "--%s--\r\n", boundary);
	free(text);
	free(html);
	zq_buf_release(&to);
	m->body = zq_buf_detach(&b, &m->body_len);
	return 0;
}
