/* test_fetch: SHA-256 against the FIPS 180-4 example vectors (and the
 * padding's edge lengths, in one piece and streamed in odd pieces); the
 * -D URL parser; the archive listing check. The fetch itself (curl, wget,
 * tar, unzip, the cache) is tested end to end in test/it/session_fetch.sh. */
#include <stdlib.h>
#include "lm_fetch.h"
#include "lm_sha256.h"
#include "t.h"

static void t_sha256(void)
{
	static const struct { const char *in; size_t rep; const char *hex; } v[] = {
		/* FIPS 180-4 examples (SHA256.pdf, and the long message) */
		{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1,
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
		{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
		/* around the padding's block edges */
		{ "a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ "a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ "a", 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ "a", 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ "a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ "a", 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ "a", 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ "a", 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ "a", 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3" },
	};
	static const size_t pieces[] = { 1, 3, 7, 63, 64, 65, 1000 };
	size_t i, j, k, n, len;
	char *buf, hex[LM_SHA256_HEX + 1], name[80];
	unsigned char d[LM_SHA256_LEN];
	struct lm_sha256 c;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		len = strlen(v[i].in) * v[i].rep;
		buf = malloc(len + 1);
		if (!buf)
			abort();
		for (j = 0; j < v[i].rep; j++)
			memcpy(buf + j * strlen(v[i].in), v[i].in, strlen(v[i].in));
		lm_sha256_hex(buf, len, hex);
		snprintf(name, sizeof name, "sha256 vector %zu (%zu bytes)", i, len);
		T_STREQ(hex, v[i].hex, name);
		for (k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
			lm_sha256_init(&c);
			for (j = 0; j < len; j += n) {
				n = len - j < pieces[k] ? len - j : pieces[k];
				lm_sha256_update(&c, buf + j, n);
			}
			lm_sha256_final(&c, d);
			lm_sha256_tohex(d, hex);
			snprintf(name, sizeof name, "sha256 vector %zu in pieces of %zu", i, pieces[k]);
			T_STREQ(hex, v[i].hex, name);
		}
		free(buf);
	}
}

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void t_parse(void)
{
	static const struct { const char *spec; int rc; const char *url, *want, *name; int kind; } v[] = {
		{ "http://127.0.0.1:8080/d/data.csv", 0, "http://127.0.0.1:8080/d/data.csv", "", "data.csv", LM_FETCH_FILE },
		{ "https://s3.example.com/b/coco-val.tar.gz?X-Amz-Signature=ab", 0,
		  "https://s3.example.com/b/coco-val.tar.gz?X-Amz-Signature=ab", "", "coco-val.tar.gz", LM_FETCH_TGZ },
		{ "HTTPS://h/x.TGZ", 0, "HTTPS://h/x.TGZ", "", "x.TGZ", LM_FETCH_TGZ },
		{ "http://h/a.tar", 0, "http://h/a.tar", "", "a.tar", LM_FETCH_TAR },
		{ "http://h/a.zip#sha256=" H64, 0, "http://h/a.zip", H64, "a.zip", LM_FETCH_ZIP },
		{ "http://h/a.zip#sha256=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 0,
		  "http://h/a.zip", H64, "a.zip", LM_FETCH_ZIP },
		{ "http://h", 0, "http://h", "", "data", LM_FETCH_FILE },
		{ "http://h/", 0, "http://h/", "", "data", LM_FETCH_FILE },
		{ "http://h/dir/", 0, "http://h/dir/", "", "data", LM_FETCH_FILE },
		{ "http://h/?q=/x.zip", 0, "http://h/?q=/x.zip", "", "data", LM_FETCH_FILE },
		{ "http://h/.hidden", 0, "http://h/.hidden", "", "_hidden", LM_FETCH_FILE },
		{ "http://h/dataset", 0, "http://h/dataset", "", "data", LM_FETCH_FILE },
		{ "http://h/a%20b$c.csv", 0, "http://h/a%20b$c.csv", "", "a_20b_c.csv", LM_FETCH_FILE },
		{ "http://h/..", 0, "http://h/..", "", "_.", LM_FETCH_FILE },
		{ "http://user@h/f.zip", 0, "http://user@h/f.zip", "", "f.zip", LM_FETCH_ZIP },
		{ "http://h/.tar", 0, "http://h/.tar", "", "_tar", LM_FETCH_FILE },
		/* usage errors */
		{ "ftp://h/a", -1, NULL, NULL, NULL, 0 },
		{ "file:///etc/passwd", -1, NULL, NULL, NULL, 0 },
		{ "http://", -1, NULL, NULL, NULL, 0 },
		{ "http:///path", -1, NULL, NULL, NULL, 0 },
		{ "http://@h/x", -1, NULL, NULL, NULL, 0 },
		{ "http://:80/x", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a b", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a\nb", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a\tb", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a\177", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#frag", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#sha256=", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#sha256=abc", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#sha256=" H64 "0", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#sha256=g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#sha1=" H64, -1, NULL, NULL, NULL, 0 },
		{ "http://h/a#sha256=" H64 "#x", -1, NULL, NULL, NULL, 0 },
		{ "/data/set", -1, NULL, NULL, NULL, 0 },
		{ "", -1, NULL, NULL, NULL, 0 },
	};
	struct lm_fetch f;
	char err[200], name[120];
	size_t i;
	int rc;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		err[0] = 0;
		rc = lm_fetch_parse(&f, v[i].spec, err, sizeof err);
		snprintf(name, sizeof name, "parse %zu: %.60s", i, v[i].spec);
		for (char *q = name; *q; q++)
			if ((unsigned char)*q < ' ' || *q == 0x7f)
				*q = '?';
		T_OK(rc == v[i].rc, "%s: rc %d (%s)", name, rc, err);
		if (rc < 0 || v[i].rc < 0) {
			T_OK(rc == 0 || err[0], "%s: an error message", name);
			continue;
		}
		T_STREQ(f.url, v[i].url, name);
		T_STREQ(f.want, v[i].want, name);
		T_STREQ(f.name, v[i].name, name);
		T_OK(f.kind == v[i].kind, "%s: kind %d", name, f.kind);
	}
	/* too long */
	{
		char *s = malloc(LM_FETCH_URL_MAX + 2);
		if (!s)
			abort();
		memcpy(s, "http://h/", 9);
		memset(s + 9, 'x', LM_FETCH_URL_MAX + 1 - 9);
		s[LM_FETCH_URL_MAX + 1] = 0;
		T_OK(lm_fetch_parse(&f, s, err, sizeof err) < 0, "parse: a URL over %d bytes", LM_FETCH_URL_MAX);
		s[LM_FETCH_URL_MAX] = 0;
		T_OK(lm_fetch_parse(&f, s, err, sizeof err) == 0 && strlen(f.name) == LM_FETCH_NAME_MAX,
			"parse: a URL of %d bytes, its name cut to %d", LM_FETCH_URL_MAX, LM_FETCH_NAME_MAX);
		free(s);
	}
	T_OK(lm_fetch_is_url("http://x") && lm_fetch_is_url("HTTPS://x") && !lm_fetch_is_url("/http://x")
		&& !lm_fetch_is_url("httpx://") && !lm_fetch_is_url(""), "is_url");
}

static void t_list(void)
{
	static const struct { const char *list; int zip, rc; const char *bad; } v[] = {
		{ "", 0, 0, "" },
		{ "a.txt\nd/\nd/b.txt\n./c\n", 0, 0, "" },
		{ "a..b\n..a\n.../x\nx/..y\n", 0, 0, "" },
		{ "a.txt\n/etc/passwd\n", 0, -1, "/etc/passwd" },
		{ "../up\n", 0, -1, "../up" },
		{ "d/../../up\n", 0, -1, "d/../../up" },
		{ "d/..\n", 0, -1, "d/.." },
		{ "..\n", 0, -1, ".." },
		{ "a\\..\\b\n", 0, -1, "a\\..\\b" },
		{ "\\abs\n", 0, -1, "\\abs" },
		{ "ok\n../x\x01y", 0, -1, "../x?y" },
		/* unzip -l (Info-ZIP and busybox) */
		{ "Archive:  t.zip\n  Length      Date    Time    Name\n---------  ---------- -----   ----\n"
		  "        6  2026-12-02 17:50   a.txt\n        0  2026-12-02 17:50   d/\n"
		  "        3  12-02-2026 17:50   d/has space.txt\n"
		  "---------                     -------\n        9                     3 files\n", 1, 0, "" },
		{ "Archive:  ../t.zip\n  Length      Date    Time    Name\n---------  ---------- -----   ----\n"
		  "        6  2026-12-02 17:50   a.txt\n---------                     -------\n"
		  "        6                     /1 files\n", 1, 0, "" },
		{ "Archive:  t.zip\n---------  ---------- -----   ----\n"
		  "        6  2026-12-02 17:50   ../evil\n---------                     -------\n", 1, -1, "../evil" },
		{ "Archive:  t.zip\n---------  ---------- -----   ----\n"
		  "        6  2026-12-02 17:50   /etc/x\n---------\n", 1, -1, "/etc/x" },
		{ "Archive:  t.zip\n---------  ---------- -----   ----\n"
		  "        6  2026-12-02 17:50      ../spaced\n---------\n", 1, -1, "../spaced" },
		{ "Archive:  t.zip\n---------\n        6  2026-12-02\n        6\n\n---------\n", 1, 0, "" },
		/* busybox: the closing dashes indented, names after it not read */
		{ "Archive:  t.zip\n---------  ---------- -----   ----\n        3  12-02-2026 17:55   d/a.txt\n"
		  " --------                     -------\n        6                     ../2 files\n", 1, 0, "" },
	};
	char bad[64], name[80];
	size_t i;
	int rc;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		bad[0] = 0;
		rc = lm_fetch_list_ok(v[i].list, strlen(v[i].list), v[i].zip, bad, sizeof bad);
		snprintf(name, sizeof name, "listing %zu (%s)", i, v[i].zip ? "zip" : "tar");
		T_OK(rc == v[i].rc, "%s: rc %d", name, rc);
		if (v[i].rc < 0)
			T_STREQ(bad, v[i].bad, name);
	}
	bad[0] = 'x';
	T_OK(lm_fetch_list_ok("../x\n", 5, 0, bad, 3) < 0 && !strcmp(bad, ".."), "listing: bad cut to its cap");
	T_OK(lm_fetch_name_ok("a/b", 3) && !lm_fetch_name_ok("/", 1) && lm_fetch_name_ok("", 0) &&
		!lm_fetch_name_ok("x/..", 4) && lm_fetch_name_ok("x/..", 3), "name_ok");
}

