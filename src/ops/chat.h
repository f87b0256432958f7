/*
 * chat.h — the chat analytics operator (events.md §4, first bullet).
 *
 * One struct weir_chat_shard per worker thread owns the state of the
 * channels routed to it: open minute, hour and day windows with their
 * message and word counts, chatter sets, per-hour word and user counts,
 * and the message ids seen (duplicates are dropped and counted).
 * weir_chat_advance() closes the windows the watermark has passed and
 * emits one record per window to the writer; an event for a window that
 * was already emitted reopens it as a correction (a delta record).
 */
#ifndef WEIR_OPS_CHAT_H
#define WEIR_OPS_CHAT_H

#include "weir/event.h"
#include "weir/op.h"
#include "weir/store.h"
#include "core/table.h"

struct weir_chat_shard;

struct weir_chat_shard *weir_chat_shard_new(const struct weir_op_env *env);
void weir_chat_shard_free(struct weir_chat_shard *s);
/* Hot path: count one chat event. Returns 0 or WEIR_ENOMEM. */
int weir_chat_add(struct weir_chat_shard *s, const struct weir_event *ev);
/* Close (emit and free) every window whose end is <= watermark. */
int weir_chat_advance(struct weir_chat_shard *s, int64_t watermark);
void weir_chat_get_stats(const struct weir_chat_shard *s, struct weir_op_stats *st);
/* Checkpoint: every open window as a delta record, the windows stay open. */
int weir_chat_flush(struct weir_chat_shard *s);

/* The operator (op.h) built on the functions above. */
extern const struct weir_op weir_op_chat;

#endif
