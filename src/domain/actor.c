/* actor.c — role names as stored in the database and shown in the API. */
#include "domain/actor.h"

#include <string.h>

static const char *const role_names[] = {
	[ROLE_NONE] = "none", [ROLE_ADMIN] = "admin", [ROLE_OPERATOR] = "operator",
	[ROLE_PROVIDER] = "provider", [ROLE_PATIENT] = "patient",
};

const char *actor_role_name(enum actor_role r)
{
	return r <= ROLE_PATIENT ? role_names[r] : "none";
}

enum actor_role actor_role_parse(const char *s)
{
	for (int r = ROLE_ADMIN; r <= ROLE_PATIENT; r++)
		if (s && strcmp(s, role_names[r]) == 0)
			return (enum actor_role)r;
	return ROLE_NONE;
}
