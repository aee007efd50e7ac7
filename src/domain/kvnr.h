/* kvnr.h — the Krankenversichertennummer (health insurance number): a
 * letter, eight digits and a check digit. The format and the check-digit
 * rule are read from data/kvnr.json (with its source) at start-up. */
#ifndef AKTE_DOMAIN_KVNR_H
#define AKTE_DOMAIN_KVNR_H

#include "core/err.h"

int kvnr_rules_load(const char *rules_dir, struct err *e);
/* 0 valid; else ERR_INVALID on field "kvnr" saying whether format or
 * check digit is wrong. Accepts upper case only, no spaces. */
int kvnr_check(const char *kvnr, struct err *e);

#endif
