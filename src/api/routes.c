/* routes.c — every route of the server in one table: method, path, handler,
 * whether it needs a session, and its body limit. Reading this table tells
 * what the server answers; the authorization matrix test walks it too. */
#include "api/api.h"

static const struct config *cfg_global;

void api_init(const struct config *cfg)
{
	cfg_global = cfg;
}

const struct config *api_cfg(void)
{
	return cfg_global;
}

#define JSON_BODY ROUTE_JSON

const struct route api_routes[] = {
	{"GET", "/healthz", api_healthz, ROUTE_RAW, 0, NULL},
	{"GET", "/metrics", api_metrics, ROUTE_RAW | ROUTE_LOCAL, 0, NULL},
	{"POST", "/api/v1/auth/login", api_login, JSON_BODY, 0, NULL},
	{"POST", "/api/v1/auth/logout", api_logout, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"GET", "/api/v1/me", api_me, ROUTE_AUTH, 0, NULL},
	{"POST", "/api/v1/orgs", api_orgs_create, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"GET", "/api/v1/orgs", api_orgs_search, ROUTE_AUTH, 0, NULL},
	{"POST", "/api/v1/users", api_users_create, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"POST", "/api/v1/patients", api_patients_create, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"POST", "/api/v1/patients/{}/activation", api_patients_reissue, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"GET", "/api/v1/patients/{}/letter", api_patients_letter, ROUTE_AUTH | ROUTE_RAW, 0, NULL},
	{"POST", "/api/v1/activate", api_activate, JSON_BODY, 0, NULL},
	{"POST", "/api/v1/activate/confirm", api_activate_confirm, JSON_BODY, 0, NULL},
	{"GET", "/api/v1/devices", api_devices_list, ROUTE_AUTH, 0, NULL},
	{"DELETE", "/api/v1/devices/{}", api_devices_delete, ROUTE_AUTH, 0, NULL},
	{"GET", "/api/v1/devices/confirm", api_devices_confirm, ROUTE_RAW, 0, NULL},
	{"GET", "/api/v1/records/{}/documents", api_documents_list, ROUTE_AUTH, 0, NULL},
	{"POST", "/api/v1/records/{}/documents", NULL, ROUTE_AUTH | ROUTE_UPLOAD, 0,
	 &api_document_upload},
	{"GET", "/api/v1/documents/{}", api_document_get, ROUTE_AUTH, 0, NULL},
	{"PATCH", "/api/v1/documents/{}", api_document_patch, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"DELETE", "/api/v1/documents/{}", api_document_delete, ROUTE_AUTH, 0, NULL},
	{"GET", "/api/v1/documents/{}/content", api_document_content, ROUTE_AUTH | ROUTE_RAW, 0, NULL},
	{"GET", "/api/v1/records/{}/audit", api_audit_list, ROUTE_AUTH, 0, NULL},
	{"GET", "/api/v1/records/{}/audit/verify", api_audit_verify, ROUTE_AUTH, 0, NULL},
	{"GET", "/api/v1/records", api_records_list, ROUTE_AUTH, 0, NULL},
	{"POST", "/api/v1/records/{}/grants", api_grants_create, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"GET", "/api/v1/records/{}/grants", api_grants_list, ROUTE_AUTH, 0, NULL},
	{"DELETE", "/api/v1/grants/{}", api_grant_delete, ROUTE_AUTH, 0, NULL},
	{"POST", "/api/v1/records/{}/representatives", api_reps_create, ROUTE_AUTH | JSON_BODY, 0, NULL},
	{"GET", "/api/v1/records/{}/representatives", api_reps_list, ROUTE_AUTH, 0, NULL},
	{"DELETE", "/api/v1/records/{}/representatives/{}", api_reps_delete, ROUTE_AUTH, 0, NULL},
	{"GET", "/api/v1/representations", api_representations_mine, ROUTE_AUTH, 0, NULL},
	{"POST", "/api/v1/representations/{}/accept", api_representation_accept,
	 ROUTE_AUTH | JSON_BODY, 0, NULL},
};

const size_t api_routes_n = sizeof api_routes / sizeof api_routes[0];