static void t_cache_dir(void)
{
	char out[64], err[100];

	T_OK(lm_fetch_cache_dir("/c", out, sizeof out, err, sizeof err) == 0 && !strcmp(out, "/c"), "cache: -K first");
	setenv("LM_CACHE", "/lmc", 1);
	T_OK(lm_fetch_cache_dir(NULL, out, sizeof out, err, sizeof err) == 0 && !strcmp(out, "/lmc"), "cache: LM_CACHE");
	unsetenv("LM_CACHE");
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	T_OK(lm_fetch_cache_dir(NULL, out, sizeof out, err, sizeof err) == 0 && !strcmp(out, "/xdg/livemetrics"),
		"cache: XDG_CACHE_HOME");
	setenv("XDG_CACHE_HOME", "rel", 1);
	setenv("HOME", "/home/u", 1);
	T_OK(lm_fetch_cache_dir(NULL, out, sizeof out, err, sizeof err) == 0 &&
		!strcmp(out, "/home/u/.cache/livemetrics"), "cache: HOME (a relative XDG_CACHE_HOME ignored)");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	T_OK(lm_fetch_cache_dir(NULL, out, sizeof out, err, sizeof err) == 0 &&
		!strncmp(out, "/tmp/livemetrics-cache-", 23), "cache: /tmp");
	T_OK(lm_fetch_cache_dir("/a-path-that-is-much-longer-than-the-sixty-four-bytes-we-give-it",
		out, sizeof out, err, sizeof err) < 0 && err[0], "cache: too long");
}

int main(void)
{
	t_file = "test_fetch";
	t_sha256();
	t_parse();
	t_list();
	t_cache_dir();
	return T_DONE();
}
