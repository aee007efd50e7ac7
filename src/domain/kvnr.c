/* kvnr.c — checking a Krankenversichertennummer against the rule in
 * data/kvnr.json (see kvnr.h).
 *
 * The facts (length, how many letters, the weights, the modulus) live in the
 * data file next to their source, so that a reader can check them against
 * the GKV-Spitzenverband's guidelines without reading C; this file only
 * knows the shape of the rule: letters become their alphabet position as a
 * fixed number of digits, each digit is weighted, each product is replaced
 * by its cross sum, and the sum modulo the modulus is the last digit.
 *
 * The rules are loaded once at start-up and only read afterwards. At load
 * the file's own examples are checked with the loaded rule, so a mistaken
 * edit of the data fails at start-up instead of refusing real numbers. */
#include "domain/kvnr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KVNR_FILE_MAX ((size_t)64 * 1024)
#define KVNR_LEN_MAX 32
#define KVNR_WEIGHTS_MAX 64

struct kvnr_rules {
	int loaded;
	int length;  /* characters in all */
	int letters; /* leading letters A-Z */
	int digits;  /* digits after them, the last being the check digit */
	int letter_first; /* value of 'A' */
	int letter_width; /* digits per letter */
	int weights[KVNR_WEIGHTS_MAX];
	int nweights;
	int modulus;
};

static struct kvnr_rules kvnr_rules;

/* Reads an integer member within [lo, hi]; -1 when missing or out of range. */
static int kvnr_get_int(json_t *obj, const char *key, int lo, int hi, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return -1;
	json_int_t i = json_integer_value(v);
	if (i < lo || i > hi)
		return -1;
	*out = (int)i;
	return 0;
}

/* The check digit the rule gives for s (already known to have the right
 * format), or -1. */
static int kvnr_check_digit(const struct kvnr_rules *r, const char *s)
{
	int seq[KVNR_WEIGHTS_MAX] = {0};
	int n = 0, sum = 0;

	for (int i = 0; i < r->letters; i++) {
		int v = s[i] - 'A' + r->letter_first;
		/* Write v as exactly letter_width decimal digits. */
		for (int k = r->letter_width - 1; k >= 0; k--) {
			if (n + k >= KVNR_WEIGHTS_MAX)
				return -1;
			seq[n + k] = v % 10;
			v /= 10;
		}
		if (v != 0)
			return -1; /* did not fit the width */
		n += r->letter_width;
	}
	for (int i = r->letters; i < r->length - 1; i++) {
		if (n >= KVNR_WEIGHTS_MAX)
			return -1;
		seq[n++] = s[i] - '0';
	}
	if (n != r->nweights)
		return -1;
	for (int i = 0; i < n; i++) {
		int p = seq[i] * r->weights[i];
		while (p > 0) { /* cross sum of the product */
			sum += p % 10;
			p /= 10;
		}
	}
	return sum % r->modulus;
}

