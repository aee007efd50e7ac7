/* letter.c — the activation letter. The QR code holds the activation link
 * with the code in the URL fragment (#code=…), which browsers never send
 * to a server, so the code does not land in any access log on the way.
 * Styling is in a <style> element (the letter must print as one file); the
 * Content-Security-Policy allows exactly that element by its hash, and the
 * page has no script at all. */
#include "api/letter.h"

#include "core/clock.h"
#include "qr/qr.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int html_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int rc;
		switch (*s) {
		case '<': rc = buf_puts(out, "&lt;"); break;
		case '>': rc = buf_puts(out, "&gt;"); break;
		case '&': rc = buf_puts(out, "&amp;"); break;
		case '"': rc = buf_puts(out, "&quot;"); break;
		case '\'': rc = buf_puts(out, "&#39;"); break;
		default: rc = buf_append(out, s, 1);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* "2026-12-27T..." -> "27.12.2026" */
static void german_date(int64_t t, char out[16])
{
	char iso[CLOCK_RFC3339_LEN];
	clock_rfc3339(t, iso);
	snprintf(out, 16, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

static const char letter_css[] =
	"body{font-family:sans-serif;max-width:42em;margin:2em auto;line-height:1.5}"
	".code{font-family:monospace;font-size:1.6em;letter-spacing:.08em;border:2px solid #000;"
	"padding:.4em .8em;display:inline-block}img{width:45mm;height:45mm;image-rendering:pixelated}"
	"@page{size:A4;margin:20mm}.en{color:#333;border-top:1px solid #999;margin-top:2em}";

void letter_csp(char out[LETTER_CSP_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[64];
	crypto_hash_sha256(h, (const unsigned char *)letter_css, strlen(letter_css));
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, LETTER_CSP_LEN,
		 "default-src 'none'; img-src data:; style-src 'sha256-%s'; frame-ancestors 'none'",
		 b64);
}

int letter_render(json_t *data, const char *public_url, struct buf *out, struct err *e)
{
	const char *code = json_string_value(json_object_get(data, "code"));
	char link[1024], expires[16];
	struct buf png;
	int rc = -1;
	buf_init(&png, 0);
	snprintf(link, sizeof link, "%s/activate#code=%s", public_url, code);
	german_date(json_integer_value(json_object_get(data, "expires")), expires);
	if (qr_png(link, 6, &png, e) < 0)
		goto out;
	size_t b64_len = sodium_base64_encoded_len(png.len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64_len);
	if (!b64) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	sodium_bin2base64(b64, b64_len, (const unsigned char *)png.data, png.len,
			  sodium_base64_VARIANT_ORIGINAL);
	int w = buf_puts(out,
		"<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
		"<title>akte – Aktivierung / Activation</title><style>");
	w |= buf_puts(out, letter_css);
	w |= buf_puts(out, "</style></head><body><h1>Ihre akte – Aktivierung</h1><p>Für: ");
	w |= html_escape(out, json_string_value(json_object_get(data, "name")));
	w |= buf_puts(out, " (geboren ");
	w |= html_escape(out, json_string_value(json_object_get(data, "birth_date")));
	w |= buf_puts(out, ")<br>Anmeldename: ");
	w |= html_escape(out, json_string_value(json_object_get(data, "login")));
	w |= buf_printf(out,
		"</p><p>Ihr Aktivierungscode:</p><p class=\"code\">%s</p>"
		"<p><img alt=\"QR-Code mit dem Aktivierungslink\" src=\"data:image/png;base64,%s\"></p>"
		"<ol><li>Scannen Sie den QR-Code mit dem Handy oder öffnen Sie <b>", code, b64);
	w |= html_escape(out, public_url);
	w |= buf_printf(out,
		"/activate</b> und geben Sie den Code ein.</li>"
		"<li>Wählen Sie ein Passwort (mindestens 10 Zeichen).</li>"
		"<li>Richten Sie eine Authenticator-App ein und geben Sie den ersten Code ein.</li></ol>"
		"<p>Der Code gilt bis zum <b>%s</b> und nur einmal. Bewahren Sie diesen Brief sicher auf "
		"und geben Sie den Code niemandem weiter.</p>"
		"<div class=\"en\" lang=\"en\"><h2>Activating your akte</h2>"
		"<p>Scan the QR code or open the address above and enter the code, choose a password "
		"(at least 10 characters) and set up an authenticator app. The code is valid once, "
		"until %s. Keep this letter safe and do not share the code.</p></div>"
		"</body></html>\n", expires, expires);
	free(b64);
	if (w) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_free(&png);
	return rc;
}
