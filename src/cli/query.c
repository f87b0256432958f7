/*
 * query.c — `weir query NAME`: run a named query (queries.md) against a
 * store and print the rows as csv, json or an aligned table.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir/store.h"
#include "cli/cli.h"
#include "core/deadletter.h"

static const char usage[] =
    "usage: weir query NAME [options] [filters]\n"
    "\n"
    "  --store URI            sqlite:PATH (default $WEIR_STORE or sqlite:weir.db)\n"
    "  --from T / --to T      RFC 3339; a window is included when its start is in [from, to)\n"
    "  --window minute|hour|day|week  grain (default hour, or the query's own; week: ISO weeks,\n"
    "                         Monday 00:00 UTC, posts queries only)\n"
    "  --limit N              rows for top-N queries (default 10)\n"
    "  --format table|csv|json   output (default table on a terminal, else csv)\n"
    "  --approx               answer from the per-day sketches: fast over long ranges,\n"
    "                         whole UTC days, estimates with a stated error\n"
    "                         (top-words, top-users, chat-range; docs/sketches.md)\n"
    "  --list                 list the query names\n"
    "\n"
    "filters (each query takes those shown with it): --channel C, --user U,\n"
    "  --platform P, --streamer S, --game G, --genre G, --language L, --console C,\n"
    "  --by FIELD, --a A, --b B, --tag T, --keyword K, --day YYYY-MM-DD\n"
    "\n"
    "queries:\n";

static void print_usage(void)
{
	fputs(usage, stdout);
	for (int i = 0; weir_queries[i]; i++)
		printf("  %-14s %s\n", weir_queries[i]->name, weir_queries[i]->usage);
}

enum { FMT_TABLE, FMT_CSV, FMT_JSON };

/* Text of one cell as it appears in csv/table output. */
static void cell_text(const struct weir_result *r, uint32_t row, uint32_t col, char *buf, size_t cap)
{
	const struct weir_cell *c = &r->cells[(size_t)row * r->ncols + col];
	switch (r->types[col]) {
	case WEIR_C_INT:
		snprintf(buf, cap, "%lld", (long long)c->i);
		break;
	case WEIR_C_REAL: {
		snprintf(buf, cap, "%.6f", c->d);
		/* up to 6 decimals: drop trailing zeros */
		char *dot = strchr(buf, '.');
		if (dot) {
			char *e = buf + strlen(buf) - 1;
			while (e > dot && *e == '0')
				*e-- = 0;
			if (e == dot)
				*e = 0;
		}
		break;
	}
	case WEIR_C_TIME:
		weir_time_format(c->i, buf, cap);
		break;
	case WEIR_C_DAY:
		weir_day_format(c->i, buf, cap);
		break;
	default:
		snprintf(buf, cap, "%s", c->s ? c->s : "");
	}
}

static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void print_csv(const struct weir_result *r)
{
	char buf[4096];
	for (uint32_t c = 0; c < r->ncols; c++) {
		if (c)
			putchar(',');
		fputs(r->cols[c], stdout);
	}
	putchar('\n');
	for (uint32_t i = 0; i < r->nrows; i++) {
		for (uint32_t c = 0; c < r->ncols; c++) {
			if (c)
				putchar(',');
			if (r->types[c] == WEIR_C_TEXT) {
				const char *s = r->cells[(size_t)i * r->ncols + c].s;
				csv_field(s ? s : "");
			} else {
				cell_text(r, i, c, buf, sizeof(buf));
				fputs(buf, stdout);
			}
		}
		putchar('\n');
	}
}

static void print_json(const struct weir_result *r)
{
	char buf[64];
	putchar('[');
	for (uint32_t i = 0; i < r->nrows; i++) {
		fputs(i ? ",\n{" : "{", stdout);
		for (uint32_t c = 0; c < r->ncols; c++) {
			const struct weir_cell *cell = &r->cells[(size_t)i * r->ncols + c];
			printf("%s\"%s\":", c ? "," : "", r->cols[c]);
			if (r->types[c] == WEIR_C_INT || r->types[c] == WEIR_C_REAL) {
				cell_text(r, i, c, buf, sizeof(buf));
				fputs(buf, stdout);
			} else if (r->types[c] == WEIR_C_TEXT) {
				putchar('"');
				weir_json_escape(stdout, cell->s ? cell->s : "",
						 cell->s ? strlen(cell->s) : 0);
				putchar('"');
			} else {
				cell_text(r, i, c, buf, sizeof(buf));
				printf("\"%s\"", buf);
			}
		}
		putchar('}');
	}
	puts("]");
}

