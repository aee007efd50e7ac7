/* test_outbox.c — unit tests of notify/outbox.c on a real SQLite database in
 * a temporary data directory: enqueue checks its input, the worker spools a
 * due mail and marks it sent (emptying the body), and a mail whose SMTP
 * server is unreachable is retried with backoff, its error recorded, and
 * given up after outbox_max_attempts. Delivery to a real SMTP server, and
 * survival across a restart, are covered by tests/integration/test_outbox.py. */
#include "notify/outbox.h"

#include "core/clock.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../testdir.h"

#define WAIT_MS 10000

struct fixture {
	char dir[512];
	struct sql *db;
	struct config cfg;
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *base = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/akte-test-outbox-XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	struct err e = {0};
	f->db = sql_open(f->dir, &e);
	if (!f->db) {
		fprintf(stderr, "sql_open: %s\n", e.msg);
		return -1;
	}
	sql_thread_setup(f->dir);
	config_defaults(&f->cfg);
	snprintf(f->cfg.data, sizeof f->cfg.data, "%s", f->dir);
	f->cfg.smtp_url[0] = '\0';
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	outbox_stop();
	sql_close(f->db);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* One row's status, attempts and whether its body is empty, by recipient. */
struct row {
	char status[16];
	int64_t attempts, next_at, sent_at;
	char last_error[256];
	int body_empty;
	char id[64];
};

static int get_row(struct sql *db, const char *to, struct row *r)
{
	struct sql_stmt *st = sql_prepare(
		db,
		"SELECT status, attempts, next_at, sent_at, last_error, body = '', id"
		" FROM outbox WHERE recipient = ?",
		NULL);
	assert_non_null(st);
	sql_bind_text(st, 1, to);
	int rc = sql_step(st, NULL);
	if (rc == SQL_ROW) {
		snprintf(r->status, sizeof r->status, "%s", sql_col_text(st, 0));
		r->attempts = sql_col_int(st, 1);
		r->next_at = sql_col_int(st, 2);
		r->sent_at = sql_col_int(st, 3);
		snprintf(r->last_error, sizeof r->last_error, "%s", sql_col_text(st, 4));
		r->body_empty = (int)sql_col_int(st, 5);
		snprintf(r->id, sizeof r->id, "%s", sql_col_text(st, 6));
	}
	sql_finalize(st);
	return rc == SQL_ROW ? 0 : -1;
}

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

static void test_enqueue_checks_input(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	assert_int_equal(outbox_enqueue(f->db, "a@b.example\r\nBcc: c@d.example",
					"hi", "x", &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_int_equal(outbox_enqueue(f->db, "a@b.example", "hi\nthere", "x", &e), -1);
	assert_int_equal(outbox_enqueue(f->db, "nobody", "hi", "x", &e), -1);
	assert_int_equal(outbox_queue_length(f->db), 0);

	assert_int_equal(outbox_enqueue(f->db, "a@b.example", "Grüße", "Link: x", &e), 0);
	assert_int_equal(outbox_enqueue(f->db, "c@d.example", "hi", "x", &e), 0);
	assert_int_equal(outbox_queue_length(f->db), 2);
	struct row r;
	assert_int_equal(get_row(f->db, "a@b.example", &r), 0);
	assert_string_equal(r.status, "queued");
	assert_int_equal(r.attempts, 0);
	assert_true(r.next_at <= clock_now());
	assert_int_equal(strlen(r.id), 26);
}

static void test_worker_spools_and_marks_sent(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	assert_int_equal(outbox_enqueue(f->db, "p@example.org", "Gerät bestätigen",
					"https://x.example/confirm?token=abc", &e), 0);
	assert_int_equal(outbox_start(&f->cfg, &e), 0);
	outbox_kick();

	struct row r = {0};
	for (int waited = 0;; waited += 20) {
		assert_int_equal(get_row(f->db, "p@example.org", &r), 0);
		if (strcmp(r.status, "sent") == 0)
			break;
		if (waited > WAIT_MS)
			fail_msg("still %s after %d ms", r.status, WAIT_MS);
		sleep_ms(20);
	}
	assert_int_equal(r.attempts, 1);
	assert_true(r.sent_at > 0);
	assert_true(r.body_empty); /* the link is not kept once delivered */
	assert_int_equal(outbox_queue_length(f->db), 0);

	char path[1024];
	snprintf(path, sizeof path, "%s/spool/mail/%s.eml", f->dir, r.id);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	outbox_stop();
	outbox_stop(); /* idempotent */
}

static void test_worker_retries_then_gives_up(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	snprintf(f->cfg.smtp_url, sizeof f->cfg.smtp_url, "smtp://127.0.0.1:%d",
		 free_port());
	f->cfg.outbox_retry_base = 1;
	f->cfg.outbox_max_attempts = 3;
	assert_int_equal(outbox_enqueue(f->db, "q@example.org", "hi", "secret link", &e), 0);
	assert_int_equal(outbox_start(&f->cfg, &e), 0);

	/* attempt 1 at once, 2 after 1 s, 3 after 2 s more: then failed */
	struct row r = {0};
	int64_t seen_next = 0;
	for (int waited = 0;; waited += 20) {
		assert_int_equal(get_row(f->db, "q@example.org", &r), 0);
		if (r.attempts == 1 && !seen_next) {
			seen_next = r.next_at;
			assert_string_equal(r.status, "queued");
			assert_true(r.last_error[0] != '\0');
			assert_null(strstr(r.last_error, "127.0.0.1"));
			assert_false(r.body_empty); /* kept for the retry */
		}
		if (strcmp(r.status, "failed") == 0)
			break;
		if (waited > WAIT_MS)
			fail_msg("still %s after %lld attempts", r.status,
				 (long long)r.attempts);
		sleep_ms(20);
	}
	assert_true(seen_next > 0);
	assert_int_equal(r.attempts, 3);
	assert_true(r.body_empty);
	assert_int_equal(outbox_queue_length(f->db), 0);
	outbox_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enqueue_checks_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_spools_and_marks_sent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_worker_retries_then_gives_up, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
