/* mail.c — see mail.h. Three steps that each know nothing of the others:
 * mail_format builds the complete RFC 5322 text once, so that the SMTP
 * transport and the spool write the very same bytes; mail_send_smtp hands
 * those bytes to libcurl from memory; mail_spool writes them to a file with
 * the temp-fsync-rename sequence the blob store uses, so a reader of the
 * spool never sees half a message.
 *
 * Mails leave the server, so every header value is checked here: a CR or LF
 * from a caller would let it add headers or recipients (header injection).
 * The body is quoted-printable so that any UTF-8 text survives 7-bit relays
 * and no line is longer than RFC 5322 allows. Nothing here logs: the body
 * holds confirmation links, which are secrets. */
#include "notify/mail.h"

#include "core/buf.h"
#include "core/clock.h"
#include "crypto/token.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Limits on what callers may pass; mails are short notices (a link and a
 * sentence), so anything larger is a bug upstream, not a mail to send. */
#define MAIL_ADDR_MAX 320      /* RFC 5321: 64 local + @ + 255 domain */
#define MAIL_SUBJECT_MAX 400   /* bytes of UTF-8 before encoding */
#define MAIL_BODY_MAX 65536    /* bytes of UTF-8 before encoding */
#define MAIL_MESSAGE_MAX (4 * MAIL_BODY_MAX) /* QP triples at worst, + headers */
#define MAIL_SPOOL_ID_MAX 64
#define MAIL_PATH_MAX 1024

/* RFC 2045: encoded lines at most 76 characters, the soft break "=" included. */
#define MAIL_QP_LINE 75
/* RFC 2047: an encoded word is at most 75 characters; "=?UTF-8?B?" and "?="
 * take 12, leaving 63, i.e. 15 base64 quads = 45 bytes of text. A line
 * holding encoded words is at most 76 characters. */
#define MAIL_EW_BYTES 45
#define MAIL_EW_LINE 76

#define MAIL_CONNECT_TIMEOUT 10L /* seconds */
#define MAIL_TOTAL_TIMEOUT 60L   /* seconds, connect included */

/* ---- checks ---- */

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF): the body and
 * subject are declared UTF-8, and encoded words are cut between characters,
 * which needs well-formed input. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* A header value must not break out of its header: no CR, LF or other
 * control characters (tab is allowed, it is ordinary whitespace). */
static int header_value_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return utf8_valid((const unsigned char *)s, n);
}

/* The address inside <...> when present, else the whole value trimmed;
 * it must be a bare addr-spec: printable ASCII, no spaces or brackets, one
 * '@' with something either side. Used for the SMTP envelope and for the
 * domain of the Message-ID. */
static int envelope_addr(const char *value, char *out, size_t outsz)
{
	const char *start = value, *end = value + strlen(value);
	const char *lt = strrchr(value, '<');
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt)
			return -1;
		start = lt + 1;
		end = gt;
	} else {
		while (*start == ' ' || *start == '\t')
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
	}
	size_t n = (size_t)(end - start);
	if (n == 0 || n >= outsz || n > MAIL_ADDR_MAX)
		return -1;
	const char *at = NULL;
	for (const char *p = start; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == ',')
			return -1;
		if (c == '@')
			at = p;
	}
	if (!at || at == start || at == end - 1)
		return -1;
	memcpy(out, start, n);
	out[n] = '\0';
	return 0;
}

/* ---- encodings ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_append(struct buf *b, const unsigned char *p, size_t n)
{
	char quad[4];
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		quad[0] = b64_alphabet[(v >> 18) & 63];
		quad[1] = b64_alphabet[(v >> 12) & 63];
		quad[2] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < n ? b64_alphabet[v & 63] : '=';
		if (buf_append(b, quad, 4) < 0)
			return -1;
	}
	return 0;
}

/* RFC 2047 B-encoded words, cut only between UTF-8 characters so each word
 * decodes on its own, folded with CRLF SP between words so that no line
 * passes 76 characters (RFC 2047 section 2); col is where the first word
 * starts. B rather than Q because Q has its own rules for which characters
 * may stay literal, and B has none. */
static int encoded_words(struct buf *b, const char *s, size_t col)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		/* "=?UTF-8?B?" + "?=" take 12 columns; base64 is 4 per 3 bytes */
		size_t room = col + 12 < MAIL_EW_LINE ? MAIL_EW_LINE - col - 12 : 0;
		size_t max = room / 4 * 3;
		if (max > MAIL_EW_BYTES)
			max = MAIL_EW_BYTES;
		size_t take = n - i < max ? n - i : max;
		/* back off to a character boundary (never a continuation byte) */
		while (i + take < n && take > 0 && (p[i + take] & 0xc0) == 0x80)
			take--;
		if (take == 0)
			return -1;
		if (i > 0 && buf_puts(b, "\r\n ") < 0)
			return -1;
		if (buf_puts(b, "=?UTF-8?B?") < 0 || b64_append(b, p + i, take) < 0 ||
		    buf_puts(b, "?=") < 0)
			return -1;
		i += take;
		col = 1; /* continuation lines start with the folding space */
	}
	return 0;
}

