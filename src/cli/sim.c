/*
 * sim.c — `weir sim`: the event simulator (src/sources/sim.c) on the command
 * line. Historical runs write a span's events as fast as they can be
 * formatted; live runs (--rate) stamp events with the wall clock and pace
 * them with weir_sim_peek(), flushing after each tick, until --duration,
 * Ctrl-C or a closed pipe. docs/sim.md is the user guide.
 *
 * Lines are generated straight into one big output buffer and written with
 * write(2): the benchmark input (2M chat lines) is made at disk speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weir/sim.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: weir sim [options]\n"
    "\n"
    "Writes realistic, reproducible events: Twitch chat, follower snapshots,\n"
    "stream samples, chatters lists and tweets (docs/sim.md).\n"
    "\n"
    "  --seed N            seed; same seed and flags, same bytes (default 1)\n"
    "  --span DUR          historical: events of this much time, as fast as possible\n"
    "                      (default 1d; e.g. 90m, 12h, 7d)\n"
    "  --start TIME        RFC 3339 start of a historical run (default 2026-11-20T00:00:00Z)\n"
    "  --rate N/s          live: event time = now, about N chat messages per second\n"
    "                      (also N/m, N/h), paced by the wall clock until Ctrl-C\n"
    "  --duration DUR      live: stop after this long\n"
    "  --messages N        exactly N chat messages (duplicates and bad lines are extra)\n"
    "  --kinds LIST        of chat,followers,stream,chatters,post (default all)\n"
    "  --format F          ndjson (default) or irc (chat only, logged Twitch IRC lines)\n"
    "  --channels N        streamers (default 100)\n"
    "  --users N           chatting users (default 20000)\n"
    "  --chatters-cap N    most users in one chatters snapshot (default 1000)\n"
    "  --dup-rate F        share of lines duplicated (default 0.001)\n"
    "  --late-rate F       share of lines arriving 1-120 s late (default 0.002)\n"
    "  --bad-rate F        malformed lines per line (default 0.0005)\n"
    "  --reference DIR     also write streamers.csv/.json and games.csv/.json there\n"
    "  -o, --output FILE   write to FILE instead of stdout\n"
    "  --stats             print what was written to stderr at the end\n"
    "\n"
    "Rates of 0 switch an imperfection off. The benchmark input:\n"
    "  weir sim --seed 1 --messages 2000000 --kinds chat --dup-rate 0 --late-rate 0 \\\n"
    "           --bad-rate 0 -o chat.ndjson\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Output: one buffer, write(2) when it fills; a closed pipe ends the run quietly. */
struct out {
	int fd;
	const char *name;
	char *buf;
	size_t len, cap;
	int err; /* errno of a failed write, EPIPE included */
};

static int out_flush(struct out *o)
{
	size_t off = 0;
	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
	return o->err ? -1 : 0;
}

/* "300", "300/s", "18000/m", "5/h": chat messages per second. */
static int parse_rate(const char *v, double *rate)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || end == v || !(x > 0) || !isfinite(x))
		return -1;
	if (!*end || !strcmp(end, "/s"))
		;
	else if (!strcmp(end, "/m"))
		x /= 60;
	else if (!strcmp(end, "/h"))
		x /= 3600;
	else
		return -1;
	if (x > 1e9)
		return -1;
	*rate = x;
	return 0;
}

static int parse_frac(const char *flag, const char *v, double *out)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || end == v || *end || !(x >= 0 && x <= 1)) {
		weir_cli_err("sim", "%s: expected a fraction from 0 to 1, got '%s'", flag, v);
		return -1;
	}
	*out = x;
	return 0;
}

static int parse_kinds(const char *v, unsigned *kinds)
{
	unsigned k = 0;
	const char *p = v;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int kind = weir_kind_from(p, n);
		if (kind == WEIR_KIND_NONE) {
			weir_cli_err("sim",
				     "--kinds: unknown kind '%.*s' (chat, followers, stream, chatters, post)",
				     (int)n, p);
			return -1;
		}
		k |= WEIR_SIM_KIND(kind);
		p += n;
		if (*p == ',')
			p++;
	}
	if (!k) {
		weir_cli_err("sim", "--kinds: expected a list like chat,stream, got '%s'", v);
		return -1;
	}
	*kinds = k;
	return 0;
}

static void print_stats(const struct weir_sim *sim, double secs)
{
	struct weir_sim_stats st;
	weir_sim_stats(sim, &st);
	fprintf(
	    stderr,
	    "weir sim: %llu lines in %.2f s (%.0f lines/s): chat %llu, followers %llu, stream %llu, "
	    "chatters %llu, post %llu; duplicates %llu, late %llu, malformed %llu\n",
	    (unsigned long long)st.lines, secs, secs > 0 ? (double)st.lines / secs : 0.0,
	    (unsigned long long)st.events[WEIR_KIND_CHAT], (unsigned long long)st.events[WEIR_KIND_FOLLOWERS],
	    (unsigned long long)st.events[WEIR_KIND_STREAM],
	    (unsigned long long)st.events[WEIR_KIND_CHATTERS], (unsigned long long)st.events[WEIR_KIND_POST],
	    (unsigned long long)st.dups, (unsigned long long)st.late, (unsigned long long)st.bad);
}

