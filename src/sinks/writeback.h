/*
 * writeback.h — a pacer thread that starts the kernel's writeback of a
 * SQLite store's database file and WAL early (writeback.c), so that the
 * store's own fdatasync calls find little left to wait for.
 */
#ifndef WEIR_SINKS_WRITEBACK_H
#define WEIR_SINKS_WRITEBACK_H

struct weir_wb;

/* Starts pacing the files of the database at path (its "-wal" too); NULL
 * when that is not possible or not supported (the store works the same). */
struct weir_wb *weir_wb_start(const char *path);
/* Stops and frees the pacer; NULL is a no-op. */
void weir_wb_stop(struct weir_wb *w);

#endif