/* An unstructured header (Subject): literal when plain ASCII, else encoded.
 * ASCII that contains "=?" is encoded too, or a reader would take it for an
 * encoded word and show something the caller did not write. */
static int header_text(struct buf *b, const char *name, const char *value)
{
	if (buf_printf(b, "%s: ", name) < 0)
		return -1;
	if (is_ascii(value) && !strstr(value, "=?")) {
		if (buf_puts(b, value) < 0)
			return -1;
	} else if (encoded_words(b, value, strlen(name) + 2) < 0) {
		return -1;
	}
	return buf_puts(b, "\r\n");
}

/* An address header (From, To): "Name <addr>" or "addr". A non-ASCII display
 * name is encoded as a whole; the address itself must be ASCII (we do not
 * ask relays for SMTPUTF8). */
static int header_addr(struct buf *b, const char *name, const char *value)
{
	if (buf_printf(b, "%s: ", name) < 0)
		return -1;
	if (is_ascii(value)) {
		if (buf_puts(b, value) < 0)
			return -1;
		return buf_puts(b, "\r\n");
	}
	const char *lt = strrchr(value, '<');
	if (!lt || !is_ascii(lt))
		return -1;
	const char *start = value, *end = lt;
	while (*start == ' ' || *start == '\t')
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t n = (size_t)(end - start);
	char display[MAIL_ADDR_MAX + 1];
	if (n == 0 || n > MAIL_ADDR_MAX)
		return -1;
	memcpy(display, start, n);
	display[n] = '\0';
	if (encoded_words(b, display, strlen(name) + 2) < 0 ||
	    buf_printf(b, " %s\r\n", lt) < 0)
		return -1;
	return 0;
}

/* Appends one quoted-printable token, breaking the line softly first when it
 * would not fit, so an =XX escape is never split across lines. */
static int qp_token(struct buf *b, size_t *col, const char *tok, size_t n)
{
	if (*col + n > MAIL_QP_LINE) {
		if (buf_puts(b, "=\r\n") < 0)
			return -1;
		*col = 0;
	}
	if (buf_append(b, tok, n) < 0)
		return -1;
	*col += n;
	return 0;
}

/* RFC 2045 section 6.7. Line ends in the input may be LF or CRLF; the output
 * uses CRLF. Whitespace before a line end is escaped (relays strip it), and
 * so is a '.' opening a line: SMTP would otherwise need dot-stuffing, and a
 * spooled file is then safe to pipe into any SMTP client as it is. */
static int qp_body(struct buf *b, const char *body)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)body;
	size_t n = strlen(body), col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '\n' || (c == '\r' && i + 1 < n && p[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			if (buf_puts(b, "\r\n") < 0)
				return -1;
			col = 0;
			continue;
		}
		int at_eol = i + 1 == n || p[i + 1] == '\n' ||
			     (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
		int literal = (c >= 33 && c <= 126 && c != '=') ||
			      ((c == ' ' || c == '\t') && !at_eol);
		if (c == '.' && col == 0)
			literal = 0;
		char tok[3] = {(char)c, 0, 0};
		size_t len = 1;
		if (!literal) {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			len = 3;
		}
		if (qp_token(b, &col, tok, len) < 0)
			return -1;
	}
	/* the message ends with a line end whether or not the body had one */
	if (n == 0 || p[n - 1] != '\n')
		return buf_puts(b, "\r\n");
	return 0;
}

/* RFC 5322 date-time in UTC. The names are written out here because
 * strftime's %a and %b follow the locale. */
static int header_date(struct buf *b, int64_t now)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -1;
	return buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
			  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
			  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* <time.random@domain-of-sender>: the random part makes it unique across
 * servers that share a sender domain. */
static int header_message_id(struct buf *b, const char *from, int64_t now)
{
	char addr[MAIL_ADDR_MAX + 1];
	const char *domain = "localhost";
	if (envelope_addr(from, addr, sizeof addr) == 0)
		domain = strrchr(addr, '@') + 1;
	char rnd[TOKEN_ID_LEN + 1];
	token_id(rnd);
	return buf_printf(b, "Message-ID: <%lld.%s@%s>\r\n", (long long)now, rnd,
			  domain);
}

