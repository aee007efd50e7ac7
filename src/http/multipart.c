/* multipart.c — a streaming multipart/form-data parser; see multipart.h.
 *
 * Shape: a state machine over bytes that never needs to look back further
 * than the piece it is given, so pieces may split anywhere.
 *
 *  - Between parts (preamble, part bodies) we search for the delimiter
 *    D = CRLF "--" boundary. A boundary consists of bchars, which hold no CR,
 *    so a CR occurs in D only at its start. Hence a partial match that
 *    fails can never hide the start of another match except at the failing
 *    byte itself, and no KMP table is needed: we memchr for CR and compare.
 *    When a piece ends inside a possible delimiter, the bytes held back are
 *    by construction D[0..k): we keep only k, not the bytes, and if the
 *    match fails in the next piece we pass D[0..k) on as data. Data is handed
 *    on straight from the caller's piece, never copied.
 *  - The body is treated as if it began with CRLF (k = 2 at the start), so a
 *    first boundary line at the very start needs no special case.
 *  - After a delimiter: "--" ends the form, else optional padding and CRLF.
 *  - A part's header block is collected (bounded) into hdr[] and parsed from
 *    (ptr, len) cursors once its blank line arrives.
 *
 * The only memory is struct multipart itself: the header buffer, the
 * delimiter and the three strings handed to part_begin. */
#include "http/multipart.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MP_DELIM_MAX (4 + MULTIPART_MAX_BOUNDARY)
/* The request's Content-Type header; a real one is far shorter. */
#define MP_MAX_CT_HEADER 1024
/* Transport padding after a boundary (RFC 2046 LWSP); senders use none. */
#define MP_MAX_PADDING 64
/* filename* before decoding: charset, language and percent-encoding. */
#define MP_MAX_EXT_VALUE (3 * MULTIPART_MAX_NAME + 64)
#define MP_KEY "malformed_multipart"

enum mp_state {
	MP_PREAMBLE,   /* dropping bytes until the first delimiter */
	MP_DELIM_END,  /* just after a delimiter: "--", padding or CRLF */
	MP_DELIM_DASH, /* one '-' seen after a delimiter */
	MP_DELIM_PAD,  /* in padding after a delimiter */
	MP_DELIM_CR,   /* CR seen after a delimiter, LF must follow */
	MP_HEADERS,    /* collecting a part's header block */
	MP_BODY,       /* passing a part's bytes on */
	MP_DONE,       /* closing delimiter seen; the epilogue is dropped */
	MP_FAILED,
};

struct multipart {
	const struct multipart_callbacks *cb;
	void *ctx;
	enum mp_state state;
	unsigned char delim[MP_DELIM_MAX]; /* CRLF "--" boundary */
	size_t delim_len;
	size_t k;       /* D[0..k) matched at the end of what was fed */
	size_t padding; /* bytes of transport padding seen */
	size_t parts;
	size_t hdr_len, hdr_line, hdr_lines; /* length, start of the current
						line, complete lines */
	unsigned char hdr[MULTIPART_MAX_HEADER_BYTES];
	char name[MULTIPART_MAX_NAME + 1];
	char filename[MULTIPART_MAX_NAME + 1];
	char ctype[MULTIPART_MAX_NAME + 1];
};

/* A (ptr, len) view; parsing advances p and shrinks n, never past the end. */
struct mp_cur {
	const unsigned char *p;
	size_t n;
};

static int mp_fail(struct multipart *mp, struct err *e, const char *msg)
{
	mp->state = MP_FAILED;
	return err_set(e, ERR_MALFORMED, MP_KEY, "%s", msg);
}

/* A callback said stop: keep its err, and make sure there is one. */
static int mp_cb_failed(struct multipart *mp, struct err *e)
{
	mp->state = MP_FAILED;
	if (e && e->code == ERR_OK)
		err_set(e, ERR_INTERNAL, NULL, "a multipart callback failed without a reason");
	return -1;
}

/* ---- header syntax, on cursors ---- */

static int mp_ows(int c)
{
	return c == ' ' || c == '\t';
}

static void mp_skip_ows(struct mp_cur *c)
{
	while (c->n && mp_ows(c->p[0])) {
		c->p++;
		c->n--;
	}
}

/* Bytes of a token (RFC 7230, leniently: anything visible but the
 * separators that structure a parameter list, and 8-bit bytes, which some
 * clients send unquoted). */
