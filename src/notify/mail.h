/* mail.h — composing an email and handing it to a transport: SMTP through
 * libcurl, or, without an SMTP URL, an .eml file in the spool directory
 * (the development driver). Mails carry no medical data: callers pass only a
 * sender name, a link and a code. */
#ifndef AKTE_NOTIFY_MAIL_H
#define AKTE_NOTIFY_MAIL_H

#include "core/err.h"

/* An RFC 5322 message (From, To, Subject encoded as RFC 2047 when not
 * ASCII, Date, Message-ID, MIME-Version, text/plain; charset=UTF-8,
 * quoted-printable body with CRLF line ends). Refuses CR/LF in addresses
 * and subject (header injection). Returns a malloc'd string or NULL. */
char *mail_format(const char *from, const char *to, const char *subject,
		  const char *body, struct err *e);

/* Send a formatted message by SMTP (smtp:// or smtps:// URL; envelope
 * addresses are taken from inside <...> of from/to when present).
 * Network and server errors return -1 with ERR_UNAVAILABLE. */
int mail_send_smtp(const char *smtp_url, const char *from, const char *to,
		   const char *message, struct err *e);

/* cancel = 1 makes sends in progress and later ones fail at once
 * (ERR_UNAVAILABLE); 0 allows sending again. Used at shutdown. */
void mail_cancel_sends(int cancel);

/* Write the message to SPOOL_DIR/mail/<id>.eml atomically (temp + rename). */
int mail_spool(const char *spool_dir, const char *id, const char *message,
	       struct err *e);

#endif
