/* netaddr.c - address lists (alerts.allow) and the private ranges an alert
 * delivery refuses. Every address is judged as 16 bytes: IPv4 as its
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d,
 * other than :: and ::1) folded to the same, so one table and one list
 * match serve both families. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define ENTRY_MAX 64 /* longest list entry, bytes */

typedef struct {
	unsigned char a[16];
	int bits;          /* prefix length over the 16 bytes */
} cidr;

struct netaddr_list {
	cidr *v;
	size_t n, cap;
};

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* a.b.c.d into its mapped form */
static void from_v4(unsigned char out[16], const void *v4)
{
	memcpy(out, v4mapped, 12);
	memcpy(out + 12, v4, 4);
}

/* an IPv6 address, with IPv4-compatible ::a.b.c.d (all but :: and ::1)
 * folded to mapped */
static void from_v6(unsigned char out[16], const unsigned char in[16])
{
	static const unsigned char zero[12];

	memcpy(out, in, 16);
	if (memcmp(in, zero, 12) == 0 && (in[12] | in[13] | in[14] | (in[15] & 0xfe)) != 0)
		memcpy(out, v4mapped, 12);
}

static int is_v4(const unsigned char a[16])
{
	return memcmp(a, v4mapped, 12) == 0;
}

/* 0 when sa is not AF_INET / AF_INET6 */
static int sa_bytes(const struct sockaddr *sa, unsigned char out[16])
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		from_v4(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
		return 1;
	}
	if (sa->sa_family == AF_INET6) {
		from_v6(out, ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
		return 1;
	}
	return 0;
}

static int prefix_match(const unsigned char *a, const unsigned char *net, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

/* "a.b.c.d", "a.b.c.d/N", "v6", "v6/N" -> c; 0 or -1 */
static int parse_entry(const char *s, cidr *c)
{
	char buf[ENTRY_MAX];
	unsigned char raw[16];
	int maxbits, v4;

	if (zq_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, raw) == 1) {
		from_v4(c->a, raw);
		v4 = 1, maxbits = 32;
	} else if (inet_pton(AF_INET6, buf, raw) == 1) {
		from_v6(c->a, raw);
		v4 = 0, maxbits = 128;
	} else {
		return -1;
	}
	int bits = maxbits;
	if (slash) {
		if (!*slash || strlen(slash) > 3)
			return -1;
		bits = 0;
		for (const char *p = slash; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			bits = bits * 10 + (*p - '0');
		}
		if (bits > maxbits)
			return -1;
	}
	/* an IPv6 prefix over a mapped address keeps its length; IPv4 counts from byte 12 */
	c->bits = v4 ? 96 + bits : bits;
	return 0;
}

netaddr_list *netaddr_list_parse(const char *spec, zq_err *err)
{
	netaddr_list *l = zq_calloc(1, sizeof(*l));
	const char *p = spec ? spec : "";

	while (*p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, ", \t\r\n");
		char *item = zq_strndup(p, n);
		cidr c;

		if (parse_entry(item, &c) != 0) {
			zq_errf(err, ZQ_EINVAL, "alerts.allow: '%.*s' is not an IP or CIDR",
				(int)(n > ENTRY_MAX ? ENTRY_MAX : n), item);
			free(item);
			netaddr_list_free(l);
			return NULL;
		}
		free(item);
		l->v = zq_grow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
		l->v[l->n++] = c;
		p += n;
	}
	return l;
}

void netaddr_list_free(netaddr_list *l)
{
	if (!l)
		return;
	free(l->v);
	free(l);
}

static int list_has(const netaddr_list *l, const unsigned char a[16])
{
	for (size_t i = 0; l && i < l->n; i++)
		if (prefix_match(a, l->v[i].a, l->v[i].bits))
			return 1;
	return 0;
}

int netaddr_list_contains(const netaddr_list *l, const struct sockaddr *sa)
{
	unsigned char a[16];

	return sa_bytes(sa, a) && list_has(l, a);
}

typedef struct {
	unsigned char net[4];
	int bits;
	const char *why;
} range4;

