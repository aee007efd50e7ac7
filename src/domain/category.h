/* category.h — the document categories, read from data/categories.json at
 * start-up: a stable code per category and its German and English labels. */
#ifndef AKTE_DOMAIN_CATEGORY_H
#define AKTE_DOMAIN_CATEGORY_H

#include "core/err.h"

#include <jansson.h>

int category_rules_load(const char *rules_dir, struct err *e);
/* 1 when code names a category. */
int category_exists(const char *code);
/* {"de": ..., "en": ...} for a known code, NULL otherwise; caller owns it. */
json_t *category_labels(const char *code);
/* Checks a category field: 0, or ERR_INVALID on field naming the codes. */
int category_check(const char *code, const char *field, struct err *e);

#endif
