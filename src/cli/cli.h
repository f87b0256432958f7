/*
 * cli.h — the subcommands of the weir CLI (one file each in src/cli/).
 * Each takes argv with argv[0] = the subcommand's name and returns the
 * process exit status: 0 ok, 1 a runtime failure, 2 a usage error.
 */
#ifndef WEIR_CLI_H
#define WEIR_CLI_H

#include <stdint.h>

int weir_cmd_ingest(int argc, char **argv);
int weir_cmd_query(int argc, char **argv);
int weir_cmd_sim(int argc, char **argv);
int weir_cmd_demo(int argc, char **argv);

/* Shared helpers (src/cli/util.c). */
const char *weir_cli_store_default(void); /* $WEIR_STORE or sqlite:weir.db */
/* Prints "weir CMD: msg" to stderr. */
void weir_cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a positive integer flag value; on error prints which flag and returns -1. */
int weir_cli_int(const char *cmd, const char *flag, const char *val, int64_t min, int64_t max, int64_t *out);

#endif
