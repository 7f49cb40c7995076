/* lm_sock: unix socket paths and deadlines shared by the tools and the hook. */
#ifndef LM_SOCK_H
#define LM_SOCK_H
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "lm_buf.h"

#define LM_SOCKET_DEFAULT "/metrics/live_metrics.sock"
#define LM_QUERY_SUFFIX ".query"   /* query socket = data socket path + this */

/* The data socket path: arg if non-NULL, else $LM_SOCKET if set and
 * non-empty, else LM_SOCKET_DEFAULT. */
const char *lm_socket_path(const char *arg);

/* Fill a sockaddr_un; -1 with errno ENAMETOOLONG if path does not fit
 * sun_path (never truncated). *len gets the address length. */
int lm_sockaddr(struct sockaddr_un *sa, socklen_t *len, const char *path);
/* Same for path + LM_QUERY_SUFFIX. */
int lm_sockaddr_query(struct sockaddr_un *sa, socklen_t *len, const char *path);

/* The app identity into dst (LM_TAGVAL_MAX + 1 bytes): given if non-empty,
 * else $LM_APP, else the hostname inside a container (/.dockerenv or
 * /run/.containerenv), else /proc/PID/comm (pid 0: this process). Bytes
 * a tag value cannot hold become '_'. */
void lm_app_name(char *dst, const char *given, long pid);

/* Monotonic and wall clocks, seconds. */
double lm_mono(void);
double lm_wall(void);
/* Wait for ev (POLLIN, POLLOUT) on fd until the monotonic time end
 * (EINTR retried): 0 ready, -1 with errno set (ETIMEDOUT past end). */
int lm_wait_fd(int fd, short ev, double end);

/* Query the daemon: connect to the query socket of data socket path,
 * send req (e.g. "dump\n"), read the whole answer into out (capped by
 * out->max) before deadline seconds pass. 0 ok; -1 with errno set
 * (ETIMEDOUT past the deadline, EMSGSIZE over the cap). */
int lm_query(const char *path, const char *req, struct lm_buf *out, double deadline);
/* The same in parts, for answers relayed as they come: connect and send
 * req before the monotonic time end, then the fd (-1 with errno set);
 * read at most n bytes of the answer before end: the count, 0 at its end,
 * -1 with errno set (ETIMEDOUT). */
int lm_query_open(const char *path, const char *req, double end);
ssize_t lm_query_read(int fd, void *buf, size_t n, double end);
/* The head of a sized answer (expo, json): p[0..n) starts with
 * "ok LENGTH\n", LENGTH at most max: 0, *at the bytes of the head, *len
 * LENGTH; -1 (EPROTO) when it does not (an "error WHY" line, or junk). */
int lm_query_ok(const char *p, size_t n, size_t max, size_t *at, size_t *len);
#endif
