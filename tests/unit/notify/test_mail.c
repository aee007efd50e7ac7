/* test_mail.c — unit tests of notify/mail.c: the exact shape of a formatted
 * message (headers, quoted-printable, encoded subject), refusal of header
 * injection, the spool's file modes, and SMTP delivery to a real server
 * (aiosmtpd, started here as a child process) as well as to a closed port.
 * The outbox worker needs a database and is tested end to end in
 * tests/integration/test_outbox.py. */
#include "notify/mail.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../testdir.h"

/* Debian's python with its aiosmtpd; the one first on PATH may differ. */
#define PYTHON "/usr/bin/python3"
#define SMTP_WAIT_MS 10000

static const char *FROM = "akte <noreply@akte.example>";
static const char *TO = "patient@example.org";

/* ---- helpers ---- */

static char *fmt_ok(const char *from, const char *to, const char *subject,
		    const char *body)
{
	struct err e = {0};
	char *m = mail_format(from, to, subject, body, &e);
	if (!m)
		fail_msg("mail_format failed: %s", e.msg);
	return m;
}

/* The header block (up to the empty line), NUL-terminated, malloc'd. */
static char *headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	return strndup(msg, (size_t)(end - msg) + 2);
}

static const char *body_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	return end + 4;
}

/* Every LF is preceded by CR, and every line is at most 78 + CRLF long. */
static void assert_crlf_and_short_lines(const char *msg)
{
	size_t col = 0;
	for (const char *p = msg; *p; p++) {
		if (*p == '\n') {
			assert_true(p > msg && p[-1] == '\r');
			col = 0;
		} else if (*p != '\r') {
			col++;
			assert_true(col <= 78);
		}
	}
}

static void rm_tree(const char *dir)
{
	testdir_remove(dir);
}

static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof tmpl, "%s/akte-test-mail-XXXXXX",
		 base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