static int mp_tchar(int c)
{
	return c > 0x20 && c != 0x7f && c != ';' && c != '=' && c != '"';
}

static struct mp_cur mp_token(struct mp_cur *c)
{
	struct mp_cur t = {c->p, 0};
	while (c->n && mp_tchar(c->p[0])) {
		c->p++;
		c->n--;
		t.n++;
	}
	return t;
}

static int mp_eq(struct mp_cur t, const char *s)
{
	size_t n = strlen(s);
	return t.n == n && strncasecmp((const char *)t.p, s, n) == 0;
}

/* The next `; key=value` of a parameter list. The value is left raw in *val
 * (for a quoted-string: between the quotes, escapes still in place).
 * Returns 1, 0 at the end of the list, -1 when malformed. */
static int mp_param(struct mp_cur *c, struct mp_cur *key, struct mp_cur *val, int *quoted)
{
	mp_skip_ows(c);
	if (!c->n)
		return 0;
	if (c->p[0] != ';')
		return -1;
	c->p++;
	c->n--;
	mp_skip_ows(c);
	if (!c->n)
		return 0; /* a trailing ';' is harmless */
	*key = mp_token(c);
	mp_skip_ows(c);
	if (!key->n || !c->n || c->p[0] != '=')
		return -1;
	c->p++;
	c->n--;
	mp_skip_ows(c);
	*quoted = c->n && c->p[0] == '"';
	if (!*quoted) {
		*val = mp_token(c);
		return val->n ? 1 : -1;
	}
	c->p++;
	c->n--;
	val->p = c->p;
	val->n = 0;
	for (;;) {
		if (!c->n)
			return -1; /* no closing quote */
		if (c->p[0] == '"')
			break;
		size_t step = c->p[0] == '\\' && c->n >= 2 ? 2 : 1;
		c->p += step;
		c->n -= step;
		val->n += step;
	}
	c->p++;
	c->n--;
	return 1;
}

/* A parameter value into out (cap bytes, NUL included). In a quoted-string
 * a backslash escapes only '"' and '\': old browsers send Windows paths
 * ("C:\dir\f.txt") unescaped, and those backslashes are data (Go's mime
 * package reads them the same way). -1 when too long or holding a NUL. */
static int mp_unquote(struct mp_cur v, int quoted, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < v.n; i++) {
		unsigned char ch = v.p[i];
		if (quoted && ch == '\\' && i + 1 < v.n && (v.p[i + 1] == '"' || v.p[i + 1] == '\\'))
			ch = v.p[++i];
		if (ch == '\0' || k + 1 >= cap)
			return -1;
		out[k++] = (char)ch;
	}
	out[k] = '\0';
	return 0;
}

static int mp_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An RFC 5987 ext-value, charset'language'percent-encoded, into out as
 * UTF-8. RFC 5987 asks recipients for UTF-8 and ISO-8859-1; the latter is
 * widened byte by byte. -1 when malformed, too long, another charset or
 * holding a NUL. */
static int mp_ext_value(const char *in, char *out, size_t cap)
{
	int latin1;
	if (strncasecmp(in, "UTF-8'", 6) == 0)
		latin1 = 0;
	else if (strncasecmp(in, "ISO-8859-1'", 11) == 0)
		latin1 = 1;
	else
		return -1;
	const char *p = strchr(in, '\'') + 1;
	p = strchr(p, '\''); /* skip the language tag */
	if (!p)
		return -1;
	size_t k = 0;
	for (p++; *p; p++) {
		int ch = (unsigned char)*p;
		if (ch == '%') {
			int hi = mp_hex((unsigned char)p[1]);
			int lo = hi < 0 ? -1 : mp_hex((unsigned char)p[2]);
			if (lo < 0)
				return -1;
			ch = hi * 16 + lo;
			p += 2;
		}
		if (ch == 0)
			return -1;
		if (latin1 && ch >= 0x80) {
			if (k + 2 >= cap)
				return -1;
			out[k++] = (char)(0xc0 | (ch >> 6));
			out[k++] = (char)(0x80 | (ch & 0x3f));
			continue;
		}
		if (k + 1 >= cap)
			return -1;
		out[k++] = (char)ch;
	}
	out[k] = '\0';
	return 0;
}

/* ---- the request's Content-Type ---- */

static int mp_bchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("'()+_,-./:=? ", c));
}

