/* devices.c — the account's devices: list, remove (ends its sessions), and
 * the confirmation link from the mail, which a person opens in a browser
 * and so answers with a short page in German and English. */
#include "api/api.h"

#include "domain/device.h"
#include "store/sql.h"

#include <stdio.h>
#include <string.h>

void api_devices_list(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	json_t *out = db ? device_list(db, &req->actor, &e) : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
}

void api_devices_delete(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	if (!db || device_delete(db, &req->actor, req->params[0], &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void confirm_page(struct http_request *req, unsigned status, const char *de,
			 const char *en)
{
	char page[2048];
	int n = snprintf(page, sizeof page,
		"<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<title>akte</title></head><body>"
		"<main><h1>akte</h1><p>%s</p><p lang=\"en\">%s</p></main></body></html>\n",
		de, en);
	http_reply_bytes(req, status, "text/html; charset=utf-8", page,
			 n > 0 && (size_t)n < sizeof page ? (size_t)n : 0);
}

void api_devices_confirm(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	if (db && device_confirm(db, http_query(req, "token"), &e) == 0) {
		confirm_page(req, 200, "Das Gerät ist bestätigt. Sie können sich jetzt dort anmelden.",
			     "The device is confirmed. You can now log in on it.");
		return;
	}
	unsigned status = (unsigned)err_http_status(e.code);
	if (strcmp(e.key, "link_used") == 0)
		confirm_page(req, status, "Dieser Link wurde schon benutzt.",
			     "This link was already used.");
	else if (strcmp(e.key, "link_expired") == 0)
		confirm_page(req, status,
			     "Dieser Link ist abgelaufen. Melden Sie sich erneut an, um einen neuen zu erhalten.",
			     "This link has expired. Log in again to receive a new one.");
	else if (status == 404)
		confirm_page(req, status, "Dieser Link ist ungültig.", "This link is not valid.");
	else
		confirm_page(req, status, "Das hat nicht geklappt. Bitte versuchen Sie es später noch einmal.",
			     "That did not work. Please try again later.");
}
