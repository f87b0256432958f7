/*
 * registry.c — every analytics operator weir runs, in one list. Adding a
 * family of analytics is adding its file in src/ops/ and a line here.
 */
#include "weir/op.h"
#include "ops/chat.h"

const struct weir_op *const weir_ops[] = {
	&weir_op_chat,
	NULL,
};
