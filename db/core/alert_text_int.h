/* alert_text_int.h - what alert_text.c (facts -> a document) shares with
 * alert_text_fmt.c (the vendors' bodies) and alert_text_mail.c (the email). */
#ifndef ZQ_ALERT_TEXT_INT_H
#define ZQ_ALERT_TEXT_INT_H

#include "alert_text.h"
#include "buf.h"

#define AT_LINES_MAX 16
#define AT_BODY_CAP (256 * 1024)

/* One "Label: value" line of a message, value in plain UTF-8. */
typedef struct {
	const char *label;    /* in the channel's language */
	char *value;          /* malloc'd */
	int multiline;        /* may hold newlines (the error summary) */
} at_line;

/* An event rendered in the channel's language, before any format. */
typedef struct {
	int zh;
	const char *event;    /* "failure", ... */
	int bad;              /* 1 failure-like, 0 good news (recovery, up), 2 neutral (test) */
	char *title;          /* one line, no control characters */
	char *intro;          /* one sentence (may be NULL) */
	at_line lines[AT_LINES_MAX];
	int n;
	char *url;            /* the run's page, or NULL */
	const char *link_label;
} at_doc;

/* Markdown flavours: what each vendor's renderer needs escaped. */
typedef enum { AT_MD_DINGTALK, AT_MD_WECOM, AT_MD_FEISHU, AT_MD_SLACK } at_md;

/* The plain text of the document (title not included): "Label: value" lines. */
char *at_plain(const at_doc *d);
/* The document as the flavour's markdown (title not included). */
char *at_markdown(const at_doc *d, at_md md);
/* The body of an HTML page of the document, values escaped. */
char *at_html(const at_doc *d);

/* The kinds' requests (alert_text_fmt.c / alert_text_mail.c); m is empty on entry. */
int at_build_webhook(const alert_chan_view *ch, const cJSON *facts, long long event_id,
		     const at_doc *d, long long now_ms, alert_msg *m, zq_err *err);
int at_build_robot(const alert_chan_view *ch, const at_doc *d, long long now_ms, alert_msg *m,
		   zq_err *err);
int at_build_email(const alert_chan_view *ch, const at_doc *d, long long event_id,
		   long long now_ms, alert_msg *m, zq_err *err);

/* A string member of obj, or NULL. */
const char *at_str(const cJSON *obj, const char *name);
/* "Name: value" into the next header slot. */
void at_header(alert_msg *m, const char *name, const char *value);

#endif