/* The boundary of a multipart/form-data Content-Type into out. */
static int mp_boundary(const char *ct, char *out, size_t cap, struct err *e)
{
	if (!ct)
		return err_set(e, ERR_MEDIA_TYPE, NULL, "expected multipart/form-data");
	size_t len = strnlen(ct, MP_MAX_CT_HEADER + 1);
	if (len > MP_MAX_CT_HEADER)
		return err_set(e, ERR_MALFORMED, MP_KEY, "the Content-Type header is too long");
	struct mp_cur c = {(const unsigned char *)ct, len}, key, val;
	mp_skip_ows(&c);
	if (!mp_eq(mp_token(&c), "multipart/form-data"))
		return err_set(e, ERR_MEDIA_TYPE, NULL, "expected multipart/form-data");
	int rc, quoted, found = 0;
	while ((rc = mp_param(&c, &key, &val, &quoted)) == 1) {
		if (!mp_eq(key, "boundary"))
			continue;
		if (found++)
			return err_set(e, ERR_MALFORMED, MP_KEY, "the Content-Type has two boundaries");
		if (mp_unquote(val, quoted, out, cap) < 0)
			return err_set(e, ERR_MALFORMED, MP_KEY,
				       "the multipart boundary is longer than %d characters",
				       MULTIPART_MAX_BOUNDARY);
	}
	if (rc < 0)
		return err_set(e, ERR_MALFORMED, MP_KEY, "the Content-Type header is malformed");
	if (!found || !out[0])
		return err_set(e, ERR_MALFORMED, MP_KEY, "the multipart Content-Type has no boundary");
	size_t blen = strlen(out);
	for (size_t i = 0; i < blen; i++)
		if (!mp_bchar((unsigned char)out[i]))
			return err_set(e, ERR_MALFORMED, MP_KEY,
				       "the multipart boundary holds a character RFC 2046 does not allow");
	if (out[blen - 1] == ' ')
		return err_set(e, ERR_MALFORMED, MP_KEY, "the multipart boundary ends in a space");
	return 0;
}

struct multipart *multipart_new(const char *content_type,
				const struct multipart_callbacks *cb, void *ctx,
				struct err *e)
{
	char boundary[MULTIPART_MAX_BOUNDARY + 1] = "";
	if (mp_boundary(content_type, boundary, sizeof boundary, e) < 0)
		return NULL;
	struct multipart *mp = calloc(1, sizeof *mp);
	if (!mp) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	static const struct multipart_callbacks none;
	mp->cb = cb ? cb : &none;
	mp->ctx = ctx;
	mp->state = MP_PREAMBLE;
	size_t blen = strlen(boundary);
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, blen);
	mp->delim_len = 4 + blen;
	mp->k = 2; /* the virtual CRLF before the body */
	return mp;
}

/* ---- a part's headers ---- */

/* Content-Disposition: form-data; name="..."[; filename="..."][; filename*=...] */
static int mp_disposition(struct multipart *mp, struct mp_cur c, int *has_file, struct err *e)
{
	if (!mp_eq(mp_token(&c), "form-data"))
		return mp_fail(mp, e, "a part's Content-Disposition is not form-data");
	char ext[MP_MAX_EXT_VALUE + 1] = "";
	int rc, quoted, seen_name = 0, seen_file = 0, seen_ext = 0;
	struct mp_cur key, val;
	while ((rc = mp_param(&c, &key, &val, &quoted)) == 1) {
		char *out;
		size_t cap;
		int *seen;
		if (mp_eq(key, "name"))
			out = mp->name, cap = sizeof mp->name, seen = &seen_name;
		else if (mp_eq(key, "filename"))
			out = mp->filename, cap = sizeof mp->filename, seen = &seen_file;
		else if (mp_eq(key, "filename*"))
			out = ext, cap = sizeof ext, seen = &seen_ext;
		else
			continue; /* e.g. size=, creation-date= */
		if ((*seen)++)
			return mp_fail(mp, e, "a part's Content-Disposition repeats a parameter");
		if (mp_unquote(val, quoted, out, cap) < 0)
			return mp_fail(mp, e, "a part's name or filename is too long or holds a NUL byte");
	}
	if (rc < 0)
		return mp_fail(mp, e, "a part's Content-Disposition is malformed");
	if (!seen_name || !mp->name[0])
		return mp_fail(mp, e, "a part's Content-Disposition has no name");
	if (seen_ext && mp_ext_value(ext, mp->filename, sizeof mp->filename) < 0)
		return mp_fail(mp, e, "a part's filename* is malformed, too long or not UTF-8");
	*has_file = seen_file || seen_ext;
	return 0;
}

