/*
 * registry.c — every analytics operator weir runs, in one list. Adding a
 * family of analytics is adding its file in src/ops/ and a line here.
 */
#include "weir/op.h"
#include "ops/chat.h"
#include "ops/followers.h"
#include "ops/posts.h"
#include "ops/presence.h"
#include "ops/streams.h"

const struct weir_op *const weir_ops[] = {
    &weir_op_chat, &weir_op_followers, &weir_op_presence, &weir_op_streams, &weir_op_posts, NULL,
};
