/* transfer.c — streamed uploads and downloads, see transfer.h.
 *
 * The wire is http.c's (http_stream_call), the session's 401 handling
 * session.c's and the judging of refusals record.c's; what lives here is
 * the disk side: reading and writing in chunks, the temporary file and its
 * atomic replacement, the digest, and the progress bar. */
#include "cli/transfer.h"

#include "cli/session.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- names and types ---- */

const char *transfer_type_of(const char *filename)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".pdf", "application/pdf"}, {".png", "image/png"},
		{".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},
		{".dcm", "application/dicom"}, {".txt", "text/plain"},
	};
	const char *base = strrchr(filename, '/');
	const char *dot = strrchr(base ? base : filename, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

void transfer_title_of(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	snprintf(out, n, "%.*s", (int)len, base);
}

static int transfer_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The raw value of filename* (percent-decoded) or filename (unquoted). */
static void transfer_disposition_name(const char *d, char *out, size_t n)
{
	size_t k = 0;
	const char *p = strcasestr(d, "filename*=");
	if (p) {
		p += strlen("filename*=");
		const char *q = strstr(p, "''"); /* charset'lang' */
		if (q && (size_t)(q - p) < 16)
			p = q + 2;
		for (; *p && *p != ';' && k + 1 < n; p++) {
			int hi, lo;
			if (*p == '%' && (hi = transfer_hex(p[1])) >= 0 &&
			    (lo = transfer_hex(p[2])) >= 0) {
				out[k++] = (char)(hi * 16 + lo);
				p += 2;
			} else {
				out[k++] = *p;
			}
		}
	} else if ((p = strcasestr(d, "filename="))) {
		p += strlen("filename=");
		int quoted = *p == '"';
		for (p += quoted; *p && k + 1 < n; p++) {
			if (quoted && *p == '\\' && p[1])
				p++;
			else if (quoted ? *p == '"' : *p == ';' || *p == ' ')
				break;
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

void transfer_safe_name(const char *disposition, char *out, size_t n)
{
	char raw[1024];
	transfer_disposition_name(disposition, raw, sizeof raw);
	/* A name for %00 or a control byte would end or garble it early:
	 * map them before anything looks at the string. */
	size_t len = 0;
	for (size_t i = 0; i < sizeof raw && raw[i]; i++)
		len = i + 1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f)
			raw[i] = '_';
	const char *base = raw;
	for (const char *p = raw; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.')
		base++;
	size_t max = n - 1 < NAME_MAX ? n - 1 : NAME_MAX;
	snprintf(out, n, "%.*s", (int)max, base);
}

/* ---- the progress bar ---- */

struct transfer_bar {
	int on;
	double start, last;
	long long total;
	int drawn;
};

static double transfer_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void transfer_bar_start(struct transfer_bar *b, long long total)
{
	memset(b, 0, sizeof *b);
	b->on = total > TRANSFER_BAR_MIN && isatty(STDERR_FILENO);
	b->total = total;
	b->start = transfer_now();
}

static void transfer_bar_draw(struct transfer_bar *b, long long done,
			      int final)
{
	double now = transfer_now();
	if (!b->on || (!final && now - b->last < TRANSFER_BAR_INTERVAL))
		return;
	b->last = now;
	double secs = now - b->start;
	double mb = (double)done / 1e6;
	int pct = b->total > 0 ? (int)(done * 100 / b->total) : 0;
	char bar[31];
	int fill = pct * 30 / 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%%  %.1f / %.1f MB  %.1f MB/s ", bar, pct,
		mb, (double)b->total / 1e6, secs > 0 ? mb / secs : 0.0);
	b->drawn = 1;
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void transfer_bar_end(struct transfer_bar *b, long long done)
{
	if (b->drawn)
		transfer_bar_draw(b, done, 1);
}

static int transfer_on_progress(long long done, long long total, void *arg)
{
	struct transfer_bar *b = arg;
	(void)total; /* the size we know beats what the headers say */
	transfer_bar_draw(b, done, 0);
	return 0;
}

/* ---- upload ---- */

struct transfer_src {
	int fd;
	int err; /* errno of a failed read */
	long long sent;
};

static size_t transfer_read(char *buf, size_t n, void *arg)
{
	struct transfer_src *s = arg;
	for (;;) {
		ssize_t r = read(s->fd, buf, n);
		if (r >= 0) {
			s->sent += r;
			return (size_t)r;
		}
		if (errno != EINTR) {
			s->err = errno;
			return HTTP_STREAM_ABORT;
		}
	}
}

int transfer_put(struct record_ctx *x, const char *path, const char *file,
		 const char *type, struct http_resp *r, struct err *e)
{
	struct transfer_src src = {.fd = open(file, O_RDONLY | O_CLOEXEC)};
	struct transfer_bar bar;
	struct http_stream s;
	struct stat st;
	int rc = -1;

	if (src.fd < 0)
		return err_set(e, ERR_INVALID, "file", "cannot open %.200s: %s",
			       file, strerror(errno));
	if (fstat(src.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_INVALID, "file", "%.200s is not a regular file",
			file);
		goto out;
	}
	memset(&s, 0, sizeof s);
	transfer_bar_start(&bar, (long long)st.st_size);
	s.content_type = type;
	s.upload_size = (long long)st.st_size;
	s.reader = transfer_read;
	s.reader_arg = &src;
	s.progress = bar.on ? transfer_on_progress : NULL;
	s.progress_arg = &bar;
	rc = session_stream(x->c, x->p, "POST", path, &s, r, e);
	transfer_bar_end(&bar, src.sent);
	if (src.err)
		rc = err_set(e, ERR_INTERNAL, "file", "cannot read %.200s: %s",
			     file, strerror(src.err));
	else if (rc == 0 && src.sent != s.upload_size)
		rc = err_set(e, ERR_INTERNAL, "file",
			     "%.200s changed while it was sent", file);
out:
	close(src.fd);
	return rc;
}

/* ---- download ---- */

struct transfer_dst {
	int fd;
	int err; /* errno of a failed write */
	long long got;
	crypto_hash_sha256_state sha;
};

static size_t transfer_write(const char *p, size_t n, void *arg)
{
	struct transfer_dst *d = arg;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(d->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			d->err = errno;
			return 0;
		}
		done += (size_t)w;
	}
	crypto_hash_sha256_update(&d->sha, (const unsigned char *)p, n);
	d->got += (long long)n;
	return n;
}

/* The directory part of a path ("." when none) into dir. */
static void transfer_dir_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, n, ".");
	else if (slash == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

static int transfer_exists(const char *name, struct err *e)
{
	struct stat st;
	if (lstat(name, &st) == 0)
		return err_set(e, ERR_CONFLICT, "file_exists",
			       "%.200s exists; use --force to replace it, or "
			       "-o to name another file", name);
	return 0;
}

/* Put the finished temporary file in place: link() refuses an existing
 * target atomically; --force replaces it with rename(). */
static int transfer_place(const char *tmp, const char *dir,
			  const char *target, int force, struct err *e)
{
	if (force) {
		if (rename(tmp, target) < 0)
			return err_set(e, ERR_INTERNAL, "file",
				       "cannot write %.200s: %s", target,
				       strerror(errno));
	} else {
		if (link(tmp, target) < 0)
			return errno == EEXIST ?
				       transfer_exists(target, e) :
				       err_set(e, ERR_INTERNAL, "file",
					       "cannot write %.200s: %s",
					       target, strerror(errno));
		unlink(tmp);
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the new name survives a crash too */
		close(dfd);
	}
	return 0;
}

static int transfer_check(struct transfer_dst *d, const struct transfer_get *g,
			  struct err *e)
{
	unsigned char sum[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	crypto_hash_sha256_final(&d->sha, sum);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	if (!g->sha256 || strcasecmp(hex, g->sha256) != 0)
		return err_set(e, ERR_INTERNAL, "checksum_mismatch",
			       "the download's SHA-256 (%s) differs from the "
			       "document's (%.64s); nothing was kept", hex,
			       g->sha256 ? g->sha256 : "unknown");
	return 0;
}

/* The final name: -o, else the server's file name made safe, else id. */
static void transfer_target(const struct transfer_get *g,
			    const char *disposition, char *out, size_t n)
{
	if (g->output) {
		snprintf(out, n, "%s", g->output);
		return;
	}
	transfer_safe_name(disposition, out, n);
	if (!out[0])
		snprintf(out, n, "%s", g->id);
}

int transfer_get(struct record_ctx *x, struct transfer_get *g,
		 struct err *e)
{
	int to_stdout = g->output && !strcmp(g->output, "-");
	char dir[PATH_MAX], tmp[PATH_MAX + 32] = "";
	struct transfer_dst d = {.fd = STDOUT_FILENO};
	struct http_resp r = {0};
	struct transfer_bar bar;
	struct http_stream s;
	int rc = -1;

	g->saved[0] = '\0';
	if (g->output && !to_stdout && !g->force &&
	    transfer_exists(g->output, e) < 0)
		return -1;
	transfer_dir_of(g->output && !to_stdout ? g->output : ".", dir,
			sizeof dir);
	if (!to_stdout) {
		snprintf(tmp, sizeof tmp, "%s/.akte-get-XXXXXX", dir);
		if ((d.fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
			tmp[0] = '\0';
			return err_set(e, ERR_INTERNAL, "file",
				       "cannot write in %.200s: %s", dir,
				       strerror(errno));
		}
	}
	crypto_hash_sha256_init(&d.sha);
	memset(&s, 0, sizeof s);
	transfer_bar_start(&bar, g->size);
	s.sink = transfer_write;
	s.sink_arg = &d;
	s.progress = bar.on ? transfer_on_progress : NULL;
	s.progress_arg = &bar;
	int hrc = session_stream(x->c, x->p, "GET", g->path, &s, &r, e);
	transfer_bar_end(&bar, d.got);
	if (d.err) {
		err_set(e, ERR_INTERNAL, "file", "cannot write the download: "
			"%s", strerror(d.err));
		goto out;
	}
	if (hrc < 0)
		goto out;
	if (r.status < 200 || r.status >= 300) {
		record_judge(&r, e); /* the refusal, worded as for JSON */
		goto out;
	}
	if (transfer_check(&d, g, e) < 0)
		goto out;
	if (to_stdout) {
		snprintf(g->saved, sizeof g->saved, "-");
		rc = 0;
		goto out;
	}
	if (fsync(d.fd) < 0 || close(d.fd) < 0) {
		d.fd = -1;
		err_set(e, ERR_INTERNAL, "file", "cannot write the download: "
			"%s", strerror(errno));
		goto out;
	}
	d.fd = -1;
	char target[PATH_MAX];
	transfer_target(g, s.disposition, target, sizeof target);
	if (transfer_place(tmp, dir, target, g->force, e) < 0)
		goto out;
	snprintf(g->saved, sizeof g->saved, "%s", target);
	tmp[0] = '\0';
	rc = 0;
out:
	if (d.fd >= 0 && d.fd != STDOUT_FILENO)
		close(d.fd);
	if (tmp[0])
		unlink(tmp);
	http_resp_free(&r);
	return rc;
}
