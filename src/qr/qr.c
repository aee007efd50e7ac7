/* qr.c — QR codes for people: PNG, SVG and terminal text (see qr.h).
 *
 * libqrencode makes the module matrix; the three renderers here only walk
 * it through qr_dark(), which also supplies the four-module quiet zone that
 * ISO/IEC 18004 requires around the symbol (scanners fail without it on a
 * dark or busy background). Everything is encoded in 8-bit mode at error
 * correction level M: our texts are URLs and codes, and M survives a crease
 * or a smudge on a printed letter while keeping the symbol small.
 *
 * The PNG is written row by row (libspng's progressive encoder), so memory
 * stays one scanline however large the scale. */
#include "qr/qr.h"

#include <qrencode.h>
#include <spng.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QR_TEXT_MAX 1024
#define QR_QUIET 4
#define QR_SCALE_MAX 32

/* Encodes text after checking the limits; NULL on error (e filled). */
static QRcode *qr_encode(const char *text, struct err *e)
{
	QRcode *q;
	size_t n;

	n = text ? strnlen(text, QR_TEXT_MAX + 1) : 0;
	if (n == 0) {
		err_set(e, ERR_INTERNAL, NULL, "no text for the QR code");
		return NULL;
	}
	if (n > QR_TEXT_MAX) {
		err_set(e, ERR_TOO_LARGE, NULL,
			"text for a QR code must be at most %d bytes",
			QR_TEXT_MAX);
		return NULL;
	}
	/* Version 0: the smallest symbol that holds the text. */
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q) {
		err_set(e, ERR_INTERNAL, NULL, "QR encoding failed");
		return NULL;
	}
	/* The renderers index data[] by width; trust it only in range. */
	if (q->width < 21 || q->width > 177) {
		err_set(e, ERR_INTERNAL, NULL, "QR encoder gave width %d",
			q->width);
		QRcode_free(q);
		return NULL;
	}
	return q;
}

/* Whether the module at (x, y) of the symbol with its quiet zone is dark;
 * coordinates outside the symbol (quiet zone and beyond) are light. */
static int qr_dark(const QRcode *q, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[(size_t)y * (size_t)q->width + (size_t)x] & 1;
}

int qr_png(const char *text, int scale, struct buf *out, struct err *e)
{
	QRcode *q = NULL;
	spng_ctx *ctx = NULL;
	uint8_t *row = NULL;
	void *png = NULL;
	size_t png_len = 0;
	int rc = -1, r;

	if (scale < 1 || scale > QR_SCALE_MAX)
		return err_set(e, ERR_INTERNAL, NULL,
			       "QR scale %d outside 1..%d", scale, QR_SCALE_MAX);
	q = qr_encode(text, e);
	if (!q)
		goto out;
	/* At most (177 + 8) x 32 = 5920 pixels: no overflow, but say so. */
	uint32_t side;
	if (__builtin_mul_overflow((uint32_t)(q->width + 2 * QR_QUIET),
				   (uint32_t)scale, &side)) {
		err_set(e, ERR_INTERNAL, NULL, "QR image too large");
		goto out;
	}
	row = malloc(side);
	ctx = spng_ctx_new(SPNG_CTX_ENCODER);
	if (!row || !ctx) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	struct spng_ihdr ihdr = {
		.width = side,
		.height = side,
		.bit_depth = 8,
		.color_type = SPNG_COLOR_TYPE_GRAYSCALE,
	};
	if ((r = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1)) != 0 ||
	    (r = spng_set_ihdr(ctx, &ihdr)) != 0 ||
	    (r = spng_encode_image(ctx, NULL, 0, SPNG_FMT_PNG,
				   SPNG_ENCODE_PROGRESSIVE |
					   SPNG_ENCODE_FINALIZE)) != 0) {
		err_set(e, ERR_INTERNAL, NULL, "PNG encoder: %s",
			spng_strerror(r));
		goto out;
	}
	for (uint32_t y = 0; y < side; y++) {
		for (uint32_t x = 0; x < side; x++)
			row[x] = qr_dark(q, (int)(x / (uint32_t)scale),
					 (int)(y / (uint32_t)scale))
					 ? 0
					 : 255;
		r = spng_encode_scanline(ctx, row, side);
		/* The last scanline answers SPNG_EOI: the image is done. */
		if (r != 0 && !(r == SPNG_EOI && y == side - 1)) {
			err_set(e, ERR_INTERNAL, NULL, "PNG encoder: %s",
				spng_strerror(r));
			goto out;
		}
	}
	png = spng_get_png_buffer(ctx, &png_len, &r);
	if (!png || r != 0) {
		err_set(e, ERR_INTERNAL, NULL, "PNG encoder: %s",
			spng_strerror(r));
		goto out;
	}
	if (buf_append(out, png, png_len) < 0) {
		err_set(e, ERR_TOO_LARGE, NULL, "QR image does not fit the buffer");
		goto out;
	}
	rc = 0;
out:
	free(png); /* spng_get_png_buffer hands the buffer to us */
	spng_ctx_free(ctx);
	free(row);
	if (q)
		QRcode_free(q);
	return rc;
}

int qr_svg(const char *text, struct buf *out, struct err *e)
{
	QRcode *q;
	int rc = -1;

	q = qr_encode(text, e);
	if (!q)
		return -1;
	int side = q->width + 2 * QR_QUIET;
	/* A white square first so the quiet zone is light on any page, then
	 * every dark module as part of one path: a run of dark modules in a
	 * row becomes one rectangle, which keeps the path short. */
	if (buf_printf(out,
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		       "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
		       "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		       "<path fill=\"#000\" d=\"",
		       side, side, side, side) < 0)
		goto full;
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side;) {
			if (!qr_dark(q, x, y)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < side && qr_dark(q, x + run, y))
				run++;
			if (buf_printf(out, "M%d %dh%dv1h-%dz", x, y, run, run) < 0)
				goto full;
			x += run;
		}
	}
	if (buf_puts(out, "\"/></svg>\n") < 0)
		goto full;
	rc = 0;
	goto out;
full:
	err_set(e, ERR_TOO_LARGE, NULL, "QR image does not fit the buffer");
out:
	QRcode_free(q);
	return rc;
}

int qr_text(const char *text, int invert, struct buf *out, struct err *e)
{
	/* Index: bit 1 = upper module inked, bit 0 = lower module inked. */
	static const char *const cell[4] = {" ", "\u2584", "\u2580", "\u2588"};
	QRcode *q;
	int rc = -1;

	q = qr_encode(text, e);
	if (!q)
		return -1;
	int side = q->width + 2 * QR_QUIET;
	int ink = invert ? 1 : 0;
	/* A block is drawn in the terminal's foreground colour. On the usual
	 * dark background that colour is light, so the light modules are
	 * the ones drawn; `invert` draws the dark ones, for light
	 * backgrounds. Either way the code reads dark on light. */
	for (int y = 0; y < side; y += 2) {
		for (int x = 0; x < side; x++) {
			int up = qr_dark(q, x, y) == ink;
			int down = y + 1 < side && qr_dark(q, x, y + 1) == ink;
			if (buf_puts(out, cell[up << 1 | down]) < 0)
				goto full;
		}
		if (buf_puts(out, "\n") < 0)
			goto full;
	}
	rc = 0;
	goto out;
full:
	err_set(e, ERR_TOO_LARGE, NULL, "QR text does not fit the buffer");
out:
	QRcode_free(q);
	return rc;
}
