/* letter.h — the printable activation letter (HTML, A4, German first). */
#ifndef AKTE_API_LETTER_H
#define AKTE_API_LETTER_H

#include "core/buf.h"
#include "core/err.h"

#include <jansson.h>

#define LETTER_CSP_LEN 256

/* The Content-Security-Policy of the letter page. */
void letter_csp(char out[LETTER_CSP_LEN]);
/* data: {name, birth_date, login, code, expires} from patient_letter(). */
int letter_render(json_t *data, const char *public_url, struct buf *out, struct err *e);

#endif
