/* cmd_profiles.c — `akte profiles ls` and `akte profiles rm NAME`. Neither
 * opens a profile: listing reads names from the directory, and removing
 * needs no password because whoever may delete the file could anyway. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/profile.h"

#include <stdio.h>
#include <string.h>

static int profiles_ls(struct cli *c)
{
	if (c->argc != 1)
		return out_usage(c, "profiles ls takes no arguments");
	struct err e;
	err_clear(&e);
	json_t *names = profile_list(&e);
	if (!names)
		return out_fail(c, &e);
	if (!c->json) {
		size_t i;
		json_t *n;
		json_array_foreach(names, i, n)
			printf("%s\n", json_string_value(n));
		if (json_array_size(names) == 0)
			fprintf(stderr, "akte: no profiles yet; akte login "
				"makes one\n");
	}
	return out_ok(c, json_pack("{s:o}", "profiles", names));
}

static int profiles_rm(struct cli *c)
{
	if (c->argc != 2)
		return out_usage(c, "profiles rm needs one profile name");
	const char *name = c->argv[1];
	if (!profile_name_ok(name))
		return out_usage(c, "\"%.64s\" is not a profile name", name);
	struct err e;
	err_clear(&e);
	if (profile_remove(name, &e) < 0)
		return out_fail(c, &e);
	if (!c->json)
		printf("Removed profile %s.\n", name);
	return out_ok(c, json_pack("{s:s}", "removed", name));
}

int cmd_profiles(struct cli *c)
{
	if (c->argc < 1)
		return out_usage(c, "profiles needs ls or rm");
	if (!strcmp(c->argv[0], "ls"))
		return profiles_ls(c);
	if (!strcmp(c->argv[0], "rm"))
		return profiles_rm(c);
	return out_usage(c, "unknown profiles command \"%.64s\"", c->argv[0]);
}