/* Display width of UTF-8 text: one column per code point (good enough for names). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void print_table(const struct weir_result *r)
{
	size_t *w = calloc(r->ncols, sizeof(size_t));
	char buf[4096];
	if (!w)
		return;
	for (uint32_t c = 0; c < r->ncols; c++)
		w[c] = width(r->cols[c]);
	for (uint32_t i = 0; i < r->nrows; i++)
		for (uint32_t c = 0; c < r->ncols; c++) {
			cell_text(r, i, c, buf, sizeof(buf));
			size_t n = width(buf);
			if (n > w[c])
				w[c] = n;
		}
	for (uint32_t c = 0; c < r->ncols; c++)
		printf("%s%-*s", c ? "  " : "", (int)w[c], r->cols[c]);
	putchar('\n');
	for (uint32_t i = 0; i < r->nrows; i++) {
		for (uint32_t c = 0; c < r->ncols; c++) {
			cell_text(r, i, c, buf, sizeof(buf));
			size_t pad = w[c] - width(buf);
			int right = r->types[c] == WEIR_C_INT || r->types[c] == WEIR_C_REAL;
			if (c)
				fputs("  ", stdout);
			if (right)
				printf("%*s", (int)pad, "");
			fputs(buf, stdout);
			if (!right && c + 1 < r->ncols)
				printf("%*s", (int)pad, "");
		}
		putchar('\n');
	}
	free(w);
}

static int parse_time_flag(const char *flag, const char *val, int64_t *out)
{
	if (weir_time_parse(val, strlen(val), out) != 0) {
		weir_cli_err("query", "%s: expected an RFC 3339 time like 2026-11-20T21:00:00Z, got '%s'",
			     flag, val);
		return -1;
	}
	return 0;
}

/* Filter flags: getopt value, name, WEIR_QF_ bit, offset of the field in the args. */
struct filter {
	int opt;
	const char *name;
	unsigned bit;
	size_t off;
};

#define F(o, n, b, f)                                                                                        \
	{                                                                                                    \
		o, n, b, offsetof(struct weir_query_args, f)                                                 \
	}
static const struct filter filters[] = {
    F(1000, "channel", WEIR_QF_CHANNEL, channel),
    F(1001, "user", WEIR_QF_USER, user),
    F(1002, "platform", WEIR_QF_PLATFORM, platform),
    F(1003, "streamer", WEIR_QF_STREAMER, streamer),
    F(1004, "game", WEIR_QF_GAME, game),
    F(1005, "genre", WEIR_QF_GENRE, genre),
    F(1006, "language", WEIR_QF_LANGUAGE, language),
    F(1007, "console", WEIR_QF_CONSOLE, console),
    F(1008, "by", WEIR_QF_BY, by),
    F(1009, "a", WEIR_QF_A, a),
    F(1010, "b", WEIR_QF_B, b),
    F(1011, "tag", WEIR_QF_TAG, tag),
    F(1012, "keyword", WEIR_QF_KEYWORD, keyword),
};
#undef F
#define NFILTERS (sizeof(filters) / sizeof(filters[0]))

