/* table.c — aligned columns, see table.h. Rows are kept as a JSON array so
 * that copies and frees are jansson's (in wiping memory, see wipe.c). */
#include "cli/table.h"

#include <string.h>

int table_init(struct table *t, int ncols, const char *const *heads)
{
	t->ncols = ncols > TABLE_MAX_COLS ? TABLE_MAX_COLS : ncols;
	t->rows = json_array();
	if (!t->rows)
		return -1;
	return heads ? table_add(t, heads) : 0;
}

int table_add(struct table *t, const char *const *cells)
{
	json_t *row = json_array();
	if (!row)
		return -1;
	for (int i = 0; i < t->ncols; i++) {
		const char *s = cells[i] ? cells[i] : "-";
		json_t *v = json_string(s);
		if (!v)
			v = json_string("?"); /* not UTF-8 */
		json_array_append_new(row, v);
	}
	return json_array_append_new(t->rows, row);
}

/* Characters of a UTF-8 string: every byte that does not continue one. */
static size_t table_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void table_cell(const char *s, FILE *to)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, to);
}

void table_print(struct table *t, FILE *to)
{
	size_t w[TABLE_MAX_COLS] = {0};
	size_t i;
	json_t *row;
	json_array_foreach(t->rows, i, row)
		for (int k = 0; k < t->ncols; k++) {
			size_t n = table_width(json_string_value(
				json_array_get(row, (size_t)k)));
			if (n > w[k])
				w[k] = n;
		}
	json_array_foreach(t->rows, i, row) {
		for (int k = 0; k < t->ncols; k++) {
			const char *s = json_string_value(
				json_array_get(row, (size_t)k));
			table_cell(s, to);
			if (k + 1 < t->ncols)
				fprintf(to, "%*s", (int)(w[k] - table_width(s) + 2),
					"");
		}
		fputc('\n', to);
	}
	table_free(t);
}

void table_free(struct table *t)
{
	json_decref(t->rows);
	t->rows = NULL;
}