/* Historical: everything, as fast as possible. */
static void run_batch(struct weir_sim *sim, struct out *o, size_t lmax)
{
	size_t n;
	while (!stop_flag) {
		if (o->cap - o->len < lmax && out_flush(o) != 0)
			return;
		if (weir_sim_next(sim, o->buf + o->len, lmax, &n) != 1)
			break;
		o->len += n;
	}
	out_flush(o);
}

/* Live: the lines due by the (shifted) wall clock, then sleep until the next one. */
static void run_live(struct weir_sim *sim, struct out *o, size_t lmax, int64_t offset)
{
	size_t n;
	while (!stop_flag) {
		int64_t now = weir_wall_ms() + offset;
		int64_t due;
		while ((due = weir_sim_peek(sim)) <= now && !stop_flag) {
			if (o->cap - o->len < lmax && out_flush(o) != 0)
				return;
			if (weir_sim_next(sim, o->buf + o->len, lmax, &n) != 1)
				break;
			o->len += n;
		}
		if (out_flush(o) != 0 || due == INT64_MAX)
			return;
		int64_t wait = due - now;
		if (wait > 100)
			wait = 100;
		if (wait < 1)
			wait = 1;
		struct timespec ts = {0, (long)wait * 1000000L};
		nanosleep(&ts, NULL);
	}
}

