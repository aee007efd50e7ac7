/* validate.c — see validate.h. */
#include "domain/validate.h"

#include "core/clock.h"

#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (1..4), or 0 when invalid. Refuses
 * overlong forms and surrogates. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	unsigned cp;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	static const unsigned min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int validate_text(const char *s, const char *field, size_t min, size_t max, struct err *e)
{
	if (!s)
		return err_field(e, field, "%s is required", field);
	size_t len = strlen(s);
	if (len < min)
		return err_field(e, field, "%s is required", field);
	if (len > max)
		return err_field(e, field, "%s is longer than %zu bytes", field, max);
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		return err_field(e, field, "%s must not start or end with a space", field);
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return err_field(e, field, "%s contains a control character", field);
		size_t n = utf8_seq(p + i, len - i);
		if (!n)
			return err_field(e, field, "%s is not valid UTF-8", field);
		i += n;
	}
	return 0;
}

int validate_email(const char *s, const char *field, struct err *e)
{
	if (!s || !*s)
		return err_field(e, field, "%s is required", field);
	size_t len = strlen(s);
	const char *at = strchr(s, '@');
	if (len > 254 || !at || at == s || strchr(at + 1, '@'))
		return err_field(e, field, "%s is not an email address", field);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("()<>,;:\\\"[]", c))
			return err_field(e, field, "%s is not an email address", field);
	}
	const char *domain = at + 1;
	const char *dot = strrchr(domain, '.');
	if (at - s > 64 || !dot || dot == domain || dot[1] == '\0' || strstr(domain, "..") ||
	    domain[0] == '.' || strlen(dot + 1) < 2)
		return err_field(e, field, "%s is not an email address", field);
	return 0;
}

int validate_birth_date(const char *s, const char *field, struct err *e)
{
	int64_t days, min_days;
	if (!s || clock_parse_date(s, &days) < 0)
		return err_field(e, field, "%s must be a real date written YYYY-MM-DD", field);
	clock_parse_date("1900-01-01", &min_days);
	if (days > clock_now() / 86400)
		return err_field(e, field, "%s is in the future", field);
	if (days < min_days)
		return err_field(e, field, "%s is before 1900", field);
	return 0;
}

int validate_phone(const char *s, const char *field, struct err *e)
{
	if (!s || s[0] != '+')
		return err_field(e, field, "%s must start with + and the country code", field);
	int digits = 0;
	for (const char *p = s + 1; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != ' ')
			return err_field(e, field, "%s may hold only digits and spaces after +", field);
	}
	if (digits < 6 || digits > 15)
		return err_field(e, field, "%s must have 6 to 15 digits", field);
	return 0;
}

int validate_one_of(const char *s, const char *field, const char *const *allowed, struct err *e)
{
	char list[200] = "";
	size_t used = 0;
	for (size_t i = 0; allowed[i]; i++) {
		if (s && strcmp(s, allowed[i]) == 0)
			return 0;
		int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
		if (n > 0 && (size_t)n < sizeof list - used)
			used += (size_t)n;
	}
	return err_field(e, field, "%s must be one of: %s", field, list);
}
