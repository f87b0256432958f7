/*
 * ingest.c — `weir ingest`: read files or stdin to the end through the
 * whole pipeline, flush every window, print a summary.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir/engine.h"
#include "weir/reference.h"
#include "weir/store.h"
#include "cli/cli.h"
#include "ops/posts.h"
#include "sinks/blob.h"

static const char usage[] =
    "usage: weir ingest [options] FILE... | -\n"
    "\n"
    "Reads NDJSON events (or Twitch IRC logs) to the end, computes every\n"
    "analytic and stores the results. FILE may be plain, .gz or .zst (told\n"
    "apart by content); - reads standard input.\n"
    "\n"
    "  --format ndjson|irc    input format (default ndjson)\n"
    "  --store URI            sqlite:PATH (default $WEIR_STORE or sqlite:weir.db)\n"
    "  --dead-letter FILE     where rejected lines go (default: beside the store,\n"
    "                         PATH without .db + .dead.ndjson)\n"
    "  --lateness DUR         allowed lateness, e.g. 5s, 250ms, 2m (default 5s)\n"
    "  --threads N            worker threads (default: number of cores)\n"
    "  --max-line BYTES       longer lines are dead letters (default 1048576)\n"
    "  --commit-interval DUR  stdin: the writer commits at least this often (default 1s)\n"
    "  --checkpoint-interval DUR  files: results and the read position are committed\n"
    "                         together this often (default 5s); a killed ingest run again\n"
    "                         resumes there, and a file read to its end is skipped\n"
    "  --checkpoint-size MIB  files: ... and every MIB of input read (default 128)\n"
    "  --force                ingest files again even if this store has them complete\n"
    "  --max-future DUR       events timed later than now + DUR are dead letters\n"
    "                         (future_timestamp; default 1d, 0 = no limit)\n"
    "  --dedup-horizon DUR    message ids stay in memory this long in event time, then\n"
    "                         are read back from the store when needed (default 15m)\n"
    "  --streams-horizon DUR  stream samples kept this long behind the watermark to place\n"
    "                         late samples exactly (default 1h); older ones are recorded in\n"
    "                         the store's rejects (weir query rejects), not applied\n"
    "  --reference FILE       load a streamers or games table (CSV or JSON) first;\n"
    "                         repeatable; with no FILE... it only loads the tables\n"
    "  --keywords K1,K2,...   filter terms for the keywords query (posts that contain\n"
    "                         the term's words, case-insensitively); repeatable\n"
    "  --keywords-file FILE   the same, one term per line, or JSON {\"keywords\": [...]}\n"
    "  --summary text|json    summary format on stdout (default text)\n"
    "  --progress / --no-progress   progress line on stderr (default: when a terminal)\n";

static volatile sig_atomic_t stop_flag;

/* --keywords / --keywords-file: the terms, collected before the engine opens. */
struct terms {
	char **v;
	size_t n, cap;
};

/* Adds term p[0..n) (copied); an empty one is an error naming where it was. */
static int term_add(struct terms *t, const char *p, size_t n, const char *flag, const char *where)
{
	if (!n) {
		weir_cli_err("ingest", "%s: empty keyword term (%s)", flag, where);
		return 2;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return 1;
		t->v = v;
		t->cap = cap;
	}
	if (!(t->v[t->n] = strndup(p, n)))
		return 1;
	t->n++;
	return 0;
}

static int terms_from_list(struct terms *t, const char *list)
{
	char where[64];
	int k = 1;
	for (const char *p = list;; k++) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		snprintf(where, sizeof(where), "term %d of '%.30s'", k, list);
		int rc = term_add(t, p, n, "--keywords", where);
		if (rc || !c)
			return rc;
		p = c + 1;
	}
}

/* A JSON keywords file: {"keywords": ["term", ...]}; any other key is an
 * error naming it (a misspelt key must not silently filter nothing). */
