/* table.h — aligned columns for people: the record verbs' listings.
 *
 * Cells are copied; widths count UTF-8 characters, not bytes, so a title
 * with umlauts lines up. Control characters in cells are shown as '?': the
 * cells come from the server and must not move the terminal's cursor. */
#ifndef AKTE_CLI_TABLE_H
#define AKTE_CLI_TABLE_H

#include <jansson.h>
#include <stdio.h>

#define TABLE_MAX_COLS 8

struct table {
	int ncols;
	json_t *rows; /* array of arrays of strings, the header first */
};

/* A table with these column headings (ncols <= TABLE_MAX_COLS; heads NULL:
 * no heading row). -1 when out of memory. */
int table_init(struct table *t, int ncols, const char *const *heads);

/* Add a row of t->ncols cells; NULL cells print as "-". */
int table_add(struct table *t, const char *const *cells);

/* Print, two spaces between columns, no trailing blanks; then free. */
void table_print(struct table *t, FILE *to);

void table_free(struct table *t);

#endif
