/* auth.h — finding the session of a request (bearer token or the
 * __Host-akte cookie) and the CSRF check for cookie sessions. */
#ifndef AKTE_HTTP_AUTH_H
#define AKTE_HTTP_AUTH_H

#include "core/config.h"
#include "http/request.h"

#define HTTP_SESSION_COOKIE "__Host-akte"

/* For routes with ROUTE_AUTH: fills req->actor, or replies 401/403 and
 * returns -1. Other routes: returns 0 and leaves the actor empty. */
int http_auth_request(struct http_request *req, const struct config *cfg);

#endif