int weir_cmd_sim(int argc, char **argv)
{
	enum {
		O_SEED = 1000,
		O_SPAN,
		O_START,
		O_RATE,
		O_DURATION,
		O_MESSAGES,
		O_KINDS,
		O_FORMAT,
		O_CHANNELS,
		O_USERS,
		O_CAP,
		O_DUP,
		O_LATE,
		O_BAD,
		O_REF,
		O_STATS,
	};
	static const struct option opts[] = {
	    {"seed", required_argument, 0, O_SEED},
	    {"span", required_argument, 0, O_SPAN},
	    {"start", required_argument, 0, O_START},
	    {"rate", required_argument, 0, O_RATE},
	    {"duration", required_argument, 0, O_DURATION},
	    {"messages", required_argument, 0, O_MESSAGES},
	    {"kinds", required_argument, 0, O_KINDS},
	    {"format", required_argument, 0, O_FORMAT},
	    {"channels", required_argument, 0, O_CHANNELS},
	    {"users", required_argument, 0, O_USERS},
	    {"chatters-cap", required_argument, 0, O_CAP},
	    {"dup-rate", required_argument, 0, O_DUP},
	    {"late-rate", required_argument, 0, O_LATE},
	    {"bad-rate", required_argument, 0, O_BAD},
	    {"reference", required_argument, 0, O_REF},
	    {"output", required_argument, 0, 'o'},
	    {"stats", no_argument, 0, O_STATS},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	struct weir_sim_opts so;
	weir_sim_opts_init(&so);
	const char *outpath = NULL, *refdir = NULL;
	int64_t v, span = -1, duration = -1, start = WEIR_ABSENT;
	bool kinds_set = false, stats = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case O_SEED:
			if (weir_cli_int("sim", "--seed", optarg, 0, INT64_MAX, &v) != 0)
				return 2;
			so.seed = (uint64_t)v;
			break;
		case O_SPAN:
		case O_DURATION:
			if (weir_duration_parse(optarg, &v) != 0 || v <= 0) {
				weir_cli_err("sim", "%s: expected a duration like 90m, 12h or 7d, got '%s'",
					     c == O_SPAN ? "--span" : "--duration", optarg);
				return 2;
			}
			if (c == O_SPAN)
				span = v;
			else
				duration = v;
			break;
		case O_START:
			if (weir_time_parse(optarg, strlen(optarg), &v) != 0 || v < 0) {
				weir_cli_err(
				    "sim",
				    "--start: expected an RFC 3339 time like 2026-11-20T00:00:00Z, got '%s'",
				    optarg);
				return 2;
			}
			start = v;
			break;
		case O_RATE:
			if (parse_rate(optarg, &so.rate) != 0) {
				weir_cli_err("sim", "--rate: expected N/s, got '%s'", optarg);
				return 2;
			}
			break;
		case O_MESSAGES:
			if (weir_cli_int("sim", "--messages", optarg, 1, INT64_MAX, &v) != 0)
				return 2;
			so.messages = (uint64_t)v;
			break;
		case O_KINDS:
			if (parse_kinds(optarg, &so.kinds) != 0)
				return 2;
			kinds_set = true;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "ndjson"))
				so.format = WEIR_SIM_NDJSON;
			else if (!strcmp(optarg, "irc"))
				so.format = WEIR_SIM_IRC;
			else {
				weir_cli_err("sim", "--format: expected ndjson or irc, got '%s'", optarg);
				return 2;
			}
			break;
		case O_CHANNELS:
			if (weir_cli_int("sim", "--channels", optarg, 1, 100000, &v) != 0)
				return 2;
			so.channels = (uint32_t)v;
			break;
		case O_USERS:
			if (weir_cli_int("sim", "--users", optarg, 1, 2000000, &v) != 0)
				return 2;
			so.users = (uint32_t)v;
			break;
		case O_CAP:
			if (weir_cli_int("sim", "--chatters-cap", optarg, 1, 100000, &v) != 0)
				return 2;
			so.chatters_cap = (uint32_t)v;
			break;
		case O_DUP:
			if (parse_frac("--dup-rate", optarg, &so.dup_rate) != 0)
				return 2;
			break;
		case O_LATE:
			if (parse_frac("--late-rate", optarg, &so.late_rate) != 0)
				return 2;
			break;
		case O_BAD:
			if (parse_frac("--bad-rate", optarg, &so.bad_rate) != 0)
				return 2;
			break;
		case O_REF:
			refdir = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case O_STATS:
			stats = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			weir_cli_err("sim", "option '%s' needs a value (see weir sim --help)",
				     argv[optind - 1]);
			return 2;
		default:
			weir_cli_err("sim", "unknown option '%s' (see weir sim --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		weir_cli_err("sim", "unexpected argument '%s' (see weir sim --help)", argv[optind]);
		return 2;
	}
	bool live = so.rate > 0;
	if (live && span >= 0) {
		weir_cli_err("sim", "--span is for historical runs; with --rate use --duration");
		return 2;
	}
	if (so.format == WEIR_SIM_IRC && kinds_set && so.kinds != WEIR_SIM_KIND(WEIR_KIND_CHAT)) {
		weir_cli_err("sim", "--format irc writes chat only; use --kinds chat or --format ndjson");
		return 2;
	}
	if (so.format == WEIR_SIM_IRC)
		so.kinds = WEIR_SIM_KIND(WEIR_KIND_CHAT);
	int64_t wall0 = weir_wall_ms(), offset = 0;
	if (live) {
		so.start_ms = start != WEIR_ABSENT ? start : wall0;
		so.span_ms = duration > 0 ? duration : INT64_MAX;
		offset = so.start_ms - wall0;
	} else {
		if (start != WEIR_ABSENT)
			so.start_ms = start;
		if (span > 0)
			so.span_ms = span;
		else if (duration > 0)
			so.span_ms = duration;
	}

	struct weir_sim *sim;
	int rc = weir_sim_new(&so, &sim);
	if (rc == WEIR_EINVAL) {
		weir_cli_err("sim", "options out of range (span at most 3660d, start after 1970)");
		return 2;
	}
	if (rc) {
		weir_cli_err("sim", "cannot build the simulation: %s", weir_strerror(rc));
		return 1;
	}
	if (refdir && weir_sim_write_reference(sim, refdir) != 0) {
		weir_cli_err("sim", "--reference %s: %s", refdir, strerror(errno));
		weir_sim_free(sim);
		return 1;
	}

	struct out o = {.fd = STDOUT_FILENO, .name = "stdout"};
	if (outpath && strcmp(outpath, "-") != 0) {
		o.fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		o.name = outpath;
		if (o.fd < 0) {
			weir_cli_err("sim", "%s: %s", outpath, strerror(errno));
			weir_sim_free(sim);
			return 1;
		}
	}
	size_t lmax = weir_sim_line_max(sim);
	o.cap = (live ? 256 << 10 : 4 << 20) + lmax;
	o.buf = malloc(o.cap);
	if (!o.buf) {
		weir_cli_err("sim", "out of memory");
		if (o.fd != STDOUT_FILENO)
			close(o.fd);
		weir_sim_free(sim);
		return 1;
	}
	struct sigaction sa, old_int, old_term, old_pipe;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	stop_flag = 0;

	uint64_t t0 = weir_now_ns();
	if (live)
		run_live(sim, &o, lmax, offset);
	else
		run_batch(sim, &o, lmax);
	double secs = (double)(weir_now_ns() - t0) / 1e9;

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	rc = 0;
	if (o.err && o.err != EPIPE) {
		weir_cli_err("sim", "%s: %s", o.name, strerror(o.err));
		rc = 1;
	}
	if (o.fd != STDOUT_FILENO && close(o.fd) != 0 && !rc) {
		weir_cli_err("sim", "%s: %s", o.name, strerror(errno));
		rc = 1;
	}
	if (stats)
		print_stats(sim, secs);
	free(o.buf);
	weir_sim_free(sim);
	return rc;
}