/* The complete header block hdr[0..len): lines, each ending in CRLF. */
static int mp_part_headers(struct multipart *mp, size_t len, struct err *e)
{
	struct mp_cur all = {mp->hdr, len};
	int has_disp = 0, has_type = 0, has_file = 0;
	mp->name[0] = mp->filename[0] = mp->ctype[0] = '\0';
	while (all.n) {
		const unsigned char *eol = memchr(all.p, '\r', all.n);
		/* hdr_push() let only CRLF-ended lines in */
		struct mp_cur line = {all.p, (size_t)(eol - all.p)};
		all.p = eol + 2;
		all.n -= line.n + 2;
		if (line.n && mp_ows(line.p[0]))
			return mp_fail(mp, e, "a part's headers are folded");
		struct mp_cur name = {line.p, 0};
		while (name.n < line.n && line.p[name.n] != ':' && mp_tchar(line.p[name.n]))
			name.n++;
		line.p += name.n;
		line.n -= name.n;
		mp_skip_ows(&line);
		if (!name.n || !line.n || line.p[0] != ':')
			return mp_fail(mp, e, "a part's header line is malformed");
		line.p++;
		line.n--;
		mp_skip_ows(&line);
		while (line.n && mp_ows(line.p[line.n - 1]))
			line.n--;
		if (mp_eq(name, "Content-Disposition")) {
			if (has_disp++)
				return mp_fail(mp, e, "a part has two Content-Disposition headers");
			if (mp_disposition(mp, line, &has_file, e) < 0)
				return -1;
		} else if (mp_eq(name, "Content-Type")) {
			if (has_type++)
				return mp_fail(mp, e, "a part has two Content-Type headers");
			if (mp_unquote(line, 0, mp->ctype, sizeof mp->ctype) < 0)
				return mp_fail(mp, e, "a part's Content-Type is too long");
		}
		/* other headers (Content-Transfer-Encoding, ...) are ignored */
	}
	if (!has_disp)
		return mp_fail(mp, e, "a part has no Content-Disposition");
	if (++mp->parts > MULTIPART_MAX_PARTS)
		return mp_fail(mp, e, "the form has too many parts");
	if (mp->cb->part_begin &&
	    mp->cb->part_begin(mp->ctx, mp->name, has_file ? mp->filename : NULL,
			       mp->ctype[0] ? mp->ctype : NULL, e) < 0)
		return mp_cb_failed(mp, e);
	return 0;
}

/* Collects header bytes until the blank line; *used is what was taken. */
static int mp_headers(struct multipart *mp, const unsigned char *p, size_t n, size_t *used,
		      struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (mp->hdr_len == sizeof mp->hdr)
			return mp_fail(mp, e, "part headers too large");
		if (ch == '\0')
			return mp_fail(mp, e, "a part's headers hold a NUL byte");
		int after_cr = mp->hdr_len > mp->hdr_line && mp->hdr[mp->hdr_len - 1] == '\r';
		mp->hdr[mp->hdr_len++] = ch;
		if (ch != '\n') {
			if (after_cr)
				return mp_fail(mp, e, "a part's header line has a bare CR");
			continue;
		}
		if (!after_cr)
			return mp_fail(mp, e, "a part's header line does not end in CRLF");
		if (mp->hdr_len - mp->hdr_line == 2) { /* the blank line */
			*used = i + 1;
			mp->state = MP_BODY;
			return mp_part_headers(mp, mp->hdr_line, e);
		}
		if (++mp->hdr_lines > MULTIPART_MAX_HEADER_LINES)
			return mp_fail(mp, e, "part headers too large (too many lines)");
		mp->hdr_line = mp->hdr_len;
	}
	*used = n;
	return 0;
}

/* ---- delimiters and part bodies ---- */

static int mp_emit(struct multipart *mp, const void *data, size_t n, struct err *e)
{
	if (mp->state != MP_BODY || !n || !mp->cb->part_data)
		return 0; /* the preamble is dropped */
	if (mp->cb->part_data(mp->ctx, data, n, e) < 0)
		return mp_cb_failed(mp, e);
	return 0;
}

