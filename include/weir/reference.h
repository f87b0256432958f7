/*
 * reference.h — the reference data, the "static tables" of events.md §1:
 * streamers (streamer, display_name, twitch, youtube, twitter, language)
 * and games (game, genre, console), read from CSV or JSON files and
 * upserted into the store, where the follower queries join them
 * (docs/followers.md).
 *
 * A file's format is told by its content (a JSON array, else CSV with a
 * header row); its table by its columns or keys (`streamer` or `game`).
 * A file that cannot be read, is malformed or lacks a column is an error
 * naming the file (and the column or line): nothing is loaded then.
 *
 * `weir ingest --reference FILE` (repeatable) is the way in:
 *
 *	weir ingest --reference streamers.csv --reference games.json events.ndjson
 */
#ifndef WEIR_REFERENCE_H
#define WEIR_REFERENCE_H

#include <stdint.h>
#include <stdio.h>

#include "weir/common.h"

enum weir_ref_table { WEIR_REF_NONE = 0, WEIR_REF_STREAMERS, WEIR_REF_GAMES };

/* One file's rows, columns in the order above. */
struct weir_reference {
	int table;	/* enum weir_ref_table; NONE for an empty JSON array */
	uint32_t ncols; /* 6 (streamers) or 3 (games) */
	uint32_t nrows;
	char **cells; /* nrows * ncols, owned; NULL = empty or null */
	char *path;   /* owned copy */
};

/* Reads and checks one file. Returns 0, or WEIR_EINVAL / WEIR_ENOENT /
 * WEIR_EIO with a one-line reason in err naming the file. *out is owned by
 * the caller (weir_reference_free). */
int weir_reference_read(const char *path, struct weir_reference **out, char *err, size_t errcap);
void weir_reference_free(struct weir_reference *r);

struct weir_store;
/* Upserts r's rows (a streamer's row replaces its accounts; a game's row its
 * genre and console). Call inside a transaction. Returns 0 or WEIR_ESTORE. */
int weir_reference_put(struct weir_store *s, const struct weir_reference *r);

/*
 * Reads every file first, then loads them all into the store at `uri` in
 * one transaction (so a bad file loads nothing). A line per file goes to
 * `report` unless NULL. Returns 0; WEIR_EINVAL (or ENOENT, EIO) for a bad
 * file — a usage error; WEIR_ESTORE for the store. err says which.
 */
int weir_reference_load(const char *uri, const char *const *paths, int n, FILE *report, char *err,
			size_t errcap);

#endif
