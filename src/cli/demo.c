/*
 * demo.c — `weir demo`: the simulator, live (event time = now), feeding the
 * whole pipeline in-process, with a live summary every two seconds until
 * Ctrl-C (or --duration). What it stores is queryable while it runs:
 * `weir query chat --store sqlite:weir-demo.db --window minute`.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weir/engine.h"
#include "weir/sim.h"
#include "weir/store.h"
#include "cli/cli.h"

static const char usage[] = "usage: weir demo [options]\n"
			    "\n"
			    "Runs the simulator live through the pipeline into a store and prints a\n"
			    "summary every 2 s until Ctrl-C.\n"
			    "\n"
			    "  --rate N          chat messages per second (default 300)\n"
			    "  --seed N          simulator seed (default: from the clock)\n"
			    "  --store URI       default sqlite:weir-demo.db\n"
			    "  --channels N      simulated channels (default 50)\n"
			    "  --duration DUR    stop after this long (default: until Ctrl-C)\n"
			    "  --threads N       worker threads (default: cores)\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Top channels by messages in the last complete minutes of the store. */
static void print_top(const char *uri, int64_t now)
{
	struct weir_store *s;
	char err[256];
	if (weir_store_open(uri, true, &s, err, sizeof(err)) != 0)
		return;
	struct weir_query_args a = {
	    .from = now - 5 * WEIR_MS_PER_MIN, .to = WEIR_ABSENT, .window = -1, .limit = -1};
	struct weir_result r;
	if (weir_store_query(s, "chat-minutes", &a, &r, err, sizeof(err)) == 0 && r.nrows) {
		/* latest minute present */
		int64_t last = INT64_MIN;
		for (uint32_t i = 0; i < r.nrows; i++)
			if (r.cells[i * r.ncols].i > last)
				last = r.cells[i * r.ncols].i;
		char tb[40];
		weir_time_format(last, tb, sizeof(tb));
		printf("  minute %s:", tb + 11);
		/* up to 3 busiest channels of that minute */
		for (int k = 0; k < 3; k++) {
			int64_t best = -1;
			uint32_t bi = 0;
			for (uint32_t i = 0; i < r.nrows; i++) {
				struct weir_cell *c = &r.cells[i * r.ncols];
				if (c[0].i == last && c[2].i > best) {
					best = c[2].i;
					bi = i;
				}
			}
			if (best < 0)
				break;
			struct weir_cell *c = &r.cells[bi * r.ncols];
			printf(" %s %lld msgs/%lld chatters%s", c[1].s, (long long)c[2].i, (long long)c[4].i,
			       k < 2 ? "," : "");
			c[2].i = -2; /* not again */
		}
		printf("\n");
	}
	if (r.cells)
		weir_result_free(&r);
	weir_store_close(s);
}

int weir_cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rate", required_argument, 0, 'r'},     {"seed", required_argument, 0, 'S'},
	    {"store", required_argument, 0, 's'},    {"duration", required_argument, 0, 'd'},
	    {"channels", required_argument, 0, 'c'}, {"threads", required_argument, 0, 't'},
	    {"help", no_argument, 0, 'h'},	     {0, 0, 0, 0},
	};
	struct weir_engine_opts eo;
	weir_engine_opts_default(&eo);
	eo.store_uri = "sqlite:weir-demo.db";
	eo.dead_letter_path = "weir-demo.dead.ndjson";
	struct weir_sim_opts so;
	weir_sim_opts_init(&so);
	so.rate = 300;
	so.channels = 50;
	so.seed = (uint64_t)time(NULL);
	int64_t duration = 0, v;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (weir_cli_int("demo", "--rate", optarg, 1, 10000000, &v) != 0)
				return 2;
			so.rate = (double)v;
			break;
		case 'S':
			if (weir_cli_int("demo", "--seed", optarg, 0, INT64_MAX, &v) != 0)
				return 2;
			so.seed = (uint64_t)v;
			break;
		case 's':
			eo.store_uri = optarg;
			break;
		case 'd':
			if (weir_duration_parse(optarg, &duration) != 0) {
				weir_cli_err("demo", "--duration: expected a duration like 30s, got '%s'",
					     optarg);
				return 2;
			}
			break;
		case 'c':
			if (weir_cli_int("demo", "--channels", optarg, 1, 100000, &v) != 0)
				return 2;
			so.channels = (uint32_t)v;
			break;
		case 't':
			if (weir_cli_int("demo", "--threads", optarg, 1, 64, &v) != 0)
				return 2;
			eo.threads = (int)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			weir_cli_err("demo", "unknown option '%s' (see weir demo --help)", argv[optind - 1]);
			return 2;
		}
	}
	int64_t t0 = weir_wall_ms();
	so.start_ms = t0;
	so.span_ms = INT64_MAX;
	struct weir_sim *sim;
	if (weir_sim_new(&so, &sim) != 0) {
		weir_cli_err("demo", "cannot start the simulator");
		return 1;
	}
	char err[512];
	struct weir_engine *e;
	int rc = weir_engine_open(&eo, &e, err, sizeof(err));
	if (rc) {
		weir_cli_err("demo", "%s", err);
		weir_sim_free(sim);
		return rc == WEIR_EINVAL ? 2 : 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("weir demo: simulator (%.0f msgs/s, %u channels, seed %llu) -> pipeline -> %s\n", so.rate,
	       so.channels, (unsigned long long)so.seed, eo.store_uri);
	printf("Ctrl-C to stop. Meanwhile, in another terminal:\n"
	       "  ./weir query chat --store %s --window minute\n",
	       eo.store_uri);
	fflush(stdout);
	size_t linemax = weir_sim_line_max(sim);
	size_t cap = linemax * 4096 + WEIR_JSON_PADDING;
	char *buf = malloc(cap);
	int64_t last_print = t0;
	uint64_t last_events = 0;
	while (!stop_flag && buf) {
		int64_t now = weir_wall_ms();
		if (duration && now - t0 >= duration)
			break;
		size_t len = 0;
		size_t n;
		/* every line due by now, in one feed */
		while (weir_sim_peek(sim) <= now && len + linemax <= cap - WEIR_JSON_PADDING &&
		       weir_sim_next(sim, buf + len, linemax, &n) == 1)
			len += n;
		if (len && weir_engine_feed_lines(e, "sim", buf, len) != 0)
			break;
		if (now - last_print >= 2000) {
			struct weir_engine_stats st;
			weir_engine_stats(e, &st);
			printf("t+%3llds  events %llu (%.0f/s)  chat %llu  late %llu  dead %llu\n",
			       (long long)((now - t0) / 1000), (unsigned long long)st.events,
			       (double)(st.events - last_events) * 1000.0 / (double)(now - last_print),
			       (unsigned long long)st.by_kind[WEIR_KIND_CHAT], (unsigned long long)st.late,
			       (unsigned long long)st.dead);
			print_top(eo.store_uri, now);
			fflush(stdout);
			last_events = st.events;
			last_print = now;
		}
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	free(buf);
	struct weir_engine_stats st;
	rc = weir_engine_close(e, &st, err, sizeof(err));
	weir_sim_free(sim);
	if (rc) {
		weir_cli_err("demo", "%s", err);
		return 1;
	}
	printf("weir demo: stopped after %.0f s; %llu events stored in %s\n", st.seconds,
	       (unsigned long long)st.events, eo.store_uri);
	return 0;
}