/* Format only: letters, then digits, nothing else, exact length. */
static int kvnr_format_ok(const struct kvnr_rules *r, const char *s)
{
	if (strnlen(s, KVNR_LEN_MAX + 1) != (size_t)r->length)
		return 0;
	for (int i = 0; i < r->length; i++) {
		char c = s[i];
		if (i < r->letters ? !(c >= 'A' && c <= 'Z')
				   : !(c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

static int kvnr_check_with(const struct kvnr_rules *r, const char *s,
			   struct err *e)
{
	if (!s || !kvnr_format_ok(r, s))
		return err_field(e, "kvnr",
				 "must be %d characters: %d capital letter(s) "
				 "A-Z followed by %d digits, no spaces",
				 r->length, r->letters, r->digits);
	if (kvnr_check_digit(r, s) != s[r->length - 1] - '0')
		return err_field(e, "kvnr",
				 "check digit does not match: please compare "
				 "with the insurance card");
	return 0;
}

/* Reads at most KVNR_FILE_MAX bytes of path and parses them. */
static json_t *kvnr_read_json(const char *path, struct err *e)
{
	json_t *root = NULL;
	json_error_t jerr;
	char *text = NULL;
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (!f) {
		err_set(e, ERR_INTERNAL, NULL, "cannot open %s", path);
		return NULL;
	}
	/* One byte more than allowed, to notice a file that is too large. */
	text = malloc(KVNR_FILE_MAX + 1);
	if (!text) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	n = fread(text, 1, KVNR_FILE_MAX + 1, f);
	if (ferror(f)) {
		err_set(e, ERR_INTERNAL, NULL, "cannot read %s", path);
		goto out;
	}
	if (n > KVNR_FILE_MAX) {
		err_set(e, ERR_INTERNAL, NULL, "%s is larger than %zu bytes",
			path, KVNR_FILE_MAX);
		goto out;
	}
	root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		err_set(e, ERR_INTERNAL, NULL, "%s:%d: %s", path, jerr.line,
			jerr.text);
out:
	free(text);
	fclose(f);
	return root;
}

/* Every example in the file must come out as the file says. */
static int kvnr_check_examples(const struct kvnr_rules *r, json_t *root,
			       const char *path, struct err *e)
{
	json_t *ex = json_object_get(root, "examples");
	json_t *v;
	size_t i;

	if (!ex)
		return 0;
	json_array_foreach(json_object_get(ex, "valid"), i, v) {
		if (!json_is_string(v) ||
		    kvnr_check_with(r, json_string_value(v), NULL) != 0)
			return err_set(e, ERR_INTERNAL, NULL,
				       "%s: example %zu of \"valid\" fails the rule",
				       path, i);
	}
	json_array_foreach(json_object_get(ex, "invalid_check_digit"), i, v) {
		const char *s = json_string_value(v);
		if (!s || !kvnr_format_ok(r, s) ||
		    kvnr_check_with(r, s, NULL) == 0)
			return err_set(e, ERR_INTERNAL, NULL,
				       "%s: example %zu of \"invalid_check_digit\" "
				       "is not one", path, i);
	}
	return 0;
}

int kvnr_rules_load(const char *rules_dir, struct err *e)
{
	struct kvnr_rules r = {0};
	char path[4096];
	json_t *root = NULL, *fmt, *cd, *w, *v;
	size_t i;
	int rc = -1;

	if (!rules_dir)
		return err_set(e, ERR_INTERNAL, NULL, "no rules directory");
	int pn = snprintf(path, sizeof path, "%s/kvnr.json", rules_dir);
	if (pn < 0 || (size_t)pn >= sizeof path)
		return err_set(e, ERR_INTERNAL, NULL, "rules path too long");
	root = kvnr_read_json(path, e);
	if (!root)
		goto out;

	fmt = json_object_get(root, "format");
	cd = json_object_get(root, "check_digit");
	if (kvnr_get_int(fmt, "length", 2, KVNR_LEN_MAX, &r.length) < 0 ||
	    kvnr_get_int(fmt, "letters", 0, KVNR_LEN_MAX, &r.letters) < 0 ||
	    kvnr_get_int(fmt, "digits", 1, KVNR_LEN_MAX, &r.digits) < 0 ||
	    kvnr_get_int(cd, "letter_first", 0, 99, &r.letter_first) < 0 ||
	    kvnr_get_int(cd, "letter_width", 1, 3, &r.letter_width) < 0 ||
	    /* At most 10, so that the result is one check digit. */
	    kvnr_get_int(cd, "modulus", 2, 10, &r.modulus) < 0) {
		err_set(e, ERR_INTERNAL, NULL,
			"%s: format.length/letters/digits or check_digit."
			"letter_first/letter_width/modulus missing or out of range",
			path);
		goto out;
	}
	if (r.letters + r.digits != r.length) {
		err_set(e, ERR_INTERNAL, NULL,
			"%s: letters + digits must equal length", path);
		goto out;
	}
	w = json_object_get(cd, "weights");
	if (!json_is_array(w) || json_array_size(w) > KVNR_WEIGHTS_MAX) {
		err_set(e, ERR_INTERNAL, NULL, "%s: check_digit.weights", path);
		goto out;
	}
	json_array_foreach(w, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 9) {
			err_set(e, ERR_INTERNAL, NULL,
				"%s: weights must be integers 0..9", path);
			goto out;
		}
		r.weights[i] = (int)json_integer_value(v);
	}
	r.nweights = (int)json_array_size(w);
	/* One weight per digit of the sequence: the letters' digits and all
	 * digits but the check digit. */
	if (r.nweights != r.letters * r.letter_width + r.digits - 1) {
		err_set(e, ERR_INTERNAL, NULL,
			"%s: %d weights, but the sequence has %d digits", path,
			r.nweights, r.letters * r.letter_width + r.digits - 1);
		goto out;
	}
	int limit = 1;
	for (int k = 0; k < r.letter_width; k++)
		limit *= 10;
	if (r.letters > 0 && r.letter_first + 25 >= limit) {
		err_set(e, ERR_INTERNAL, NULL,
			"%s: letter values do not fit letter_width", path);
		goto out;
	}
	if (kvnr_check_examples(&r, root, path, e) < 0)
		goto out;

	r.loaded = 1;
	kvnr_rules = r;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int kvnr_check(const char *kvnr, struct err *e)
{
	if (!kvnr_rules.loaded)
		return err_set(e, ERR_INTERNAL, NULL, "KVNR rules not loaded");
	return kvnr_check_with(&kvnr_rules, kvnr, e);
}