static const range4 ranges4[] = {
	{{0, 0, 0, 0}, 8, "an unspecified address"},
	{{10, 0, 0, 0}, 8, "a private address"},
	{{100, 64, 0, 0}, 10, "a shared (carrier-grade NAT) address"},
	{{127, 0, 0, 0}, 8, "a loopback address"},
	{{169, 254, 0, 0}, 16, "a link-local address"},
	{{172, 16, 0, 0}, 12, "a private address"},
	{{192, 0, 0, 0}, 24, "a reserved (IETF protocol) address"},
	{{192, 168, 0, 0}, 16, "a private address"},
	{{198, 18, 0, 0}, 15, "a reserved (benchmarking) address"},
	{{224, 0, 0, 0}, 4, "a multicast address"},
	{{255, 255, 255, 255}, 32, "a broadcast address"},
	{{240, 0, 0, 0}, 4, "a reserved address"},
};

typedef struct {
	unsigned char net[2];
	int bits;
	const char *why;
} range6;

static const range6 ranges6[] = {
	{{0xfc, 0x00}, 7, "a private (unique local) address"},
	{{0xfe, 0x80}, 10, "a link-local address"},
	{{0xff, 0x00}, 8, "a multicast address"},
};

static const char *reason_v6(const unsigned char a[16])
{
	static const unsigned char zero[16];

	if (memcmp(a, zero, 16) == 0)
		return "an unspecified address";
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return "a loopback address";
	for (size_t i = 0; i < sizeof(ranges6) / sizeof(ranges6[0]); i++)
		if (prefix_match(a, ranges6[i].net, ranges6[i].bits))
			return ranges6[i].why;
	return NULL;
}

static const char *reason_bytes(const unsigned char a[16])
{
	if (!is_v4(a))
		return reason_v6(a);
	for (size_t i = 0; i < sizeof(ranges4) / sizeof(ranges4[0]); i++)
		if (prefix_match(a + 12, ranges4[i].net, ranges4[i].bits))
			return ranges4[i].why;
	return NULL;
}

const char *netaddr_private_reason(const struct sockaddr *sa)
{
	unsigned char a[16];

	if (!sa_bytes(sa, a))
		return "not an IPv4 or IPv6 address";
	return reason_bytes(a);
}

static const char *refuse_bytes(const unsigned char a[16], const netaddr_list *allow,
				int deny_private)
{
	if (!deny_private || list_has(allow, a))
		return NULL;
	return reason_bytes(a);
}

const char *netaddr_refuse(const struct sockaddr *sa, const netaddr_list *allow, int deny_private)
{
	unsigned char a[16];

	if (!sa_bytes(sa, a))
		return "not an IPv4 or IPv6 address";
	return refuse_bytes(a, allow, deny_private);
}

/* The forms resolvers also take as IPv4 ("127.1", "0x7f000001",
 * "2130706433", "0177.0.0.1"): only digits, hex letters, x and dots. */
static int loose_v4(const char *host, unsigned char raw[4])
{
	struct in_addr in;

	if (!*host || host[strspn(host, "0123456789abcdefABCDEFxX.")] != '\0')
		return 0;
	if (inet_aton(host, &in) == 0)
		return 0;
	memcpy(raw, &in, 4);
	return 1;
}

const char *netaddr_literal_refuse(const char *host, const netaddr_list *allow, int deny_private)
{
	unsigned char raw[16], a[16];
	char buf[ENTRY_MAX];
	size_t n;

	if (!host)
		return NULL;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return NULL;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		/* a zone id ("fe80::1%25eth0") makes it link-local anyway */
		char *pct = strchr(buf, '%');
		if (pct)
			*pct = '\0';
		if (inet_pton(AF_INET6, buf, raw) != 1)
			return NULL;
		from_v6(a, raw);
	} else if (inet_pton(AF_INET, host, raw) == 1 || loose_v4(host, raw)) {
		from_v4(a, raw);
	} else {
		return NULL;
	}
	return refuse_bytes(a, allow, deny_private);
}
