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
	{"GET", "/healthz", api_healthz, ROUTE_RAW, 0},
	{"GET", "/metrics", api_metrics, ROUTE_RAW | ROUTE_LOCAL, 0},
	{"POST", "/api/v1/auth/login", api_login, JSON_BODY, 0},
	{"POST", "/api/v1/auth/logout", api_logout, ROUTE_AUTH | JSON_BODY, 0},
	{"GET", "/api/v1/me", api_me, ROUTE_AUTH, 0},
	{"POST", "/api/v1/orgs", api_orgs_create, ROUTE_AUTH | JSON_BODY, 0},
	{"GET", "/api/v1/orgs", api_orgs_search, ROUTE_AUTH, 0},
	{"POST", "/api/v1/users", api_users_create, ROUTE_AUTH | JSON_BODY, 0},
	{"POST", "/api/v1/patients", api_patients_create, ROUTE_AUTH | JSON_BODY, 0},
	{"POST", "/api/v1/patients/{}/activation", api_patients_reissue, ROUTE_AUTH | JSON_BODY, 0},
	{"GET", "/api/v1/patients/{}/letter", api_patients_letter, ROUTE_AUTH | ROUTE_RAW, 0},
	{"POST", "/api/v1/activate", api_activate, JSON_BODY, 0},
	{"POST", "/api/v1/activate/confirm", api_activate_confirm, JSON_BODY, 0},
	{"GET", "/api/v1/devices", api_devices_list, ROUTE_AUTH, 0},
	{"DELETE", "/api/v1/devices/{}", api_devices_delete, ROUTE_AUTH, 0},
	{"GET", "/api/v1/devices/confirm", api_devices_confirm, ROUTE_RAW, 0},
};

const size_t api_routes_n = sizeof api_routes / sizeof api_routes[0];