/* A port that was free a moment ago (the kernel does not hand it out again
 * at once). */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((unsigned short)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- mail_format ---- */

static void test_format_headers(void **state)
{
	(void)state;
	char *m = fmt_ok(FROM, TO, "Confirm your device", "Hello\nbye\n");
	char *h = headers_of(m);
	assert_non_null(strstr(h, "From: akte <noreply@akte.example>\r\n"));
	assert_non_null(strstr(h, "To: patient@example.org\r\n"));
	assert_non_null(strstr(h, "Subject: Confirm your device\r\n"));
	assert_non_null(strstr(h, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(h, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(h, "Content-Transfer-Encoding: quoted-printable\r\n"));

	/* Date: "Thu, 27 Nov 2026 18:30:00 +0000" */
	const char *d = strstr(h, "\r\nDate: ");
	assert_non_null(d);
	char wday[4], mon[4], zone[6];
	int day, year, hh, mm, ss;
	assert_int_equal(sscanf(d + 8, "%3s, %d %3s %d %d:%d:%d %5s", wday, &day,
				mon, &year, &hh, &mm, &ss, zone),
			 8);
	assert_int_equal(d[11], ',');
	assert_true(strstr("SunMonTueWedThuFriSat", wday) != NULL);
	assert_true(strstr("JanFebMarAprMayJunJulAugSepOctNovDec", mon) != NULL);
	assert_true(year >= 2024);
	assert_string_equal(zone, "+0000");

	/* Message-ID: <…@akte.example>, and different for each message */
	const char *id = strstr(h, "\r\nMessage-ID: <");
	assert_non_null(id);
	const char *gt = strchr(id, '>');
	assert_non_null(gt);
	assert_memory_equal(gt - 13, "@akte.example", 13);
	char *m2 = fmt_ok(FROM, TO, "Confirm your device", "Hello\nbye\n");
	char *h2 = headers_of(m2);
	const char *id2 = strstr(h2, "\r\nMessage-ID: <");
	assert_non_null(id2);
	assert_true(strncmp(id, id2, (size_t)(gt - id)) != 0);

	assert_string_equal(body_of(m), "Hello\r\nbye\r\n");
	assert_crlf_and_short_lines(m);
	free(h2);
	free(m2);
	free(h);
	free(m);
}

static void test_format_qp_umlauts(void **state)
{
	(void)state;
	char *m = fmt_ok(FROM, TO, "x", "Grüße aus Köln\r\nÄrztin = da");
	/* CRLF and LF input give the same output; a body without a final line
	 * end gets one */
	assert_string_equal(body_of(m), "Gr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n"
					"=C3=84rztin =3D da\r\n");
	free(m);
}

static void test_format_qp_edges(void **state)
{
	(void)state;
	/* trailing whitespace and a leading dot are escaped; other spaces not */
	char *m = fmt_ok(FROM, TO, "x", "a b \n.\n\tx\t\n");
	assert_string_equal(body_of(m), "a b=20\r\n=2E\r\n\tx=09\r\n");
	free(m);

	/* a long line is broken softly within 76 columns, never inside =XX */
	char body[401];
	for (int i = 0; i < 400; i++)
		body[i] = i % 7 == 0 ? '=' : 'a';
	body[400] = '\0';
	m = fmt_ok(FROM, TO, "x", body);
	const char *b = body_of(m);
	size_t col = 0;
	for (const char *p = b; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true(col <= 76);
			col = 0;
			p++;
			continue;
		}
		col++;
	}
	/* undoing the soft breaks gives back the escaped text */
	char *joined = calloc(1, strlen(b) + 1);
	size_t n = 0;
	for (const char *p = b; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
			continue;
		}
		joined[n++] = *p;
	}
	size_t eq = 0;
	for (const char *p = joined; (p = strstr(p, "=3D")); p += 3)
		eq++;
	assert_int_equal(eq, 58); /* 0, 7, …, 399 */
	free(joined);
	free(m);

	/* empty body: just a line end */
	m = fmt_ok(FROM, TO, "x", "");
	assert_string_equal(body_of(m), "\r\n");
	free(m);
}

static void test_format_encoded_subject(void **state)
{
	(void)state;
	char *m = fmt_ok(FROM, TO, "Gerät bestätigen", "x");
	char *h = headers_of(m);
	assert_non_null(strstr(h, "\r\nSubject: =?UTF-8?B?R2Vyw6R0IGJlc3TDpHRpZ2Vu?=\r\n"));
	free(h);
	free(m);

	/* a long subject becomes several words, each ≤ 75 chars on lines of
	 * ≤ 76, folded, and none cuts a character: the first word has room for
	 * 39 bytes after "Subject: " and takes 38, the others 44 of 45 */
	char subj[301] = "";
	for (int i = 0; i < 150; i++)
		strcat(subj, "ä");
	m = fmt_ok(FROM, TO, subj, "x");
	h = headers_of(m);
	const char *s = strstr(h, "Subject: ");
	assert_non_null(s);
	int words = 0;
	for (const char *p = s; (p = strstr(p, "=?UTF-8?B?")); p += 10) {
		const char *end = strstr(p, "?=");
		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		words++;
	}
	assert_int_equal(words, 7); /* 38 + 5 * 44 + 42 */
	for (const char *line = s;;) {
		const char *eol = strstr(line, "\r\n");
		assert_non_null(eol);
		assert_true(eol - line <= 76);
		if (eol[2] != ' ')
			break;
		line = eol + 2;
	}
	assert_non_null(strstr(s, "?=\r\n =?UTF-8?B?"));
	assert_crlf_and_short_lines(m);
	free(h);
	free(m);

	/* ASCII that looks like an encoded word is encoded, not passed on */
	m = fmt_ok(FROM, TO, "=?UTF-8?B?QQ==?=", "x");
	assert_null(strstr(m, "Subject: =?UTF-8?B?QQ==?=\r\n"));
	free(m);

	/* a non-ASCII display name in From is encoded, the address kept */
	m = fmt_ok("Praxis Müller <praxis@akte.example>", TO, "x", "x");
	assert_non_null(strstr(m, "From: =?UTF-8?B?"));
	assert_non_null(strstr(m, "?= <praxis@akte.example>\r\n"));
	free(m);
}

static void test_format_refuses_injection(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to, *subject, *body, *field;
	} bad[] = {
		{"a@b.example", "x@y.example", "hi\r\nBcc: evil@z.example", "x", "subject"},
		{"a@b.example", "x@y.example", "hi\nBcc: evil@z.example", "x", "subject"},
		{"a@b.example", "x@y.example", "hi\rthere", "x", "subject"},
		{"a@b.example", "x@y.example\r\nBcc: evil@z.example", "hi", "x", "to"},
		{"a@b.example", "x@y.example\n", "hi", "x", "to"},
		{"a@b.example\r\nX-Evil: 1", "x@y.example", "hi", "x", "from"},
		{"a@b.example", "x@y.example, evil@z.example", "hi", "x", "to"},
		{"a@b.example", "Doe, John <x@y.example>", "hi", "x", "to"},
		{"a@b.example", "x@y.example; evil@z.example", "hi", "x", "to"},
		{"a@b.example", "not an address", "hi", "x", "to"},
		{"a@b.example", "", "hi", "x", "to"},
		{"a@b.example", "x@y.example", "", "x", "subject"},
		{"a@b.example", "x@y.example", "bad \xc3(", "x", "subject"},
		{"a@b.example", "x@y.example", "hi", "bad \xff utf-8", "body"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct err e = {0};
		char *m = mail_format(bad[i].from, bad[i].to, bad[i].subject,
				      bad[i].body, &e);
		if (m)
			fail_msg("case %zu was accepted", i);
		assert_int_equal(e.code, ERR_INVALID);
		assert_string_equal(e.field, bad[i].field);
	}
	/* too large a body */
	char *big = malloc(70000);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	struct err e = {0};
	assert_null(mail_format(FROM, TO, "x", big, &e));
	assert_string_equal(e.field, "body");
	free(big);
}

/* ---- mail_spool ---- */

static void test_spool(void **state)
{
	(void)state;
	char *tmp = make_tmpdir();
	char spool[600], path[700];
	snprintf(spool, sizeof spool, "%s/spool", tmp);
	mode_t old = umask(0);
	struct err e = {0};
	char *m = fmt_ok(FROM, TO, "Spooled", "body text");
	int rc = mail_spool(spool, "abc123", m, &e);
	umask(old);
	assert_int_equal(rc, 0);

	struct stat st;
	assert_int_equal(stat(spool, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof path, "%s/mail", spool);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof path, "%s/mail/abc123.eml", spool);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal((size_t)st.st_size, strlen(m));

	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *got = calloc(1, (size_t)st.st_size + 1);
	assert_int_equal(fread(got, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	assert_string_equal(got, m);
	free(got);

	/* no temporary file is left behind */
	snprintf(path, sizeof path, "%s/mail", spool);
	DIR *dir = opendir(path);
	assert_non_null(dir);
	int files = 0;
	for (struct dirent *d; (d = readdir(dir));)
		if (d->d_name[0] != '.' || strncmp(d->d_name, ".abc", 4) == 0)
			files++;
	closedir(dir);
	assert_int_equal(files, 1);

	/* ids are names, never paths */
	assert_int_equal(mail_spool(spool, "../evil", m, &e), -1);
	assert_int_equal(mail_spool(spool, "", m, &e), -1);
	assert_int_equal(mail_spool(spool, "a/b", m, &e), -1);

	free(m);
	rm_tree(tmp);
	free(tmp);
}

/* ---- mail_send_smtp against a real server ---- */

struct smtpd {
	pid_t pid;
	int port;
	char *dir;     /* temp dir; the Maildir is dir/box */
};

static int smtpd_setup(void **state)
{
	if (access(PYTHON, X_OK) != 0)
		return 0; /* the test skips */
	struct smtpd *s = calloc(1, sizeof *s);
	s->dir = make_tmpdir();
	s->port = free_port();
	char listen[64], box[600];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
	snprintf(box, sizeof box, "%s/box", s->dir);
	s->pid = fork();
	if (s->pid == 0) {
		execl(PYTHON, PYTHON, "-m", "aiosmtpd", "-n", "-l", listen, "-c",
		      "aiosmtpd.handlers.Mailbox", box, (char *)NULL);
		_exit(127);
	}
	assert_true(s->pid > 0);
	int waited = 0;
	while (!port_open(s->port)) {
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			fail_msg("aiosmtpd exited before listening (status %d)", status);
		if (waited >= SMTP_WAIT_MS)
			fail_msg("aiosmtpd did not listen within %d ms", SMTP_WAIT_MS);
		sleep_ms(50);
		waited += 50;
	}
	*state = s;
	return 0;
}

static int smtpd_teardown(void **state)
{
	struct smtpd *s = *state;
	if (!s)
		return 0;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	rm_tree(s->dir);
	free(s->dir);
	free(s);
	return 0;
}

/* The first message file in the Maildir, within SMTP_WAIT_MS, malloc'd. */
static char *maildir_first(const char *dir)
{
	char newdir[700];
	snprintf(newdir, sizeof newdir, "%s/box/new", dir);
	for (int waited = 0; waited < SMTP_WAIT_MS; waited += 50) {
		DIR *d = opendir(newdir);
		if (d) {
			struct dirent *ent;
			while ((ent = readdir(d))) {
				if (ent->d_name[0] == '.')
					continue;
				char path[1000];
				snprintf(path, sizeof path, "%s/%s", newdir, ent->d_name);
				closedir(d);
				FILE *f = fopen(path, "rb");
				assert_non_null(f);
				char *text = calloc(1, 1 << 20);
				size_t n = fread(text, 1, (1 << 20) - 1, f);
				text[n] = '\0';
				fclose(f);
				return text;
			}
			closedir(d);
		}
		sleep_ms(50);
	}
	return NULL;
}

static void test_smtp_delivers(void **state)
{
	struct smtpd *s = *state;
	if (!s)
		skip();
	char url[64];
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", s->port);
	char *m = fmt_ok(FROM, "Patientin <patient@example.org>", "Gerät bestätigen",
			 "Bitte bestätigen:\nhttps://akte.example/api/v1/devices/confirm?token=abc\n");
	struct err e = {0};
	int rc = mail_send_smtp(url, FROM, "Patientin <patient@example.org>", m, &e);
	if (rc != 0)
		fail_msg("mail_send_smtp: %s", e.msg);
	char *got = maildir_first(s->dir);
	assert_non_null(got);
	/* the envelope used the bare addresses */
	assert_non_null(strstr(got, "X-MailFrom: noreply@akte.example"));
	assert_non_null(strstr(got, "X-RcptTo: patient@example.org"));
	assert_non_null(strstr(got, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(got, "Bitte best=C3=A4tigen:"));
	assert_non_null(strstr(got, "confirm?token=3Dabc"));
	free(got);
	free(m);
}

static void test_smtp_unreachable(void **state)
{
	(void)state;
	char url[64];
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", free_port());
	char *m = fmt_ok(FROM, TO, "x", "x");
	struct err e = {0};
	assert_int_equal(mail_send_smtp(url, FROM, TO, m, &e), -1);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	/* the error names neither the URL nor the recipient */
	assert_null(strstr(e.msg, "127.0.0.1"));
	assert_null(strstr(e.msg, "patient"));

	/* only SMTP URLs are accepted */
	assert_int_equal(mail_send_smtp("http://127.0.0.1:1/", FROM, TO, m, &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	/* and only a bare recipient address reaches the envelope */
	assert_int_equal(mail_send_smtp(url, FROM, "a@b.example>\r\nRCPT TO:<c@d.example",
					m, &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	free(m);
}

int main(void)
{
	/* a child that dies must not kill the test with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_headers),
		cmocka_unit_test(test_format_qp_umlauts),
		cmocka_unit_test(test_format_qp_edges),
		cmocka_unit_test(test_format_encoded_subject),
		cmocka_unit_test(test_format_refuses_injection),
		cmocka_unit_test(test_spool),
		cmocka_unit_test_setup_teardown(test_smtp_delivers, smtpd_setup,
						smtpd_teardown),
		cmocka_unit_test(test_smtp_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
