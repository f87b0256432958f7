/*
 * posts.h — the posts analytics operator (events.md §4, fifth bullet):
 * tweets, videos and posts per hashtag, configured keyword and location.
 *
 * Data flow: the engine routes `post` events by hash(id), so every arrival
 * of one post id meets in one worker. The worker collects the arrivals of
 * each minute (by event time), merges repeats of an id within it, and
 * computes once per post what needs the text: hashtags, matched keywords,
 * the VADER score. When the watermark passes the minute, its posts go to
 * the writer as one record (struct weir_posts_rec). The store is the
 * authority on each post id (src/sinks/sqlite_posts.c): put() merges a
 * record's posts into the `posts` table and applies the difference each
 * makes (a new post, newer counters, an earlier first arrival) to the
 * per-window aggregates. Repeats, late copies and later ingests are
 * therefore exact with no retention horizon, and a worker keeps nothing
 * once a minute is closed.
 *
 * A post's identity — created_at, author, text (so hashtags, keywords and
 * sentiment) and location — is that of its arrival with the smallest ts;
 * its counters — likes, shares, replies, views, the author's followers and
 * author_location — are those of its arrival with the largest ts (ties: the
 * later arrival). See docs/posts.md.
 */
#ifndef WEIR_OPS_POSTS_H
#define WEIR_OPS_POSTS_H

#include <stddef.h>

#include "weir/event.h"
#include "weir/op.h"
#include "weir/store.h"

/* One post id as a record knows it. Strings live in the record's arena. */
struct weir_post {
	struct weir_str id;
	/* identity: the arrival with the smallest ts */
	int64_t created_at;
	struct weir_str author, text, location; /* location.p NULL when absent */
	const struct weir_str *tags;		/* distinct, sorted by bytes */
	const struct weir_str *kws;		/* configured keywords the text contains, distinct */
	uint32_t ntags, nkws;
	int32_t sentiment; /* VADER compound × 10000 */
	/* counters: the arrival with the largest ts */
	int64_t seen_at;
	int64_t likes, shares, replies, views, followers; /* WEIR_ABSENT when absent */
	struct weir_str author_location;
};

/* The posts that arrived in one minute (a delta to merge, like every record). */
struct weir_posts_rec {
	struct weir_rec h; /* first */
	int64_t start;	   /* the minute of the arrivals' ts */
	uint32_t n;
	struct weir_post *v; /* malloc'd, owned by the record */
	struct weir_arena arena;
};

void weir_posts_rec_free(struct weir_posts_rec *r);

struct weir_posts_shard;
struct weir_posts_shard *weir_posts_shard_new(const struct weir_op_env *env);
void weir_posts_shard_free(struct weir_posts_shard *s);
/* Hot path: one post event. Returns 0 or WEIR_ENOMEM. */
int weir_posts_add(struct weir_posts_shard *s, const struct weir_event *ev);
/* Emit every minute whose end is <= watermark. */
int weir_posts_advance(struct weir_posts_shard *s, int64_t watermark);
/* Emit every open minute now (a checkpoint); later arrivals for them emit more. */
int weir_posts_flush(struct weir_posts_shard *s);
void weir_posts_get_stats(const struct weir_posts_shard *s, struct weir_op_stats *st);

/*
 * Keyword filter terms (`weir ingest --keywords`). Set them before the
 * engine opens (workers read them without locks); each term is tokenized as
 * events.md §2 says and matches a post whose words contain the term's words
 * consecutively. A term without a word is an error naming it (err). The
 * list replaces the previous one; n = 0 clears it. Terms are copied.
 */
int weir_posts_set_keywords(const char *const *terms, size_t n, char *err, size_t errcap);
/* The configured keywords in canonical form (words joined by one space). */
uint32_t weir_posts_keyword_count(void);
const char *weir_posts_keyword(uint32_t i);
/* The canonical form of a term into out (cap bytes); 0 if it has no word. */
size_t weir_posts_keyword_norm(const char *term, char *out, size_t cap);

/* Hashtags of a post (events.md §1): calls fn for each tag, lowercased and
 * without '#', repeats included: from `hashtags` when items != NULL, else
 * from the #tags of text. buf needs room for len(text) or Σ len(items). */
void weir_posts_hashtags(const struct weir_str *items, uint32_t nitems, struct weir_str text, char *buf,
			 void (*fn)(const char *tag, size_t n, void *ctx), void *ctx);

/* The store side (src/sinks/sqlite_posts.c): merge a record into the store.
 * Runs on the writer thread inside its transaction. */
int weir_store_posts_put(struct weir_store *s, const struct weir_posts_rec *r);
/* Schema of the posts tables, run by the store on every open. */
extern const char *const weir_schema_posts;

/* The operator (op.h) built on the functions above. */
extern const struct weir_op weir_op_posts;

#endif
