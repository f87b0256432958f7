/*
 * sim.h — the event simulator behind `weir sim` (and the source of `weir demo`).
 *
 * A deterministic generator of realistic events of the five kinds of
 * ../shared/spec/events.md: Twitch chat, follower snapshots of the Twitch,
 * YouTube and Twitter accounts of a set of streamers, stream samples,
 * chatters snapshots and tweets. The same options and seed always give the
 * same bytes; the generator itself never reads the clock, so live use
 * (`--rate`) is historical generation starting at "now" plus pacing by the
 * caller: weir_sim_peek() says when the next line is due.
 *
 * Lines come out one at a time, already formatted (NDJSON, or Twitch IRC
 * lines with the logger prefix), in roughly increasing event time; the
 * imperfections a real feed has (duplicates, late arrivals, malformed lines)
 * are mixed in at configurable rates. docs/sim.md describes the data.
 *
 *	struct weir_sim_opts o;
 *	struct weir_sim *s;
 *	weir_sim_opts_init(&o);
 *	o.messages = 1000;
 *	if (weir_sim_new(&o, &s) == 0) {
 *		char *buf = malloc(weir_sim_line_max(s));
 *		size_t n;
 *		while (weir_sim_next(s, buf, weir_sim_line_max(s), &n) == 1)
 *			fwrite(buf, 1, n, stdout);
 *		...
 *	}
 */
#ifndef WEIR_SIM_H
#define WEIR_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "weir/event.h"

enum weir_sim_format {
	WEIR_SIM_NDJSON = 0, /* canonical events, events.md §1 */
	WEIR_SIM_IRC = 1,    /* chat only, as logged Twitch IRC lines, events.md §1.1 */
};

/* Bit of a kind in weir_sim_opts.kinds. */
#define WEIR_SIM_KIND(k) (1u << (k))
#define WEIR_SIM_ALL_KINDS                                                                                   \
	(WEIR_SIM_KIND(WEIR_KIND_CHAT) | WEIR_SIM_KIND(WEIR_KIND_FOLLOWERS) |                                \
	 WEIR_SIM_KIND(WEIR_KIND_STREAM) | WEIR_SIM_KIND(WEIR_KIND_CHATTERS) |                               \
	 WEIR_SIM_KIND(WEIR_KIND_POST))

/* Default start of historical generation: 2026-11-20T00:00:00Z. */
#define WEIR_SIM_DEFAULT_START 1795132800000LL

struct weir_sim_opts {
	uint64_t seed;	       /* default 1 */
	int64_t start_ms;      /* event time of the start; default WEIR_SIM_DEFAULT_START */
	int64_t span_ms;       /* event time covered; default one day; INT64_MAX = unbounded */
	double rate;	       /* > 0: chat messages per second on average, no daily cycle (live use);
				* 0: the density of the span (--messages, or 0.1/s per channel) */
	uint64_t messages;     /* > 0: exactly this many chat messages, then chat stops */
	int format;	       /* enum weir_sim_format */
	unsigned kinds;	       /* WEIR_SIM_KIND() bits; default all five (chat only for IRC) */
	uint32_t channels;     /* streamers (Twitch channels); default 100 */
	uint32_t users;	       /* chatting users; default 20000 */
	uint32_t chatters_cap; /* most users in one chatters snapshot; default 1000 */
	double dup_rate;       /* exact duplicate lines; default 0.001 */
	double late_rate;      /* lines emitted 1-120 s after their time; default 0.002 */
	double bad_rate;       /* extra malformed lines; default 0.0005 */
};

/* Counts of what has been written so far. */
struct weir_sim_stats {
	uint64_t lines;			  /* every line returned */
	uint64_t events[WEIR_KIND_COUNT]; /* fresh well-formed events by kind (duplicates excluded) */
	uint64_t dups, late, bad;	  /* imperfections, by kind of imperfection */
};

struct weir_sim;

/* Fills o with the defaults above. */
void weir_sim_opts_init(struct weir_sim_opts *o);

/*
 * Builds the simulated world (streamers, accounts, games, users and their
 * audiences) from o. Returns 0 and sets *out (free with weir_sim_free), or
 * WEIR_EINVAL for options out of range, WEIR_ENOMEM.
 */
int weir_sim_new(const struct weir_sim_opts *o, struct weir_sim **out);
void weir_sim_free(struct weir_sim *s);

/* The longest line weir_sim_next() can write, '\n' included; buffers must be at least this big. */
size_t weir_sim_line_max(const struct weir_sim *s);

/*
 * Writes the next line, '\n' included, to buf[0..cap) and sets *len.
 * Returns 1 for a line, 0 when the run is over (the span or the message count
 * reached, every delayed line written), WEIR_EINVAL when cap < weir_sim_line_max().
 */
int weir_sim_next(struct weir_sim *s, char *buf, size_t cap, size_t *len);

/*
 * The earliest time (ms, event-time clock) at which the next line can be due,
 * INT64_MAX once the run is over. A pacing caller writes lines while
 * weir_sim_peek() <= its clock and sleeps otherwise.
 */
int64_t weir_sim_peek(struct weir_sim *s);

/* Time (ms) at which the last line returned was due: its ts, or later for a late or duplicate line. */
int64_t weir_sim_clock(const struct weir_sim *s);

void weir_sim_stats(const struct weir_sim *s, struct weir_sim_stats *st);

/*
 * Writes the reference tables of s's world into directory dir (created if
 * missing): streamers.csv (streamer,display_name,twitch,youtube,twitter,language),
 * games.csv (game,genre,console), and the same as streamers.json and games.json
 * (arrays of objects). Returns 0, or WEIR_EIO with errno set.
 */
int weir_sim_write_reference(const struct weir_sim *s, const char *dir);

/* `weir sim ...`: argv[0] is "sim". Returns the process exit status (0, 1 I/O error, 2 usage). */
int weir_cmd_sim(int argc, char **argv);

#endif