static int terms_from_json(struct terms *t, const char *path, const char *text, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	if (!root || !cJSON_IsObject(root)) {
		weir_cli_err("ingest",
			     "--keywords-file %s: not a JSON object (expected {\"keywords\": [...]})", path);
		cJSON_Delete(root);
		return 2;
	}
	int rc = 0, seen = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, root)
	{
		if (rc)
			break;
		if (strcmp(item->string, "keywords") != 0) {
			weir_cli_err("ingest", "--keywords-file %s: unknown key '%s' (known: keywords)", path,
				     item->string);
			rc = 2;
			break;
		}
		seen = 1;
		if (!cJSON_IsArray(item)) {
			weir_cli_err("ingest", "--keywords-file %s: 'keywords' must be an array of strings",
				     path);
			rc = 2;
			break;
		}
		int i = 0;
		const cJSON *term;
		cJSON_ArrayForEach(term, item)
		{
			char where[64];
			snprintf(where, sizeof(where), "keywords[%d]", i++);
			if (!cJSON_IsString(term)) {
				weir_cli_err("ingest", "--keywords-file %s: %s is not a string", path, where);
				rc = 2;
				break;
			}
			if ((rc = term_add(t, term->valuestring, strlen(term->valuestring), "--keywords-file",
					   where)) != 0)
				break;
		}
	}
	if (!rc && !seen) {
		weir_cli_err("ingest", "--keywords-file %s: no 'keywords' key", path);
		rc = 2;
	}
	cJSON_Delete(root);
	return rc;
}

static int terms_from_file(struct terms *t, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		weir_cli_err("ingest", "--keywords-file: cannot read '%s'", path);
		return 2;
	}
	/* a JSON object, or one term per line */
	int first;
	while ((first = fgetc(f)) != EOF && isspace(first))
		;
	if (first == '{') {
		struct weir_buf b = {0};
		char chunk[65536];
		size_t n;
		int rc = 0;
		if (weir_buf_reserve(&b, 1) != 0)
			rc = 1;
		else
			b.p[b.len++] = '{';
		while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			if (weir_buf_reserve(&b, n) != 0) {
				rc = 1;
				break;
			}
			memcpy(b.p + b.len, chunk, n);
			b.len += n;
		}
		fclose(f);
		if (!rc)
			rc = terms_from_json(t, path, (const char *)b.p, b.len);
		weir_buf_free(&b);
		return rc;
	}
	rewind(f);
	char *line = NULL, where[64];
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	for (int k = 1; !rc && (n = getline(&line, &cap, f)) >= 0; k++) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		snprintf(where, sizeof(where), "line %d", k);
		rc = term_add(t, line, (size_t)n, "--keywords-file", where);
	}
	free(line);
	fclose(f);
	return rc;
}

