/* audit.h — the audit log of a record: one entry for every access to its
 * data, allowed or refused, that nobody can change through any route.
 *
 * Entries of a record form a hash chain: each holds the hash of the entry
 * before it (the first: 32 zero bytes, or the anchor left by pruning), and
 * its own hash is a keyed BLAKE2b (keys_lookup_hash "audit") over the
 * previous hash and a canonical encoding of every field. A row changed,
 * removed, inserted or reordered directly in the database breaks the chain
 * at that position, and without the master key nobody can recompute it.
 * Appends are serialized per record by the caller's write transaction. */
#ifndef AKTE_DOMAIN_AUDIT_H
#define AKTE_DOMAIN_AUDIT_H

#include "core/config.h"
#include "domain/access.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>
#include <stdint.h>

enum audit_outcome { AUDIT_ALLOWED, AUDIT_REFUSED };

struct audit_entry {
	const char *record_id;
	const struct actor *actor;     /* NULL: the system (e.g. expiry) */
	enum access_capacity capacity; /* as resolved for this request */
	const char *action;            /* "document.read", "grant.create", ... */
	const char *object_type;       /* "document", "grant", "representation", "record" */
	const char *object_id;         /* may be NULL */
	const char *object_label;      /* e.g. the document title; may be NULL */
	enum audit_outcome outcome;
};

/* Append one entry. Runs in its own transaction unless one is open on db
 * (then it joins it, so an entry and the change it records commit
 * together). The actor's display name (patient name, or staff login) and
 * organisation name are looked up here. */
int audit_append(struct sql *db, const struct audit_entry *en, struct err *e);

/* A page of entries, newest first: {"items": [...], "next_cursor": …}.
 * Filters may be NULL: actor (account id), action (exact or a prefix
 * ending in '.', e.g. "document."). cursor is what a previous page
 * returned. limit 1..200. Caller owns the result. */
json_t *audit_list(struct sql *db, const char *record_id, const char *actor,
		   const char *action, const char *cursor, int limit, struct err *e);

/* Check the chain: {"ok": bool, "entries": N, "first_bad": seq?}. */
json_t *audit_verify(struct sql *db, const char *record_id, struct err *e);

/* Remove entries older than before_ts from every record, keeping the chain
 * verifiable: the hash and seq of the last removed entry are kept as the
 * record's anchor. Returns the number removed or -1. */
int64_t audit_prune(struct sql *db, int64_t before_ts, struct err *e);

#endif
