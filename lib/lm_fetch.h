/* lm_fetch: datasets by URL (lmsession -D URL). A URL (http or https,
 * with an optional #sha256=HEX fragment) is fetched with curl or wget,
 * whichever is first found on PATH (we carry no TLS ourselves), into a
 * cache folder: one entry a URL, named by the SHA-256 of the URL (without
 * the fragment), or with a checksum one entry an object, named
 * sha256-CHECKSUM (so that an object found under another URL, e.g. a
 * presigned one that changes every time, is not fetched again):
 *	CACHE/KEY/NAME      the download (NAME: the URL's last path segment,
 *	                    only [A-Za-z0-9._-] kept, others '_')
 *	CACHE/KEY/dataset/  a .tar, .tar.gz, .tgz or .zip unpacked (tar or
 *	                    unzip found on PATH)
 *	CACHE/KEY/.url, .sha256   the URL and the download's checksum
 * The dataset is NAME, or dataset/ for an archive. An entry is built in a
 * temp folder CACHE/.KEY.XXXXXX and renamed into place whole: a concurrent
 * session never sees half an entry, a failed fetch leaves nothing. An
 * archive's members are listed first, and one that would land outside the
 * folder (an absolute name, a .. component) refuses the whole archive; so
 * does a symbolic link it unpacks that points outside.
 * Reuse: an entry is used again without a request; with a checksum only
 * when the download there still hashes to it (looked for under
 * sha256-CHECKSUM, then under the URL's key; else it is fetched again and
 * replaces the entry). Never prints; runs the fetcher and the unpacker as
 * children (stdin /dev/null, their output kept for the error message). */
#ifndef LM_FETCH_H
#define LM_FETCH_H
#include <limits.h>
#include <stddef.h>
#include "lm_sha256.h"

#define LM_FETCH_URL_MAX 2048          /* bytes of a URL, fragment included */
#define LM_FETCH_NAME_MAX 128          /* bytes of NAME */
#define LM_FETCH_LIST_MAX (16u << 20)  /* bytes of an archive's listing */

enum lm_fetch_kind { LM_FETCH_FILE, LM_FETCH_TAR, LM_FETCH_TGZ, LM_FETCH_ZIP };

struct lm_fetch {
	/* set by lm_fetch_parse */
	char url[LM_FETCH_URL_MAX + 1];   /* the URL, without the fragment */
	char want[LM_SHA256_HEX + 1];     /* the checksum asked for, lowercase; "" none */
	int kind;                         /* enum lm_fetch_kind, from the URL's path */
	char name[LM_FETCH_NAME_MAX + 1]; /* NAME */
	/* set by lm_fetch_get */
	char path[PATH_MAX];              /* the dataset: the file, or the unpacked folder */
	char sha256[LM_SHA256_HEX + 1];   /* the download's checksum */
	double bytes;                     /* the download's size */
	double seconds;                   /* wall time to have it ready (fetch, check,
	                                   * unpack; for a cached entry its check) */
	int cached;                       /* 1: found in the cache, nothing fetched */
	const char *tool;                 /* "curl" or "wget"; NULL when cached */
};

/* One line for people (summary.txt, report.html): "URL: N bytes,
 * fetched by curl in S s, sha256 checked" (or "from the cache"). */
void lm_fetch_line(const struct lm_fetch *f, char *buf, size_t cap);
/* 1 when s starts with http:// or https:// (any case): a URL for -D */
int lm_fetch_is_url(const char *s);
/* Parse URL[#sha256=HEX] into f (f zeroed first). 0 ok; -1 with err set
 * (a usage error: not http(s), no host, a space or control byte, too long,
 * a fragment other than sha256=, HEX not 64 hex digits). */
int lm_fetch_parse(struct lm_fetch *f, const char *spec, char *err, size_t errcap);
/* The cache folder into out: dir when not NULL, else $LM_CACHE, else
 * $XDG_CACHE_HOME/livemetrics (an absolute XDG_CACHE_HOME), else
 * $HOME/.cache/livemetrics, else /tmp/livemetrics-cache-UID. 0 ok; -1 when
 * it does not fit (err set). */
int lm_fetch_cache_dir(const char *dir, char *out, size_t cap, char *err, size_t errcap);
/* Have f's dataset in cache (made when missing, mode 0700 for the last
 * part): reuse the entry or fetch it. 0 ok (path, sha256, bytes, seconds,
 * cached, tool set); -1 with err set: no curl or wget (or tar, unzip) on
 * PATH, the fetcher failed (its exit status and last line of output), a
 * checksum mismatch, an archive refused or not unpacked, a system call
 * failed. */
int lm_fetch_get(struct lm_fetch *f, const char *cache, char *err, size_t errcap);
/* Check an archive's listing (n bytes; tar -t: a name a line; zip:
 * unzip -l's table, names after the first dashed line up to the next):
 * 0 every name stays inside the folder; -1 a name does not (it is copied,
 * cut to cap, control bytes as '?', into bad). */
int lm_fetch_list_ok(const char *list, size_t n, int zip, char *bad, size_t cap);
/* 1 when a member name (or a link's target) stays inside the folder: not
 * absolute, no .. component ('/' and '\\' both separate) */
int lm_fetch_name_ok(const char *s, size_t n);
/* The first executable prog in $PATH (default /usr/local/bin:/bin:/usr/bin)
 * into out; 0 found, -1 not. */
int lm_which(const char *prog, char *out, size_t cap);
#endif