char *mail_format(const char *from, const char *to, const char *subject,
		  const char *body, struct err *e)
{
	struct buf b;
	char *out = NULL;
	buf_init(&b, MAIL_MESSAGE_MAX);

	if (!from || !header_value_ok(from, MAIL_ADDR_MAX)) {
		err_field(e, "from", "sender address is empty, too long or has control characters");
		goto out;
	}
	if (!to || !header_value_ok(to, MAIL_ADDR_MAX)) {
		err_field(e, "to", "recipient address is empty, too long or has control characters");
		goto out;
	}
	/* One mailbox per header: a comma or semicolon would make a reader see
	 * a second recipient that the envelope does not have. */
	if (strpbrk(from, ",;")) {
		err_field(e, "from", "sender must be a single address");
		goto out;
	}
	if (strpbrk(to, ",;")) {
		err_field(e, "to", "recipient must be a single address");
		goto out;
	}
	char addr[MAIL_ADDR_MAX + 1];
	if (envelope_addr(from, addr, sizeof addr) < 0) {
		err_field(e, "from", "sender is not a mail address");
		goto out;
	}
	if (envelope_addr(to, addr, sizeof addr) < 0) {
		err_field(e, "to", "recipient is not a mail address");
		goto out;
	}
	if (!subject || !header_value_ok(subject, MAIL_SUBJECT_MAX)) {
		err_field(e, "subject", "subject is empty, too long, not UTF-8 or has control characters");
		goto out;
	}
	size_t body_len = body ? strnlen(body, MAIL_BODY_MAX + 1) : 0;
	if (!body || body_len > MAIL_BODY_MAX ||
	    !utf8_valid((const unsigned char *)body, body_len)) {
		err_field(e, "body", "body is missing, longer than %d bytes or not UTF-8",
			  MAIL_BODY_MAX);
		goto out;
	}

	int64_t now = clock_now();
	if (header_addr(&b, "From", from) < 0 || header_addr(&b, "To", to) < 0 ||
	    header_text(&b, "Subject", subject) < 0 || header_date(&b, now) < 0 ||
	    header_message_id(&b, from, now) < 0 ||
	    buf_puts(&b, "MIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n"
			 "Auto-Submitted: auto-generated\r\n"
			 "\r\n") < 0 ||
	    qp_body(&b, body) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot compose the mail");
		goto out;
	}
	out = b.data; /* ownership passes to the caller */
	b.data = NULL;
out:
	buf_free(&b);
	return out;
}

/* ---- SMTP ---- */

/* libcurl's global init is not safe to race with other threads' use of
 * libcurl; doing it once here keeps callers from having to remember. */
static pthread_once_t mail_curl_once = PTHREAD_ONCE_INIT;
static CURLcode mail_curl_init_rc = CURLE_FAILED_INIT;

static void mail_curl_init(void)
{
	mail_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Set at shutdown: sends in progress give up at libcurl's next progress
 * call (about once a second) instead of waiting out a stalled relay. The
 * mail stays queued and goes out after the restart. */
static atomic_int mail_cancelled;

void mail_cancel_sends(int cancel)
{
	atomic_store(&mail_cancelled, cancel);
}

static int mail_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			 curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(&mail_cancelled) ? 1 : 0;
}

struct mail_reader {
	const char *p;
	size_t left;
};

static size_t mail_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct mail_reader *r = arg;
	size_t room = size * nmemb; /* curl guarantees this does not overflow */
	size_t n = r->left < room ? r->left : room;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

