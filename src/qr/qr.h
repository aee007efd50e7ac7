/* qr.h — QR codes (libqrencode) rendered for people: PNG (libspng) for
 * letters and pages, SVG, and text for a terminal. Error correction level M;
 * every output has a quiet zone of four modules. */
#ifndef AKTE_QR_QR_H
#define AKTE_QR_QR_H

#include "core/buf.h"
#include "core/err.h"

/* PNG, grey 8-bit, `scale` pixels per module (1..32). Appends to out. */
int qr_png(const char *text, int scale, struct buf *out, struct err *e);
/* A standalone <svg> element with one <path>, no script, no style element. */
int qr_svg(const char *text, struct buf *out, struct err *e);
/* Unicode half blocks, two modules per character row, dark on light, lines
 * ending in "\n"; invert for terminals with a light background. */
int qr_text(const char *text, int invert, struct buf *out, struct err *e);

#endif