static void terms_free(struct terms *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Default dead-letter path: beside a sqlite store. */
static char *default_dlq(const char *uri)
{
	const char *path = strncmp(uri, "sqlite:", 7) == 0 ? uri + 7 : "weir";
	size_t n = strlen(path);
	if (n > 3 && strcmp(path + n - 3, ".db") == 0)
		n -= 3;
	char *out = malloc(n + 16);
	if (out)
		snprintf(out, n + 16, "%.*s.dead.ndjson", (int)n, path);
	return out;
}

static void print_text_summary(const struct weir_engine_stats *st, const char *dlq)
{
	printf("ingested %llu lines (%llu file%s, %.1f MB) in %.2f s: %.0f events/s\n",
	       (unsigned long long)st->lines, (unsigned long long)st->files, st->files == 1 ? "" : "s",
	       (double)st->bytes / 1e6, st->seconds,
	       st->seconds > 0 ? (double)st->events / st->seconds : 0.0);
	if (st->files_skipped || st->files_resumed)
		printf("  files         %llu skipped (already ingested), %llu resumed from a checkpoint\n",
		       (unsigned long long)st->files_skipped, (unsigned long long)st->files_resumed);
	printf("  events        %llu (", (unsigned long long)st->events);
	int first = 1;
	for (int k = 1; k < WEIR_KIND_COUNT; k++)
		if (st->by_kind[k]) {
			printf("%s%s %llu", first ? "" : ", ", weir_kind_name(k),
			       (unsigned long long)st->by_kind[k]);
			first = 0;
		}
	printf(")\n");
	if (st->unrouted)
		printf("  not analysed  %llu (kinds this version stores no analytics for yet)\n",
		       (unsigned long long)st->unrouted);
	printf("  blank lines   %llu\n", (unsigned long long)st->blank);
	if (st->irc_skipped) {
		printf("  IRC non-chat  %llu (", (unsigned long long)st->irc_skipped);
		for (uint32_t i = 0; i < st->irc.ncmds; i++)
			printf("%s%s %llu", i ? ", " : "", st->irc.cmds[i].name,
			       (unsigned long long)st->irc.cmds[i].count);
		printf(")\n");
	}
	printf("  duplicates    %llu (dropped: message id seen before)\n",
	       (unsigned long long)st->duplicates);
	printf("  late          %llu (applied as corrections to %llu closed windows)\n",
	       (unsigned long long)st->late, (unsigned long long)st->corrections);
	if (st->expired || st->rejected)
		printf("  not applied   %llu too late for any correction horizon, %llu impossible values"
		       " (recorded: weir query rejects)\n",
		       (unsigned long long)st->expired, (unsigned long long)st->rejected);
	printf("  dead letters  %llu", (unsigned long long)st->dead);
	if (st->dead) {
		printf(" -> %s (", dlq);
		first = 1;
		for (int r = 1; r < WEIR_R_COUNT; r++)
			if (st->reasons[r]) {
				printf("%s%s %llu", first ? "" : ", ", weir_reason_name(r),
				       (unsigned long long)st->reasons[r]);
				first = 0;
			}
		printf(")");
	}
	printf("\n");
}

int weir_cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, 0, 'f'},
	    {"store", required_argument, 0, 's'},
	    {"dead-letter", required_argument, 0, 'd'},
	    {"lateness", required_argument, 0, 'l'},
	    {"threads", required_argument, 0, 't'},
	    {"max-line", required_argument, 0, 'm'},
	    {"summary", required_argument, 0, 'S'},
	    {"progress", no_argument, 0, 'p'},
	    {"no-progress", no_argument, 0, 'P'},
	    {"commit-interval", required_argument, 0, 'c'},
	    {"checkpoint-interval", required_argument, 0, 'K'},
	    {"checkpoint-size", required_argument, 0, 'B'},
	    {"force", no_argument, 0, 'X'},
	    {"dedup-horizon", required_argument, 0, 'H'},
	    {"streams-horizon", required_argument, 0, 'Z'},
	    {"max-future", required_argument, 0, 'F'},
	    {"store-cache", required_argument, 0, 'C'},
	    {"reference", required_argument, 0, 'R'},
	    {"keywords", required_argument, 0, 'k'},
	    {"keywords-file", required_argument, 0, 'W'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	struct weir_engine_opts o;
	weir_engine_opts_default(&o);
	o.store_uri = weir_cli_store_default();
	o.dead_letter_path = NULL;
	o.progress = isatty(2);
	int json_summary = 0;
	struct terms kw = {0};
	const char *refs[64]; /* --reference files */
	int nrefs = 0;
	int64_t v;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "ndjson"))
				o.format = WEIR_FMT_NDJSON;
			else if (!strcmp(optarg, "irc"))
				o.format = WEIR_FMT_IRC;
			else {
				weir_cli_err("ingest", "--format: unknown format '%s' (ndjson or irc)",
					     optarg);
				return 2;
			}
			break;
		case 's':
			o.store_uri = optarg;
			break;
		case 'd':
			o.dead_letter_path = optarg;
			break;
		case 'l':
			if (weir_duration_parse(optarg, &o.lateness_ms) != 0) {
				weir_cli_err("ingest",
					     "--lateness: expected a duration like 5s or 250ms, got '%s'",
					     optarg);
				return 2;
			}
			break;
		case 'c':
			if (weir_duration_parse(optarg, &o.commit_interval_ms) != 0 ||
			    o.commit_interval_ms <= 0) {
				weir_cli_err("ingest",
					     "--commit-interval: expected a duration like 1s, got '%s'",
					     optarg);
				return 2;
			}
			break;
		case 'K':
			if (weir_duration_parse(optarg, &o.checkpoint_interval_ms) != 0 ||
			    o.checkpoint_interval_ms <= 0) {
				weir_cli_err("ingest",
					     "--checkpoint-interval: expected a duration like 5s, got '%s'",
					     optarg);
				return 2;
			}
			break;
		case 'B':
			if (weir_cli_int("ingest", "--checkpoint-size", optarg, 1, 1 << 30, &v) != 0)
				return 2;
			o.checkpoint_mib = v;
			break;
		case 'X':
			o.force = true;
			break;
		case 'C':
			if (weir_cli_int("ingest", "--store-cache", optarg, 1, 1 << 20, &v) != 0)
				return 2;
			o.store_cache_mib = v;
			break;
		case 'F':
			if (weir_duration_parse(optarg, &o.max_future_ms) != 0) {
				weir_cli_err("ingest", "--max-future: expected a duration like 1d, got '%s'",
					     optarg);
				return 2;
			}
			break;
		case 'Z':
			if (weir_duration_parse(optarg, &o.streams_horizon_ms) != 0 ||
			    o.streams_horizon_ms <= 0) {
				weir_cli_err(
				    "ingest",
				    "--streams-horizon: expected a positive duration like 1h, got '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'H':
			if (weir_duration_parse(optarg, &o.dedup_horizon_ms) != 0) {
				weir_cli_err("ingest",
					     "--dedup-horizon: expected a duration like 15m, got '%s'",
					     optarg);
				return 2;
			}
			break;
		case 't':
			if (weir_cli_int("ingest", "--threads", optarg, 1, 64, &v) != 0)
				return 2;
			o.threads = (int)v;
			break;
		case 'm':
			if (weir_cli_int("ingest", "--max-line", optarg, 64, 64LL << 20, &v) != 0)
				return 2;
			o.max_line = (size_t)v;
			break;
		case 'S':
			if (!strcmp(optarg, "json"))
				json_summary = 1;
			else if (strcmp(optarg, "text") != 0) {
				weir_cli_err("ingest", "--summary: expected text or json, got '%s'", optarg);
				return 2;
			}
			break;
		case 'p':
			o.progress = 1;
			break;
		case 'P':
			o.progress = 0;
			break;
		case 'R':
			if (nrefs == (int)(sizeof(refs) / sizeof(refs[0]))) {
				weir_cli_err("ingest", "--reference: at most %d files", nrefs);
				terms_free(&kw);
				return 2;
			}
			refs[nrefs++] = optarg;
			break;
		case 'k':
		case 'W': {
			int krc = c == 'k' ? terms_from_list(&kw, optarg) : terms_from_file(&kw, optarg);
			if (krc) {
				if (krc == 1)
					weir_cli_err("ingest", "out of memory");
				terms_free(&kw);
				return krc;
			}
			break;
		}
		case 'h':
			terms_free(&kw);
			fputs(usage, stdout);
			return 0;
		default:
			terms_free(&kw);
			weir_cli_err("ingest", "unknown option '%s' (see weir ingest --help)",
				     argv[optind - 1]);
			return 2;
		}
	}
	{
		/* the posts operator's filter terms: set before the engine opens */
		char kerr[512] = "";
		int krc = weir_posts_set_keywords((const char *const *)kw.v, kw.n, kerr, sizeof(kerr));
		terms_free(&kw);
		if (krc) {
			weir_cli_err("ingest", "--keywords: %s", krc == WEIR_ENOMEM ? "out of memory" : kerr);
			return krc == WEIR_EINVAL ? 2 : 1;
		}
	}
	if (nrefs) {
		/* reference data first, all or nothing: a bad file is a usage error */
		char rerr[512] = "";
		int rrc = weir_reference_load(o.store_uri, refs, nrefs, json_summary ? NULL : stdout, rerr,
					      sizeof(rerr));
		if (rrc) {
			weir_cli_err("ingest", "%s", rrc == WEIR_ENOMEM ? "out of memory" : rerr);
			return rrc == WEIR_ESTORE || rrc == WEIR_ENOMEM ? 1 : 2;
		}
		if (optind >= argc)
			return 0;
	}
	if (optind >= argc) {
		weir_cli_err("ingest", "no input: give FILE... or - for standard input");
		return 2;
	}
	char *dlq = o.dead_letter_path ? strdup(o.dead_letter_path) : default_dlq(o.store_uri);
	o.dead_letter_path = dlq;
	o.stop = &stop_flag;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	char err[512] = "";
	struct weir_engine *e;
	int rc = weir_engine_open(&o, &e, err, sizeof(err));
	if (rc) {
		weir_cli_err("ingest", "%s", err);
		free(dlq);
		return rc == WEIR_EINVAL ? 2 : 1;
	}
	int status = 0;
	for (int i = optind; i < argc && !stop_flag; i++) {
		rc = weir_engine_feed_file(e, argv[i], err, sizeof(err));
		if (rc) {
			weir_cli_err("ingest", "%s", err);
			status = 1;
			break;
		}
	}
	struct weir_engine_stats st;
	rc = weir_engine_close(e, &st, err, sizeof(err));
	if (rc) {
		weir_cli_err("ingest", "%s", err);
		status = 1;
	}
	if (json_summary) {
		char *js = weir_engine_stats_json(&st, dlq);
		if (js)
			puts(js);
		free(js);
	} else {
		print_text_summary(&st, dlq);
	}
	if (stop_flag)
		fprintf(stderr, "weir ingest: interrupted; everything read so far is stored\n");
	free(dlq);
	return status;
}
