/*
 * main.c — the weir command: dispatch to a subcommand.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "weir/event.h"
#include "cli/cli.h"

#define WEIR_VERSION "0.1.0"

static const char usage[] =
    "weir " WEIR_VERSION " — live and historical analytics of Twitch chat, followers,\n"
    "streams, chat presence and posts, in one program.\n"
    "\n"
    "usage: weir COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  ingest [--format ndjson|irc] [--store URI] [--reference FILE] [--keywords K,..] FILE...|-\n"
    "                 read events to the end, compute every analytic, store the results;\n"
    "                 a killed ingest run again resumes at its last checkpoint\n"
    "  query NAME [filters] [--from T] [--to T] [--window W] [--limit N]\n"
    "        [--format table|csv|json]\n"
    "                 answer a named query from the store: chat, followers, streams,\n"
    "                 presence and posts (weir query --help lists them all)\n"
    "  sim [--seed N] [--span 1d | --rate N/s] [--format ndjson|irc] [-o FILE]\n"
    "                 generate realistic events (docs/sim.md)\n"
    "  demo [--rate N/s] [--store URI] [--duration DUR]\n"
    "                 simulator -> pipeline -> store, with a live summary until Ctrl-C\n"
    "  version        print the version\n"
    "\n"
    "The store is sqlite:PATH (default $WEIR_STORE or sqlite:weir.db).\n"
    "Run `weir COMMAND --help` for a command's options. Docs: README.md, docs/.\n";

int main(int argc, char **argv)
{
	/* Window tables come and go by the thousand: keep freed memory for reuse
	 * instead of mapping and faulting in fresh pages each time. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("weir %s (json: %s)\n", WEIR_VERSION, weir_json_backend());
		return 0;
	}
	if (!strcmp(cmd, "ingest"))
		return weir_cmd_ingest(argc - 1, argv + 1);
	if (!strcmp(cmd, "query"))
		return weir_cmd_query(argc - 1, argv + 1);
	if (!strcmp(cmd, "sim"))
		return weir_cmd_sim(argc - 1, argv + 1);
	if (!strcmp(cmd, "demo"))
		return weir_cmd_demo(argc - 1, argv + 1);
	fprintf(stderr, "weir: unknown command '%s' (see weir --help)\n", cmd);
	return 2;
}