static int mp_delimiter(struct multipart *mp, struct err *e)
{
	enum mp_state was = mp->state;
	mp->k = 0;
	mp->state = MP_DELIM_END;
	if (was == MP_BODY && mp->cb->part_end && mp->cb->part_end(mp->ctx, e) < 0)
		return mp_cb_failed(mp, e);
	return 0;
}

/* Scans for the delimiter in the preamble or a part's body, passing the
 * body's bytes on; *used is what was taken (up to the delimiter's end). */
static int mp_scan(struct multipart *mp, const unsigned char *p, size_t n, size_t *used,
		   struct err *e)
{
	const unsigned char *d = mp->delim;
	size_t dn = mp->delim_len, i = 0;
	if (mp->k) {
		/* A delimiter's start was held back at the end of the last piece. */
		while (i < n && mp->k < dn && p[i] == d[mp->k]) {
			i++;
			mp->k++;
		}
		if (mp->k == dn) {
			*used = i;
			return mp_delimiter(mp, e);
		}
		if (i == n) {
			*used = n;
			return 0;
		}
		/* Not a delimiter: what was held back, D[0..k), is data. */
		size_t held = mp->k;
		mp->k = 0;
		if (mp_emit(mp, d, held, e) < 0)
			return -1;
	}
	size_t run = i; /* data from here on is not passed on yet */
	for (;;) {
		const unsigned char *cr = memchr(p + i, '\r', n - i);
		if (!cr)
			break;
		size_t r = (size_t)(cr - p), j = 1;
		while (j < dn && r + j < n && p[r + j] == d[j])
			j++;
		if (j == dn || r + j == n) {
			if (mp_emit(mp, p + run, r - run, e) < 0)
				return -1;
			if (j < dn) { /* the piece ends inside a possible delimiter */
				mp->k = j;
				*used = n;
				return 0;
			}
			*used = r + dn;
			return mp_delimiter(mp, e);
		}
		/* D holds no CR after its start, so the next match can begin
		 * no earlier than the next CR. */
		i = r + 1;
	}
	*used = n;
	return mp_emit(mp, p + run, n - run, e);
}

/* After a delimiter: "--" closes the form, else transport padding, CRLF. */
static int mp_after_delim(struct multipart *mp, unsigned char ch, struct err *e)
{
	switch (mp->state) {
	case MP_DELIM_END:
		if (ch == '-') {
			mp->state = MP_DELIM_DASH;
			return 0;
		}
		mp->padding = 0;
		mp->state = MP_DELIM_PAD;
		__attribute__((fallthrough));
	case MP_DELIM_PAD:
		if (mp_ows(ch)) {
			if (++mp->padding > MP_MAX_PADDING)
				break;
			return 0;
		}
		if (ch != '\r')
			break;
		mp->state = MP_DELIM_CR;
		return 0;
	case MP_DELIM_DASH:
		if (ch != '-')
			break;
		mp->state = MP_DONE;
		return 0;
	case MP_DELIM_CR:
		if (ch != '\n')
			break;
		mp->state = MP_HEADERS;
		mp->hdr_len = mp->hdr_line = mp->hdr_lines = 0;
		return 0;
	default:
		break;
	}
	return mp_fail(mp, e, "a multipart boundary line is malformed");
}

int multipart_feed(struct multipart *mp, const void *data, size_t n, struct err *e)
{
	if (mp->state == MP_FAILED)
		return err_set(e, ERR_MALFORMED, MP_KEY, "the multipart body could not be read");
	const unsigned char *p = data;
	while (n) {
		size_t used = 1;
		int rc;
		switch (mp->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			rc = mp_scan(mp, p, n, &used, e);
			break;
		case MP_HEADERS:
			rc = mp_headers(mp, p, n, &used, e);
			break;
		case MP_DONE:
			return 0; /* the epilogue is ignored */
		default:
			rc = mp_after_delim(mp, p[0], e);
			break;
		}
		if (rc < 0)
			return -1;
		/* every step takes at least one byte: k < delim_len on entry */
		p += used;
		n -= used;
	}
	return 0;
}

int multipart_finish(struct multipart *mp, struct err *e)
{
	if (mp->state == MP_DONE)
		return 0;
	if (mp->state == MP_FAILED)
		return err_set(e, ERR_MALFORMED, MP_KEY, "the multipart body could not be read");
	return mp_fail(mp, e, "truncated multipart body (no closing boundary)");
}

void multipart_free(struct multipart *mp)
{
	free(mp);
}
