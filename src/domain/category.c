/* category.c — see category.h. Loaded once before any thread starts and
 * read-only afterwards, so lookups need no lock. */
#include "domain/category.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define CATEGORY_MAX 64

static struct category {
	char code[32];
	char de[64];
	char en[64];
} categories[CATEGORY_MAX];
static int n_categories;

int category_rules_load(const char *rules_dir, struct err *e)
{
	char path[PATH_MAX];
	json_error_t je;
	snprintf(path, sizeof path, "%s/categories.json", rules_dir);
	json_t *root = json_load_file(path, 0, &je);
	json_t *list = json_object_get(root, "categories");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > CATEGORY_MAX) {
		json_decref(root);
		return err_set(e, ERR_INTERNAL, "rules", "%s: no usable category list (%s)", path,
			       root ? "categories missing" : je.text);
	}
	size_t i;
	json_t *c;
	n_categories = 0;
	json_array_foreach(list, i, c) {
		const char *code = json_string_value(json_object_get(c, "code"));
		const char *de = json_string_value(json_object_get(c, "de"));
		const char *en = json_string_value(json_object_get(c, "en"));
		if (!code || !de || !en || strlen(code) >= sizeof categories[0].code ||
		    strlen(de) >= sizeof categories[0].de || strlen(en) >= sizeof categories[0].en) {
			json_decref(root);
			return err_set(e, ERR_INTERNAL, "rules", "%s: entry %zu is incomplete", path, i);
		}
		struct category *k = &categories[n_categories++];
		snprintf(k->code, sizeof k->code, "%s", code);
		snprintf(k->de, sizeof k->de, "%s", de);
		snprintf(k->en, sizeof k->en, "%s", en);
	}
	json_decref(root);
	return 0;
}

static const struct category *category_find(const char *code)
{
	for (int i = 0; code && i < n_categories; i++)
		if (strcmp(categories[i].code, code) == 0)
			return &categories[i];
	return NULL;
}

int category_exists(const char *code)
{
	return category_find(code) != NULL;
}

json_t *category_labels(const char *code)
{
	const struct category *k = category_find(code);
	return k ? json_pack("{s:s,s:s}", "de", k->de, "en", k->en) : NULL;
}

int category_check(const char *code, const char *field, struct err *e)
{
	if (category_exists(code))
		return 0;
	char list[512] = "";
	size_t used = 0;
	for (int i = 0; i < n_categories; i++) {
		int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
				 categories[i].code);
		if (n > 0 && (size_t)n < sizeof list - used)
			used += (size_t)n;
	}
	return err_field(e, field, "%s must be one of: %s", field, list);
}
