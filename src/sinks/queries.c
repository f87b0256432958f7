/*
 * queries.c — the registry of named queries (queries.md) and the result
 * helpers every query uses. Adding a query is defining a struct
 * weir_query_def beside its family's store code and a line here.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"

extern const struct weir_query_def weir_q_chat_minutes, weir_q_chat, weir_q_top_words, weir_q_top_users,
    weir_q_chat_range;
extern const struct weir_query_def weir_q_followers, weir_q_streamer_followers, weir_q_follower_ranking;
extern const struct weir_query_def weir_q_presence, weir_q_presence_daily, weir_q_viewers_over_day,
    weir_q_user_schedule, weir_q_overlap;
extern const struct weir_query_def weir_q_streams, weir_q_game_ranking, weir_q_streamer_schedule;
extern const struct weir_query_def weir_q_posts, weir_q_keywords, weir_q_post_locations, weir_q_trending,
    weir_q_posts_raw;
extern const struct weir_query_def weir_q_rejects;

/* clang-format off: one per line keeps additions mergeable */
const struct weir_query_def *const weir_queries[] = {
    &weir_q_chat_minutes,
    &weir_q_chat,
    &weir_q_top_words,
    &weir_q_top_users,
    &weir_q_chat_range,
    &weir_q_followers,
    &weir_q_streamer_followers,
    &weir_q_follower_ranking,
    &weir_q_presence,
    &weir_q_presence_daily,
    &weir_q_viewers_over_day,
    &weir_q_user_schedule,
    &weir_q_overlap,
    &weir_q_streams,
    &weir_q_game_ranking,
    &weir_q_streamer_schedule,
    &weir_q_posts,
    &weir_q_keywords,
    &weir_q_post_locations,
    &weir_q_trending,
    &weir_q_posts_raw,
    &weir_q_rejects,
    NULL,
};
/* clang-format on */

/* Queries the spec names that this version does not answer yet. */
static const char *const later_names[] = {NULL};

const struct weir_query_def *weir_query_find(const char *name)
{
	for (int i = 0; weir_queries[i]; i++)
		if (!strcmp(weir_queries[i]->name, name))
			return weir_queries[i];
	return NULL;
}

int weir_store_query(struct weir_store *s, const char *name, const struct weir_query_args *a,
		     struct weir_result *res, char *err, size_t errcap)
{
	memset(res, 0, sizeof(*res));
	const struct weir_query_def *q = weir_query_find(name);
	if (q && a->window == WEIR_GRAIN_WEEK && !(q->filters & WEIR_QF_WEEK)) {
		snprintf(
		    err, errcap,
		    "%s: --window week is not kept for this query (weeks: posts, keywords, post-locations,"
		    " trending)",
		    name);
		return WEIR_EINVAL;
	}
	if (q)
		return q->run(s, a, res, err, errcap);
	for (int i = 0; later_names[i]; i++)
		if (!strcmp(name, later_names[i])) {
			snprintf(err, errcap, "query '%s' is specified but not available in this version yet",
				 name);
			return WEIR_EINVAL;
		}
	snprintf(err, errcap, "unknown query '%s' (try: weir query --list)", name);
	return WEIR_EINVAL;
}

void weir_result_init(struct weir_result *r, uint32_t ncols, const char *const *cols, const uint8_t *types)
{
	r->ncols = ncols;
	r->cols = cols;
	r->types = types;
}

void weir_result_free(struct weir_result *r)
{
	for (uint32_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i].s);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

struct weir_cell *weir_result_row(struct weir_result *r)
{
	if (r->nrows == r->cap) {
		uint32_t ncap = r->cap ? r->cap * 2 : 256;
		struct weir_cell *c = realloc(r->cells, (size_t)ncap * r->ncols * sizeof(*c));
		if (!c)
			return NULL;
		r->cells = c;
		r->cap = ncap;
	}
	struct weir_cell *row = &r->cells[(size_t)r->nrows * r->ncols];
	memset(row, 0, r->ncols * sizeof(*row));
	r->nrows++;
	return row;
}

char *weir_strndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

int weir_result_rows_from(struct weir_result *res, sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = weir_result_row(res);
		if (!row) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		for (uint32_t c = 0; c < res->ncols; c++) {
			if (res->types[c] == WEIR_C_TEXT) {
				const unsigned char *t = sqlite3_column_text(st, (int)c);
				row[c].s = weir_strndup(t ? t : (const unsigned char *)"",
							(size_t)sqlite3_column_bytes(st, (int)c));
			} else if (res->types[c] == WEIR_C_REAL) {
				row[c].d = sqlite3_column_double(st, (int)c);
			} else {
				row[c].i = sqlite3_column_int64(st, (int)c);
			}
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}
