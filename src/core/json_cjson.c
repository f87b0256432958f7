/*
 * json_cjson.c — the cJSON backend of the NDJSON parser.
 *
 * Kept as the simple, portable alternative to simdjson and as the peer in
 * the parser benchmark (docs/benchmarks.md). cJSON does not check UTF-8, so
 * the line is validated first; cJSON allocates a tree per line with malloc,
 * which is why it loses the benchmark.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_fields.h"

void *weir_json_cjson_new(void)
{
	return malloc(1); /* no state: cJSON parses into a fresh tree */
}

void weir_json_cjson_free(void *p)
{
	free(p);
}

static int copy_str(struct weir_arena *a, const char *s, struct weir_str *out)
{
	size_t n = strlen(s);
	char *p = weir_arena_strdup(a, s, n);
	if (!p)
		return -1;
	out->p = p;
	out->n = (uint32_t)n;
	return 0;
}

static void read_value(const cJSON *it, struct weir_arena *a, struct weir_jval *v)
{
	if (cJSON_IsString(it)) {
		if (copy_str(a, it->valuestring, &v->s) == 0)
			v->type = WEIR_JT_STR;
	} else if (cJSON_IsBool(it)) {
		v->type = WEIR_JT_BOOL;
		v->b = cJSON_IsTrue(it);
	} else if (cJSON_IsNull(it)) {
		v->type = WEIR_JT_NULL;
	} else if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		/* cJSON keeps numbers as doubles: an integer is one without fraction in range. */
		if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d) {
			v->type = WEIR_JT_INT;
			v->i = (int64_t)d;
		} else {
			v->type = WEIR_JT_FLOAT;
		}
	} else if (cJSON_IsArray(it)) {
		int n = cJSON_GetArraySize(it);
		struct weir_str *items = weir_arena_alloc(a, (size_t)(n ? n : 1) * sizeof(*items));
		bool all_str = items != NULL;
		int i = 0;
		const cJSON *el;
		cJSON_ArrayForEach(el, it)
		{
			if (!all_str || !cJSON_IsString(el) || copy_str(a, el->valuestring, &items[i]) != 0) {
				all_str = false;
				break;
			}
			i++;
		}
		v->type = all_str ? WEIR_JT_STRARR : WEIR_JT_OTHER;
		v->items = items;
		v->n = (uint32_t)i;
	} else {
		v->type = WEIR_JT_OTHER;
	}
}

int weir_json_cjson_parse(void *p, const char *line, size_t len, struct weir_arena *a, struct weir_jval *f)
{
	if (!weir_utf8_valid(line, len))
		return WEIR_R_INVALID_UTF8;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (!root)
		return WEIR_R_INVALID_JSON;
	/* Trailing bytes other than white space make the line invalid. */
	while (end && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (end && end < line + len) {
		cJSON_Delete(root);
		return WEIR_R_INVALID_JSON;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return WEIR_R_NOT_OBJECT;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, root)
	{
		int slot = weir_jfield_lookup(it->string, strlen(it->string));
		if (slot >= 0)
			read_value(it, a, &f[slot]);
	}
	cJSON_Delete(root);
	return WEIR_R_OK;
}
