/* fuzz_validate.c — the field checks of src/domain/validate.c
 * (validate_text, validate_email, validate_birth_date, validate_phone) and
 * clock_parse_date() (src/core/clock.c), each on the input as a
 * NUL-terminated string (exact-size heap copy). For validate_text the
 * min/max bounds come from the first two bytes, and the text is the rest.
 *
 * Invariants beyond "no crash":
 *   - every check returns 0 or -1; -1 is ERR_INVALID naming the field given;
 *   - validate_text accepts exactly the strings of min..max bytes, without
 *     control characters (< 0x20, 0x7f), not starting or ending with a
 *     space, that are well-formed UTF-8 per Unicode table 3-7 (an
 *     independent byte-range implementation: no overlongs, no surrogates,
 *     nothing above U+10FFFF);
 *   - an accepted email has exactly one '@', is ASCII without spaces and at
 *     most 254 bytes;
 *   - an accepted phone is '+' and 6..15 digits with spaces only;
 *   - clock_parse_date accepts only "YYYY-MM-DD", and the days it returns
 *     are the same date: gmtime_r(days * 86400) prints the input back;
 *   - an accepted birth date parses and is from 1900-01-01 up to today. */
#include "core/clock.h"
#include "domain/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_check.h"


static void check_err(int rc, const struct err *e, const char *field)
{
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(e->code == ERR_INVALID);
		CHECK(strcmp(e->field, field) == 0);
		CHECK(e->msg[0] != '\0');
	}
}

/* Well-formed UTF-8 by Unicode 15, table 3-7. */
static int ref_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t k;
		if (b <= 0x7f) { i++; continue; }
		else if (b >= 0xc2 && b <= 0xdf) k = 1;
		else if (b == 0xe0) { k = 2; lo = 0xa0; }
		else if (b >= 0xe1 && b <= 0xec) k = 2;
		else if (b == 0xed) { k = 2; hi = 0x9f; }
		else if (b >= 0xee && b <= 0xef) k = 2;
		else if (b == 0xf0) { k = 3; lo = 0x90; }
		else if (b >= 0xf1 && b <= 0xf3) k = 3;
		else if (b == 0xf4) { k = 3; hi = 0x8f; }
		else return 0;
		if (i + 1 + k > n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return 0;
		i += 1 + k;
	}
	return 1;
}

static int ref_text(const char *s, size_t min, size_t max)
{
	size_t len = strlen(s);
	if (len < min || len > max)
		return 0;
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return ref_utf8((const unsigned char *)s, len);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t min = data[0] % 8, max = min + data[1] * 4u;
	char *s = malloc(size - 1);
	CHECK(s);
	memcpy(s, data + 2, size - 2);
	s[size - 2] = '\0';
	struct err e;
	err_clear(&e);
	int rc = validate_text(s, "name", min, max, &e);
	check_err(rc, &e, "name");
	CHECK((rc == 0) == ref_text(s, min, max));
	free(s);
}

static void fuzz_strings(const char *s)
{
	struct err e;
	int rc;

	err_clear(&e);
	rc = validate_email(s, "email", &e);
	check_err(rc, &e, "email");
	if (rc == 0) {
		size_t len = strlen(s);
		CHECK(len <= 254);
		const char *at = strchr(s, '@');
		CHECK(at && at != s && !strchr(at + 1, '@'));
		for (const char *p = s; *p; p++)
			CHECK((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f);
	}

	err_clear(&e);
	rc = validate_phone(s, "phone", &e);
	check_err(rc, &e, "phone");
	if (rc == 0) {
		CHECK(s[0] == '+');
		int digits = 0;
		for (const char *p = s + 1; *p; p++) {
			CHECK((*p >= '0' && *p <= '9') || *p == ' ');
			digits += *p != ' ';
		}
		CHECK(digits >= 6 && digits <= 15);
	}

	int64_t days = INT64_MIN;
	rc = clock_parse_date(s, &days);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		CHECK(strlen(s) == 10);
		time_t t = (time_t)(days * 86400);
		struct tm tm;
		CHECK(gmtime_r(&t, &tm) != NULL);
		char back[32];
		snprintf(back, sizeof back, "%04d-%02d-%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
		if (strcmp(back, s) != 0) {
			fprintf(stderr, "clock_parse_date(\"%s\") = %lld days = %s\n", s,
				(long long)days, back);
			CHECK(!"clock_parse_date gives another date");
		}
	}

	err_clear(&e);
	int brc = validate_birth_date(s, "birth_date", &e);
	check_err(brc, &e, "birth_date");
	if (brc == 0) {
		CHECK(rc == 0);
		CHECK(memcmp(s, "1900-01-01", 10) >= 0);
		CHECK(days <= clock_now() / 86400);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_strings(s);
	free(s);
	fuzz_text(data, size);
	return 0;
}
