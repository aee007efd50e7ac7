/* api.h — the route table of /api/v1 and helpers shared by the handlers. */
#ifndef AKTE_API_API_H
#define AKTE_API_API_H

#include "core/config.h"
#include "http/router.h"

#include <jansson.h>

extern const struct route api_routes[];
extern const size_t api_routes_n;

/* The settings every handler reads; set once before the server starts. */
void api_init(const struct config *cfg);
const struct config *api_cfg(void);

/* Handlers, one file per resource. */
void api_healthz(struct http_request *req);
void api_metrics(struct http_request *req);
void api_login(struct http_request *req);
void api_logout(struct http_request *req);
void api_me(struct http_request *req);
void api_orgs_create(struct http_request *req);
void api_orgs_search(struct http_request *req);
void api_users_create(struct http_request *req);
void api_patients_create(struct http_request *req);
void api_patients_reissue(struct http_request *req);
void api_patients_letter(struct http_request *req);
void api_activate(struct http_request *req);
void api_activate_confirm(struct http_request *req);
void api_devices_list(struct http_request *req);
void api_devices_delete(struct http_request *req);
void api_devices_confirm(struct http_request *req);
void api_documents_list(struct http_request *req);
void api_document_get(struct http_request *req);
void api_document_patch(struct http_request *req);
void api_document_delete(struct http_request *req);
void api_document_content(struct http_request *req);
extern const struct route_stream api_document_upload;
void api_audit_list(struct http_request *req);
void api_audit_verify(struct http_request *req);
void api_grants_create(struct http_request *req);
void api_grants_list(struct http_request *req);
void api_grant_delete(struct http_request *req);
void api_records_list(struct http_request *req);
void api_reps_create(struct http_request *req);
void api_reps_list(struct http_request *req);
void api_reps_delete(struct http_request *req);
void api_representations_mine(struct http_request *req);
void api_representation_accept(struct http_request *req);

#endif
