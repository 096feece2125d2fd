/* netaddr.h - which addresses an alert delivery may connect to (SSRF guard).
 *
 * With alerts.deny_private, an address is refused when it is in one of
 * these ranges and not in the alerts.allow list:
 *   IPv4  0.0.0.0/8 10/8 100.64/10 127/8 169.254/16 172.16/12 192.0.0.0/24
 *         192.168/16 198.18/15 224/4 240/4 (255.255.255.255 included)
 *   IPv6  :: ::1 fc00::/7 fe80::/10 ff00::/8, and the IPv4-mapped
 *         (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms of the
 *         IPv4 ranges, judged as the IPv4 address they carry.
 * An allow entry matches an IPv4 address also in its mapped/compatible
 * IPv6 form. Pure; a list is read-only after parsing (share it freely). */
#ifndef ZQ_NETADDR_H
#define ZQ_NETADDR_H

#include <sys/socket.h>

#include "err.h"

typedef struct netaddr_list netaddr_list;

/* "127.0.0.1/32, ::1, 10.0.0.0/8" (comma and/or white space separated);
 * "" or NULL -> an empty list. NULL + ZQ_EINVAL err
 * "alerts.allow: 'x' is not an IP or CIDR" on a bad entry or prefix. */
netaddr_list *netaddr_list_parse(const char *spec, zq_err *err);
void netaddr_list_free(netaddr_list *l);
/* 1 when sa (AF_INET / AF_INET6) is in the list; NULL list = empty. */
int netaddr_list_contains(const netaddr_list *l, const struct sockaddr *sa);
/* NULL when public, else "a loopback address" / "a private address" /
 * "a link-local address" / "a multicast address" / ... */
const char *netaddr_private_reason(const struct sockaddr *sa);
/* The verdict on one resolved address: NULL = may connect, else the reason
 * to refuse. An address family other than v4/v6 is refused. */
const char *netaddr_refuse(const struct sockaddr *sa, const netaddr_list *allow, int deny_private);
/* For API-time checks of a URL host that is a literal IP (v4, or v6 in
 * brackets "[::1]"): the reason or NULL (NULL for names). */
const char *netaddr_literal_refuse(const char *host, const netaddr_list *allow, int deny_private);

#endif
