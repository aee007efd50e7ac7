/* test_qr.c — unit tests of qr/qr.c. The PNG is read back by a real
 * scanner (zbarimg, from the ZBar project), since "looks like a PNG" says
 * nothing about whether a phone can read the code; the SVG and text outputs
 * are checked for shape and for what they must not contain. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "qr/qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define URL "http://127.0.0.1:8080/activate#code=7KQ2-M9XD-4HRT-0VJW-C3NP"

/* Writes png to a temporary file, runs zbarimg (with extra options opts)
 * on it and returns its output (malloc'd, without the trailing newline), or
 * NULL when zbarimg is not installed (exit 127). */
static char *zbar_read(const struct buf *png, const char *opts, int *missing)
{
	char path[] = "/tmp/akte-test-qr-XXXXXX.png";
	char cmd[160];
	struct buf out;
	char chunk[512];
	size_t n;
	FILE *p;
	int fd;

	*missing = 0;
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, png->data, png->len), (ssize_t)png->len);
	assert_int_equal(close(fd), 0);
	snprintf(cmd, sizeof cmd, "zbarimg --raw -q %s %s 2>/dev/null", opts,
		 path);
	p = popen(cmd, "r");
	assert_non_null(p);
	buf_init(&out, 1 << 16);
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
		assert_int_equal(buf_append(&out, chunk, n), 0);
	int st = pclose(p);
	unlink(path);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		*missing = 1;
		buf_free(&out);
		return NULL;
	}
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(out.data);
	while (out.len > 0 && out.data[out.len - 1] == '\n')
		out.data[--out.len] = '\0';
	char *s = strdup(out.data);
	buf_free(&out);
	return s;
}

static void png_roundtrip(const char *text, int scale, const char *opts)
{
	struct buf png;
	struct err e = {0};
	int missing;

	buf_init(&png, 0);
	assert_int_equal(qr_png(text, scale, &png, &e), 0);
	assert_true(png.len > 8);
	assert_memory_equal(png.data, "\x89PNG\r\n\x1a\n", 8);
	char *got = zbar_read(&png, opts, &missing);
	buf_free(&png);
	if (missing) {
		print_message("zbarimg not available: skipped\n");
		skip();
	}
	assert_string_equal(got, text);
	free(got);
}

static void test_png_scans(void **state)
{
	(void)state;
	png_roundtrip(URL, 4, "");
	png_roundtrip(URL, 1, "");
	png_roundtrip("A123456780", 8, "");
	/* 8-bit mode keeps the bytes. Without an ECI header a reader must
	 * guess their charset (zbar guesses Shift-JIS for these), so ask it
	 * for the bytes as they are: UTF-8 comes back as it went in. */
	png_roundtrip("Praxis Dr. M\xc3\xbcller", 3, "-Sbinary");
}

static void test_png_size(void **state)
{
	struct buf png;
	struct err e = {0};

	(void)state;
	buf_init(&png, 0);
	assert_int_equal(qr_png(URL, 5, &png, &e), 0);
	/* IHDR width and height (big-endian) at bytes 16..23: the symbol's
	 * width plus 2 x 4 quiet modules, times the scale */
	uint32_t w = (uint32_t)(unsigned char)png.data[16] << 24 |
		     (uint32_t)(unsigned char)png.data[17] << 16 |
		     (uint32_t)(unsigned char)png.data[18] << 8 |
		     (uint32_t)(unsigned char)png.data[19];
	assert_int_equal(w % 5, 0);
	assert_int_equal((w / 5 - 8 - 21) % 4, 0); /* versions grow by 4 */
	assert_int_equal(png.data[24], 8);          /* bit depth */
	assert_int_equal(png.data[25], 0);          /* greyscale */
	buf_free(&png);
}

static void test_limits(void **state)
{
	struct buf b;
	struct err e = {0};
	char *big = malloc(1026);

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(qr_png(URL, 0, &b, &e), -1);
	assert_int_equal(qr_png(URL, 33, &b, &e), -1);
	assert_int_equal(qr_png("", 4, &b, &e), -1);
	assert_int_equal(qr_png(NULL, 4, &b, &e), -1);
	assert_int_equal(qr_svg("", &b, &e), -1);
	assert_non_null(big);
	memset(big, 'a', 1025);
	big[1025] = '\0';
	assert_int_equal(qr_png(big, 1, &b, &e), -1);
	assert_int_equal(e.code, ERR_TOO_LARGE);
	assert_int_equal(qr_svg(big, &b, &e), -1);
	assert_int_equal(qr_text(big, 0, &b, &e), -1);
	/* exactly 1024 bytes is allowed (a version 40 symbol at level M
	 * holds 2331 bytes in 8-bit mode) */
	big[1024] = '\0';
	assert_int_equal(qr_svg(big, &b, &e), 0);
	assert_true(b.len > 0);
	free(big);
	buf_free(&b);
	/* a capped buffer reports, never overflows */
	buf_init(&b, 100);
	assert_int_equal(qr_svg(URL, &b, &e), -1);
	assert_int_equal(e.code, ERR_TOO_LARGE);
	buf_free(&b);
}

static void test_svg(void **state)
{
	struct buf b;
	struct err e = {0};

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(qr_svg(URL "<script>alert(1)</script>", &b, &e), 0);
	assert_true(strncmp(b.data, "<svg ", 5) == 0);
	assert_non_null(strstr(b.data, "</svg>"));
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "<style"));
	assert_null(strstr(b.data, "alert"));
	/* one path */
	const char *p = strstr(b.data, "<path");
	assert_non_null(p);
	assert_null(strstr(p + 1, "<path"));
	buf_free(&b);
}

/* Counts the characters (code points) of s up to the first newline. */
static size_t first_line_chars(const char *s)
{
	size_t n = 0;

	for (; *s && *s != '\n'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void test_text(void **state)
{
	struct buf b, inv;
	struct err e = {0};

	(void)state;
	buf_init(&b, 0);
	buf_init(&inv, 0);
	assert_int_equal(qr_text(URL, 0, &b, &e), 0);
	assert_int_equal(qr_text(URL, 1, &inv, &e), 0);

	size_t cols = first_line_chars(b.data);
	assert_true(cols >= 21 + 8 && cols <= 177 + 8);
	assert_int_equal((cols - 8 - 21) % 4, 0);
	size_t lines = 0;
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '\n')
			lines++;
	/* two module rows per line, rounded up */
	assert_int_equal(lines, (cols + 1) / 2);
	assert_int_equal(b.data[b.len - 1], '\n');
	/* every line has the same number of characters */
	for (const char *l = b.data; *l; l = strchr(l, '\n') + 1)
		assert_int_equal(first_line_chars(l), cols);

	/* Only the four cells. On a dark terminal the quiet zone is light
	 * modules, drawn as full blocks: the first line is all blocks; the
	 * inverted output leaves it blank. */
	assert_true(strncmp(b.data, "\u2588\u2588\u2588\u2588", 12) == 0);
	assert_true(strncmp(inv.data, "    ", 4) == 0);
	for (const char *s = b.data; *s; s++) {
		if (*s == ' ' || *s == '\n')
			continue;
		assert_true(strncmp(s, "\u2580", 3) == 0 ||
			    strncmp(s, "\u2584", 3) == 0 ||
			    strncmp(s, "\u2588", 3) == 0);
		s += 2;
	}
	buf_free(&b);
	buf_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_scans),
		cmocka_unit_test(test_png_size),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
