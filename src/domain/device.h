/* device.h — the devices an account logs in from. A client names its
 * device with an id of its own choosing (kept in a long-lived cookie or the
 * CLI profile); the server stores only a keyed hash of it. A device is
 * usable once the link mailed at its first login was opened. */
#ifndef AKTE_DOMAIN_DEVICE_H
#define AKTE_DOMAIN_DEVICE_H

#include "core/config.h"
#include "crypto/token.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>

/* After a correct password and code: *confirmed says whether the device is
 * known and confirmed; if not, it is recorded (label from the client) and a
 * confirmation mail is queued. device_id_out names the device either way. */
int device_check(struct sql *db, const struct config *cfg, const char *account_id,
		 const char *email, const char *client_device, const char *label,
		 int *confirmed, char device_id_out[TOKEN_ID_LEN + 1], struct err *e);
/* The link from the mail: 404 unknown, 410 used or expired. */
int device_confirm(struct sql *db, const char *token, struct err *e);
json_t *device_list(struct sql *db, const struct actor *a, struct err *e);
/* Removes the device and ends its sessions at once. */
int device_delete(struct sql *db, const struct actor *a, const char *device_id,
		  struct err *e);

#endif