int weir_cmd_query(int argc, char **argv)
{
	struct option opts[32] = {
	    {"store", required_argument, 0, 's'}, {"from", required_argument, 0, 'F'},
	    {"to", required_argument, 0, 'T'},	  {"window", required_argument, 0, 'w'},
	    {"limit", required_argument, 0, 'n'}, {"format", required_argument, 0, 'o'},
	    {"list", no_argument, 0, 'L'},	  {"help", no_argument, 0, 'h'},
	    {"day", required_argument, 0, 'D'},	  {"approx", no_argument, 0, 'A'},
	};
	int nopts = 10;
	for (size_t i = 0; i < NFILTERS; i++)
		opts[nopts++] = (struct option){filters[i].name, required_argument, 0, filters[i].opt};
	opts[nopts] = (struct option){0, 0, 0, 0};

	const char *store_uri = weir_cli_store_default();
	struct weir_query_args a = {
	    .from = WEIR_ABSENT, .to = WEIR_ABSENT, .day = WEIR_ABSENT, .window = -1, .limit = -1};
	unsigned given = 0;
	int fmt = isatty(1) ? FMT_TABLE : FMT_CSV;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c >= 1000 && c < 1000 + (int)NFILTERS) {
			const struct filter *f = &filters[c - 1000];
			*(const char **)((char *)&a + f->off) = optarg;
			given |= f->bit;
			continue;
		}
		switch (c) {
		case 's':
			store_uri = optarg;
			break;
		case 'F':
			if (parse_time_flag("--from", optarg, &a.from) != 0)
				return 2;
			break;
		case 'T':
			if (parse_time_flag("--to", optarg, &a.to) != 0)
				return 2;
			break;
		case 'D':
			if (parse_time_flag("--day", optarg, &a.day) != 0)
				return 2;
			a.day = weir_floor(a.day, WEIR_MS_PER_DAY);
			given |= WEIR_QF_DAY;
			break;
		case 'w':
			a.window = weir_grain_from(optarg);
			if (a.window < 0) {
				weir_cli_err("query",
					     "--window: unknown window '%s' (minute, hour, day or week)",
					     optarg);
				return 2;
			}
			break;
		case 'n':
			if (weir_cli_int("query", "--limit", optarg, 0, 1000000000, &a.limit) != 0)
				return 2;
			break;
		case 'o':
			if (!strcmp(optarg, "csv"))
				fmt = FMT_CSV;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else if (!strcmp(optarg, "table"))
				fmt = FMT_TABLE;
			else {
				weir_cli_err("query", "--format: unknown format '%s' (table, csv or json)",
					     optarg);
				return 2;
			}
			break;
		case 'A':
			a.approx = true;
			given |= WEIR_QF_APPROX;
			break;
		case 'L':
			for (int i = 0; weir_queries[i]; i++)
				puts(weir_queries[i]->name);
			return 0;
		case 'h':
			print_usage();
			return 0;
		default:
			weir_cli_err("query", "unknown option or filter '%s' (see weir query --help)",
				     argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		weir_cli_err("query", "which query? (weir query --list)");
		return 2;
	}
	const char *name = argv[optind++];
	const struct weir_query_def *q = weir_query_find(name);
	if (q) {
		/* positional forms: `user-schedule U`, `overlap A B` */
		if ((q->filters & WEIR_QF_USER) && !a.user && optind < argc) {
			a.user = argv[optind++];
			given |= WEIR_QF_USER;
		}
		if ((q->filters & WEIR_QF_A) && !a.a && optind < argc) {
			a.a = argv[optind++];
			given |= WEIR_QF_A;
		}
		if ((q->filters & WEIR_QF_B) && !a.b && optind < argc) {
			a.b = argv[optind++];
			given |= WEIR_QF_B;
		}
		for (size_t i = 0; i < NFILTERS; i++)
			if ((given & filters[i].bit) && !(q->filters & filters[i].bit)) {
				weir_cli_err("query", "%s does not take the filter --%s", name,
					     filters[i].name);
				return 2;
			}
		if ((given & WEIR_QF_DAY) && !(q->filters & WEIR_QF_DAY)) {
			weir_cli_err("query", "%s does not take the filter --day", name);
			return 2;
		}
		if ((given & WEIR_QF_APPROX) && !(q->filters & WEIR_QF_APPROX)) {
			weir_cli_err("query",
				     "%s has no --approx form (top-words, top-users and chat-range have)",
				     name);
			return 2;
		}
		if (a.window == WEIR_GRAIN_WEEK && !(q->filters & WEIR_QF_WEEK)) {
			weir_cli_err("query",
				     "%s: --window week is not kept for this query (weeks: posts, keywords,"
				     " post-locations, trending)",
				     name);
			return 2;
		}
	}
	if (optind < argc) {
		weir_cli_err("query", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	char err[512] = "";
	if (!q) {
		struct weir_result none;
		weir_store_query(NULL, name, &a, &none, err, sizeof(err));
		weir_cli_err("query", "%s", err);
		return 2;
	}
	struct weir_store *s;
	int rc = weir_store_open(store_uri, true, &s, err, sizeof(err));
	if (rc) {
		weir_cli_err("query", "%s", err);
		return rc == WEIR_EINVAL ? 2 : 1;
	}
	struct weir_result res;
	memset(&res, 0, sizeof(res));
	rc = q->run(s, &a, &res, err, sizeof(err));
	if (rc) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s: %s", name, weir_strerror(rc));
		weir_cli_err("query", "%s", err);
		weir_result_free(&res);
		weir_store_close(s);
		return rc == WEIR_EINVAL ? 2 : 1;
	}
	if (fmt == FMT_CSV)
		print_csv(&res);
	else if (fmt == FMT_JSON)
		print_json(&res);
	else
		print_table(&res);
	weir_result_free(&res);
	weir_store_close(s);
	return 0;
}
