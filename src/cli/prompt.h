/* prompt.h — asking the person at the keyboard, or reading a script's lines.
 *
 * On a terminal the question goes to stderr and, for secrets, echo is turned
 * off with termios (and restored even on Ctrl-C). When stdin is not a
 * terminal no question is printed and one line is read per answer, so tests
 * and scripts can pipe answers in, in the order the verb asks them.
 *
 * Lines are read with read(2) one byte at a time straight into the caller's
 * buffer: stdio would keep a second copy of a password in its own buffer. */
#ifndef AKTE_CLI_PROMPT_H
#define AKTE_CLI_PROMPT_H

#include "core/err.h"

#include <stddef.h>

/* Longest answer accepted, including passwords; longer lines are refused. */
#define PROMPT_MAX 1024

/* Read one answer into out (size n, NUL-terminated, without the newline).
 * `secret` turns echo off on a terminal. 0 ok; -1 on end of input, a line
 * longer than n-1 bytes, or a read error (e filled). The caller owns out and
 * should keep secrets in sodium_malloc'd memory. */
int prompt_ask(const char *question, int secret, char *out, size_t n,
	       struct err *e);

/* Whether answers come from a person at a terminal. */
int prompt_is_tty(void);

#endif