int mail_send_smtp(const char *smtp_url, const char *from, const char *to,
		   const char *message, struct err *e)
{
	int rc = -1;
	CURL *curl = NULL;
	struct curl_slist *rcpt = NULL;
	char env_from[MAIL_ADDR_MAX + 3], env_to[MAIL_ADDR_MAX + 3];
	char addr[MAIL_ADDR_MAX + 1];

	if (!smtp_url || (strncmp(smtp_url, "smtp://", 7) != 0 &&
			  strncmp(smtp_url, "smtps://", 8) != 0)) {
		err_field(e, "smtp_url", "SMTP URL must start with smtp:// or smtps://");
		goto out;
	}
	if (!from || envelope_addr(from, addr, sizeof addr) < 0) {
		err_field(e, "from", "sender is not a mail address");
		goto out;
	}
	snprintf(env_from, sizeof env_from, "<%s>", addr);
	if (!to || envelope_addr(to, addr, sizeof addr) < 0) {
		err_field(e, "to", "recipient is not a mail address");
		goto out;
	}
	snprintf(env_to, sizeof env_to, "<%s>", addr);
	if (!message || strnlen(message, MAIL_MESSAGE_MAX + 1) > MAIL_MESSAGE_MAX) {
		err_set(e, ERR_TOO_LARGE, NULL, "message is missing or too large");
		goto out;
	}

	pthread_once(&mail_curl_once, mail_curl_init);
	if (mail_curl_init_rc != CURLE_OK || !(curl = curl_easy_init())) {
		err_set(e, ERR_INTERNAL, NULL, "cannot initialise libcurl");
		goto out;
	}
	if (!(rcpt = curl_slist_append(NULL, env_to))) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	struct mail_reader reader = {message, strlen(message)};
	/* Each setopt can fail only on memory or an unsupported option; the
	 * first failure is kept and reported below. NOSIGNAL because this runs
	 * on a worker thread, where libcurl's SIGALRM timeouts are unsafe.
	 * USESSL_TRY: STARTTLS whenever the relay offers it — links in these
	 * mails are credentials — but still deliver to a local relay without
	 * TLS. PROTOCOLS keeps a misconfigured URL from making other requests. */
	CURLcode cc = CURLE_OK;
#define SETOPT(opt, val)                                                       \
	do {                                                                   \
		if (cc == CURLE_OK)                                            \
			cc = curl_easy_setopt(curl, opt, val);                 \
	} while (0)
	SETOPT(CURLOPT_URL, smtp_url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SETOPT(CURLOPT_MAIL_FROM, env_from);
	SETOPT(CURLOPT_MAIL_RCPT, rcpt);
	SETOPT(CURLOPT_UPLOAD, 1L);
	SETOPT(CURLOPT_READFUNCTION, mail_read);
	SETOPT(CURLOPT_READDATA, &reader);
	SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)reader.left);
	SETOPT(CURLOPT_CONNECTTIMEOUT, MAIL_CONNECT_TIMEOUT);
	SETOPT(CURLOPT_TIMEOUT, MAIL_TOTAL_TIMEOUT);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	SETOPT(CURLOPT_XFERINFOFUNCTION, mail_progress);
	SETOPT(CURLOPT_NOPROGRESS, 0L);
#undef SETOPT
	if (cc != CURLE_OK) {
		err_set(e, ERR_INTERNAL, NULL, "cannot configure libcurl: %s",
			curl_easy_strerror(cc));
		goto out;
	}
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		/* Only curl's own text and the SMTP reply code: the server's reply
		 * text may echo the recipient address, and the URL may hold a
		 * password, so neither goes into an error that gets stored. */
		long code = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		if (code)
			err_set(e, ERR_UNAVAILABLE, "smtp_failed", "SMTP: %s (reply %ld)",
				curl_easy_strerror(cc), code);
		else
			err_set(e, ERR_UNAVAILABLE, "smtp_failed", "SMTP: %s",
				curl_easy_strerror(cc));
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(rcpt);
	if (curl)
		curl_easy_cleanup(curl);
	return rc;
}

/* ---- spool ---- */

/* The id becomes a file name, so it may hold only characters that cannot
 * form a path ("..", "/") or surprise a shell. */
static int spool_id_ok(const char *id)
{
	size_t n = strnlen(id, MAIL_SPOOL_ID_MAX + 1);
	if (n == 0 || n > MAIL_SPOOL_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int ensure_dir(const char *path, struct err *e)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return err_set(e, ERR_INTERNAL, NULL, "cannot create spool directory: %s",
		       strerror(errno));
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int mail_spool(const char *spool_dir, const char *id, const char *message,
	       struct err *e)
{
	int rc = -1, fd = -1, dfd = -1;
	char dir[MAIL_PATH_MAX], tmp[MAIL_PATH_MAX], final[MAIL_PATH_MAX];
	int tmp_made = 0;

	if (!spool_dir || !*spool_dir || !id || !spool_id_ok(id) || !message) {
		err_set(e, ERR_INTERNAL, NULL, "bad spool directory, id or message");
		goto out;
	}
	if ((size_t)snprintf(dir, sizeof dir, "%s/mail", spool_dir) >= sizeof dir ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, id) >= sizeof tmp ||
	    (size_t)snprintf(final, sizeof final, "%s/%s.eml", dir, id) >= sizeof final) {
		err_set(e, ERR_INTERNAL, NULL, "spool path too long");
		goto out;
	}
	if (ensure_dir(spool_dir, e) < 0 || ensure_dir(dir, e) < 0)
		goto out;
	/* mkstemp creates the file 0600, whatever the umask */
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot create spool file: %s",
			strerror(errno));
		goto out;
	}
	tmp_made = 1;
	if (write_all(fd, message, strlen(message)) < 0 || fsync(fd) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot write spool file: %s",
			strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set(e, ERR_INTERNAL, NULL, "cannot close spool file: %s",
			strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, final) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot rename spool file: %s",
			strerror(errno));
		goto out;
	}
	tmp_made = 0;
	/* the rename is durable only once the directory itself is synced */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot sync spool directory: %s",
			strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlink(tmp);
	return rc;
}
