/*
 * json_simd.cc — the simdjson On-Demand backend of the NDJSON parser.
 *
 * A thin C++ shim: it walks the top-level object once, copies the values of
 * the fields weir knows into the arena (unescaped) and leaves validation to
 * event.c. simdjson checks UTF-8 for the whole line in its first stage, so
 * invalid bytes anywhere in the line are reported as invalid_utf8. Lines
 * parsed in place in the reader's input block come from a stream
 * (iterate_many: stage 1 once per 128 KiB of lines) as long as each
 * document is exactly its line, else alone: the same results either way.
 * Chosen over cJSON by measurement (docs/benchmarks.md).
 */
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "core/json_fields.h"

using namespace simdjson;

namespace
{

/*
 * parser parses one line at a time. stream runs stage 1 over many lines at
 * once (weir_json_simd_stream): its own parser, whose structural indexes
 * must survive the per-line fallbacks.
 */
struct simd_parser {
	ondemand::parser parser;
	ondemand::parser sparser;
	ondemand::document_stream stream;
	ondemand::document_stream::iterator it;
	const char *sbuf; /* the stream's lines: sbuf[0..slen) */
	size_t slen;
	const char *expect; /* where the next line's document starts (checked) */
	bool active;	    /* the stream's next document is the next line's */
};

/* Batches of this many bytes get one stage 1 each: big enough to amortize
 * its set-up, small enough that the lines are still in L2 for the walk. */
constexpr size_t STREAM_BATCH = 128 * 1024;

/* Returned by walk() in stream mode: parse the line alone instead. */
constexpr int FALLBACK = -1000;

int map_error(error_code e)
{
	switch (e) {
	case UTF8_ERROR:
		return WEIR_R_INVALID_UTF8;
	case INCORRECT_TYPE:
		return WEIR_R_NOT_OBJECT;
	default:
		return WEIR_R_INVALID_JSON;
	}
}

bool copy_str(struct weir_arena *a, std::string_view sv, struct weir_str *out)
{
	char *p = weir_arena_strdup(a, sv.data(), sv.size());
	if (!p)
		return false;
	out->p = p;
	out->n = (uint32_t)sv.size();
	return true;
}

/*
 * In-place strings. The line weir_json_parse() hands over is writable and
 * lives as long as the batch (the batch's input block, or a copy in its
 * arena), so a string without escapes can stay where it is: the event
 * points into the line (no unescape pass, no copy — a fifth of the parse).
 * Views must be NUL-terminated like the arena copies, but the closing
 * quotes may only be overwritten once simdjson is done with the line and
 * the event is accepted: their positions are collected here for the caller.
 */
struct inplace {
	char *buf;  /* the line, writable, or NULL: copy every string */
	bool plain; /* the line holds no backslash: no string has escapes */
	uint32_t n;
	char **quote; /* WEIR_JSON_MAX_QUOTES */
};

/* Whether p[0..n) holds a backslash; short strings (most) without a call. */
bool has_backslash(const char *p, size_t n)
{
	if (n > 32)
		return memchr(p, '\\', n) != nullptr;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\\')
			return true;
	return false;
}

bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reads string value val (its raw token tok) into *out (a NULL arena: validates only).
 * Without escapes the bytes are final as they stand (stage 1 checked UTF-8
 * and control characters): used in place when the line is the arena's
 * copy; otherwise simdjson unescapes (and validates the escapes) and the
 * result is copied.
 */
inline __attribute__((always_inline)) int take_string(ondemand::value &val, std::string_view tok,
						      struct weir_arena *a, struct inplace *ip,
						      struct weir_str *out)
{
	size_t e = tok.size();
	while (e > 1 && is_json_space(tok[e - 1]))
		e--;
	if (e >= 2 && tok[0] == '"' && tok[e - 1] == '"' &&
	    ((ip && ip->plain) || !has_backslash(tok.data() + 1, e - 2))) {
		if (!a)
			return WEIR_R_OK;
		if (ip && ip->buf && ip->n < WEIR_JSON_MAX_QUOTES) {
			out->p = tok.data() + 1;
			out->n = (uint32_t)(e - 2);
			ip->quote[ip->n++] = const_cast<char *>(tok.data() + e - 1);
			return WEIR_R_OK;
		}
	}
	std::string_view sv;
	auto err = val.get_string().get(sv);
	if (err)
		return map_error(err);
	if (a && !copy_str(a, sv, out))
		return WEIR_R_BAD_VALUE;
	return WEIR_R_OK;
}

/* Fields whose type is checked but whose value no analytic reads (yet):
 * not copied, which saves a third of the reader's time on chat. */
constexpr uint32_t CHECK_ONLY = 1u << WEIR_F_DISPLAY_NAME | 1u << WEIR_F_BADGES | 1u << WEIR_F_TITLE;
static_assert(WEIR_F_COUNT <= 32, "a slot mask fits 32 bits");
bool check_only(int slot)
{
	return CHECK_ONLY >> slot & 1;
}

/*
 * The type check of an array whose items no analytic reads (chat badges):
 * one pass, strings told by their first byte (stage 1 has checked their
 * bytes; escapes are checked unless the line has none); anything else gets
 * the full type() as before, so errors stay the same. Counting the items
 * first and asking type() for each were a tenth of the walk on chat lines.
 */
int check_strarr(ondemand::array &arr, struct inplace *ip, struct weir_jval *v)
{
	bool all_str = true;
	for (auto el : arr) {
		ondemand::value ev;
		if (el.get(ev))
			return WEIR_R_INVALID_JSON;
		std::string_view tok = ev.raw_json_token();
		if (ip->plain && tok.size() >= 2 && tok[0] == '"' && tok.back() == '"')
			continue; /* a string as it stands (take_string's first case) */
		if (tok.empty() || tok[0] != '"') {
			ondemand::json_type et;
			if (ev.type().get(et))
				return WEIR_R_INVALID_JSON;
			if (et != ondemand::json_type::string) {
				all_str = false; /* skipped by the iterator */
				continue;
			}
		}
		struct weir_str unused;
		int r = take_string(ev, tok, nullptr, ip, &unused);
		if (r != WEIR_R_OK)
			return r;
	}
	v->type = all_str ? WEIR_JT_STRARR : WEIR_JT_OTHER;
	v->items = nullptr;
	v->n = 0;
	return WEIR_R_OK;
}

/* Reads one value into slot v (a NULL arena: type checks only). Returns WEIR_R_OK or a reason. */
int read_value(ondemand::value val, struct weir_arena *a, struct weir_jval *v, struct inplace *ip)
{
	/* Most values are strings: told by their first byte, without type(). */
	std::string_view tok = val.raw_json_token();
	if (!tok.empty() && tok[0] == '"') {
		int r = take_string(val, tok, a, ip, &v->s);
		if (r == WEIR_R_OK)
			v->type = WEIR_JT_STR;
		return r;
	}
	ondemand::json_type t;
	if (val.type().get(t))
		return WEIR_R_INVALID_JSON;
	switch (t) {
	case ondemand::json_type::string: {
		int r = take_string(val, tok, a, ip, &v->s);
		if (r == WEIR_R_OK)
			v->type = WEIR_JT_STR;
		return r;
	}
	case ondemand::json_type::number: {
		ondemand::number_type nt;
		if (val.get_number_type().get(nt))
			return WEIR_R_INVALID_JSON;
		if (nt == ondemand::number_type::signed_integer) {
			if (val.get_int64().get(v->i))
				return WEIR_R_INVALID_JSON;
			v->type = WEIR_JT_INT;
		} else {
			double d;
			if (val.get_double().get(d))
				return WEIR_R_INVALID_JSON;
			v->type = nt == ondemand::number_type::floating_point_number ? WEIR_JT_FLOAT
										     : WEIR_JT_OTHER;
		}
		return WEIR_R_OK;
	}
	case ondemand::json_type::boolean:
		if (val.get_bool().get(v->b))
			return WEIR_R_INVALID_JSON;
		v->type = WEIR_JT_BOOL;
		return WEIR_R_OK;
	case ondemand::json_type::null: {
		bool isnull;
		if (val.is_null().get(isnull) || !isnull)
			return WEIR_R_INVALID_JSON;
		v->type = WEIR_JT_NULL;
		return WEIR_R_OK;
	}
	case ondemand::json_type::array: {
		ondemand::array arr;
		if (val.get_array().get(arr))
			return WEIR_R_INVALID_JSON;
		if (!a)
			return check_strarr(arr, ip, v);
		/* Two passes would re-read the array: collect into a growing arena vector. */
		/* size the array once (count_elements rewinds the iterator) */
		size_t count = 0;
		if (arr.count_elements().get(count))
			return WEIR_R_INVALID_JSON;
		uint32_t n = 0, cap = count ? (uint32_t)count : 1;
		struct weir_str *items =
		    a ? (struct weir_str *)weir_arena_alloc(a, cap * sizeof(*items)) : nullptr;
		bool all_str = true;
		for (auto el : arr) {
			ondemand::value ev;
			if (el.get(ev))
				return WEIR_R_INVALID_JSON;
			ondemand::json_type et;
			if (ev.type().get(et))
				return WEIR_R_INVALID_JSON;
			if (et != ondemand::json_type::string) {
				all_str = false; /* skipped by the iterator */
				continue;
			}
			if (!a) {
				struct weir_str unused;
				int r = take_string(ev, ev.raw_json_token(), nullptr, ip, &unused);
				if (r != WEIR_R_OK)
					return r;
				continue;
			}
			if (n == cap) {
				struct weir_str *bigger =
				    (struct weir_str *)weir_arena_alloc(a, 2 * cap * sizeof(*items));
				if (!bigger)
					return WEIR_R_BAD_VALUE;
				memcpy(bigger, items, cap * sizeof(*items));
				items = bigger;
				cap *= 2;
			}
			if (!items)
				return WEIR_R_BAD_VALUE;
			int r = take_string(ev, ev.raw_json_token(), a, ip, &items[n]);
			if (r != WEIR_R_OK)
				return r;
			n++;
		}
		v->type = all_str ? WEIR_JT_STRARR : WEIR_JT_OTHER;
		v->items = items;
		v->n = n;
		return WEIR_R_OK;
	}
	case ondemand::json_type::object:
		v->type = WEIR_JT_OTHER; /* skipped by the iterator */
		return WEIR_R_OK;
	}
	return WEIR_R_INVALID_JSON;
}

/* A line that is not an object: invalid_json unless it is one clean JSON value. */
int not_object(ondemand::document &doc, ondemand::json_type t)
{
	bool bad = false;
	switch (t) {
	case ondemand::json_type::null: {
		bool isnull = false;
		bad = doc.is_null().get(isnull) || !isnull;
		break;
	}
	case ondemand::json_type::boolean: {
		bool b;
		bad = doc.get_bool().get(b) != SUCCESS;
		break;
	}
	case ondemand::json_type::number: {
		double d;
		bad = doc.get_double().get(d) != SUCCESS;
		break;
	}
	case ondemand::json_type::string: {
		std::string_view sv;
		bad = doc.get_string().get(sv) != SUCCESS;
		break;
	}
	case ondemand::json_type::array: {
		ondemand::array arr;
		bad = doc.get_array().get(arr) != SUCCESS;
		if (!bad)
			for (auto el : arr)
				if (el.error()) {
					bad = true;
					break;
				}
		break;
	}
	default:
		bad = true;
	}
	const char *trailing;
	if (bad || !doc.current_location().get(trailing))
		return WEIR_R_INVALID_JSON;
	return WEIR_R_NOT_OBJECT;
}

/*
 * The key most likely to follow each key: the order in which events.md
 * lists the fields, which is how producers (weir sim, the bench input)
 * write them. A right guess costs one masked compare instead of the table
 * search of weir_jfield_match_raw.
 */
struct next_table {
	int8_t s[WEIR_F_COUNT];
	constexpr next_table() : s()
	{
		for (int i = 0; i < WEIR_F_COUNT; i++)
			s[i] = -1;
		const int chat[] = {WEIR_F_KIND, WEIR_F_PLATFORM, WEIR_F_TS,	       WEIR_F_CHANNEL,
				    WEIR_F_USER, WEIR_F_USER_ID,  WEIR_F_DISPLAY_NAME, WEIR_F_BADGES,
				    WEIR_F_ID,	 WEIR_F_TEXT};
		for (size_t i = 0; i + 1 < sizeof(chat) / sizeof(chat[0]); i++)
			s[chat[i]] = (int8_t)chat[i + 1];
	}
};
constexpr next_table next_slots;
const int8_t *const next_slot = next_slots.s;

/*
 * The walk of one line's document (a line parsed alone, or the next
 * document of a stream) into the slots f: WEIR_R_OK or a reason (a stream's
 * document: FALLBACK instead of not_object).
 */
template <class Doc>
inline __attribute__((always_inline)) int walk(Doc &doc, const char *line, size_t len, struct weir_arena *a,
					       struct weir_jval *f, bool plain, struct inplace &ip)
{
	error_code e;
	ondemand::json_type t;
	if ((e = doc.type().get(t)))
		return map_error(e);
	if (t != ondemand::json_type::object) {
		if constexpr (std::is_same_v<Doc, ondemand::document>)
			return not_object(doc, t);
		else
			return FALLBACK;
	}
	ondemand::object obj;
	if ((e = doc.get_object().get(obj)))
		return map_error(e);
	const char *end = line + len;
	int guess = WEIR_F_KIND;
	/* The quotes of in-place strings, counted in a local: ip escapes to
	 * the calls below, so its count would be reloaded after every store
	 * to f (ip.n is synced around those calls). */
	const bool inpl = plain && ip.buf;
	char **const qv = ip.quote;
	uint32_t nq = ip.n;
	/* Each field is taken out of its simdjson_result once and its value used
	 * by reference: copying the value through the result wrappers per call
	 * stalled on store-to-load forwarding (perf: half the walk's samples). */
	for (auto res : obj) {
		ondemand::field field;
		if ((e = std::move(res).get(field)))
			return map_error(e);
		ondemand::value &val = field.value();
		const char *kr = field.key().raw();
		int slot;
		if (plain) {
			/* no escapes: the raw key is the key (16 bytes past it are readable);
			 * the guess costs one compare, a miss the table search */
			if (guess >= 0 && weir_jfield_is(kr, guess))
				slot = guess;
			else if (guess >= 0 && next_slot[guess] >= 0 && weir_jfield_is(kr, next_slot[guess]))
				slot =
				    next_slot[guess]; /* the guess was an optional field left out (badges) */
			else
				slot = weir_jfield_match_raw(kr);
			guess = slot >= 0 ? next_slot[slot] : -1;
		} else {
			/* keys are compared raw unless escaped (then unescaped: "\u0074s" is "ts") */
			std::string_view key;
			const char *q = kr;
			while (q < end && *q != '"' && *q != '\\')
				q++;
			if (q < end && *q == '"')
				key = std::string_view(kr, (size_t)(q - kr));
			else if ((e = field.unescaped_key().get(key)))
				return map_error(e);
			slot = weir_jfield_lookup(key.data(), key.size());
		}
		if (slot < 0)
			continue; /* unknown field: the iterator skips it */
		/* strings (most values) here, without the call */
		std::string_view tok = val.raw_json_token();
		size_t tn = tok.size();
		/* A plain line's string that ends its token (no white space before
		 * the next structural): final as it stands, used in place (take_string
		 * without its checks; most values of most lines) */
		if (inpl && tn >= 2 && tok[0] == '"' && tok[tn - 1] == '"' && nq < WEIR_JSON_MAX_QUOTES) {
			f[slot].type = WEIR_JT_STR;
			if (!check_only(slot)) {
				f[slot].s.p = tok.data() + 1;
				f[slot].s.n = (uint32_t)(tn - 2);
				qv[nq++] = const_cast<char *>(tok.data() + tn - 1);
			}
			continue;
		}
		ip.n = nq;
		int r;
		if (tn && tok[0] == '[' && check_only(slot)) {
			/* an array only type-checked (chat badges): read_value's case
			 * without its type() */
			ondemand::array arr;
			if (val.get_array().get(arr))
				return WEIR_R_INVALID_JSON;
			r = check_strarr(arr, &ip, &f[slot]);
		} else if (tn && tok[0] == '"') {
			r = take_string(val, tok, check_only(slot) ? nullptr : a, &ip, &f[slot].s);
			if (r == WEIR_R_OK)
				f[slot].type = WEIR_JT_STR;
		} else {
			r = read_value(val, check_only(slot) ? nullptr : a, &f[slot], &ip);
		}
		if (r != WEIR_R_OK)
			return r;
		nq = ip.n;
	}
	ip.n = nq;
	/* Anything after the object (other than white space) makes the line
	 * invalid; in a stream the caller checks where the next document starts. */
	if constexpr (std::is_same_v<Doc, ondemand::document>) {
		const char *trailing;
		if (!doc.current_location().get(trailing))
			return WEIR_R_INVALID_JSON;
	}
	return WEIR_R_OK;
}

} // namespace

extern "C" void *weir_json_simd_new(void)
{
	weir_jfield_init();
	return new (std::nothrow) simd_parser();
}

extern "C" void weir_json_simd_free(void *p)
{
	delete static_cast<simd_parser *>(p);
}

/* The first byte of p[0..end) that is not JSON white space (end if none). */
static const char *skip_space(const char *p, const char *end)
{
	while (p < end && is_json_space(*p))
		p++;
	return p;
}

extern "C" void weir_json_simd_stream(void *p, const char *buf, size_t len)
{
	simd_parser *sp = static_cast<simd_parser *>(p);
	sp->active = false;
	if (!len)
		return;
#ifdef SIMDJSON_THREADS_ENABLED
	sp->sparser.threaded = false; /* no stage 1 thread: the workers have the other core */
#endif
	if (sp->sparser.iterate_many(buf, len, STREAM_BATCH).get(sp->stream))
		return;
	sp->it = sp->stream.begin();
	if (!(sp->it != sp->stream.end()) || (*sp->it).error())
		return; /* nothing to take, or stage 1 failed: every line alone */
	sp->sbuf = buf;
	sp->slen = len;
	sp->expect = skip_space(buf + sp->it.current_index(), buf + len);
	sp->active = true;
}

/*
 * The line as the stream's next document. Taken only when it is exactly the
 * line: it starts at the line's first byte that is not white space, its walk
 * succeeds, and the next document starts at the first such byte after the
 * line's '\n' (or none follows): then stage 1 saw the line's bytes from the
 * same state as it would alone (outside strings, UTF-8 valid, no carry), so
 * the result is the same. Anything else (an error, a document spanning
 * lines, two on a line, a skipped line) ends the stream: FALLBACK.
 * Out of line: the walk's registers are allocated for this path alone,
 * not across the line-alone one too (-15 Ir a line).
 */
static __attribute__((noinline)) int stream_line(simd_parser *sp, const char *line, size_t len,
						 struct weir_arena *a, struct weir_jval *f, bool plain,
						 struct inplace &ip)
{
	const char *send = sp->sbuf + sp->slen, *end = line + len;
	uintptr_t at = (uintptr_t)line; /* a line elsewhere (a copy) is not the stream's */
	if (at < (uintptr_t)sp->sbuf || at + len >= (uintptr_t)send || !(sp->it != sp->stream.end()) ||
	    sp->expect != skip_space(line, end))
		return FALLBACK;
	ondemand::document_reference doc;
	if ((*sp->it).get(doc))
		return FALLBACK;
	int r = walk(doc, line, len, a, f, plain, ip);
	if (r != WEIR_R_OK)
		return FALLBACK;
	/* The next batch's stage 1 may start at this line's '\n', which the
	 * caller has overwritten with a NUL (event.c): put it back meanwhile. */
	char *nl = const_cast<char *>(end), was = *nl;
	*nl = '\n';
	++sp->it;
	const char *next = skip_space(end + 1, send);
	r = WEIR_R_OK;
	if (sp->it != sp->stream.end()) {
		ondemand::document_reference nd;
		if ((*sp->it).get(nd) || skip_space(sp->sbuf + sp->it.current_index(), send) != next)
			r = FALLBACK;
	} else if (next != send) {
		r = FALLBACK;
	}
	*nl = was;
	sp->expect = next;
	return r;
}

extern "C" int weir_json_simd_parse(void *p, const char *line, size_t len, struct weir_arena *a,
				    struct weir_jval *f, char *own, bool plain, char **quote,
				    uint32_t *nquote)
{
	simd_parser *sp = static_cast<simd_parser *>(p);
	struct inplace ip;
	ip.buf = own;
	ip.plain = plain;
	ip.n = 0;
	ip.quote = quote;
	*nquote = 0;
	if (sp->active) {
		int r = stream_line(sp, line, len, a, f, plain, ip);
		if (r == WEIR_R_OK) {
			*nquote = ip.n;
			return r;
		}
		/* the rest of the stream's lines are parsed alone, this one again */
		sp->active = false;
		ip.n = 0;
		for (int i = 0; i < WEIR_F_COUNT; i++)
			f[i].type = WEIR_JT_ABSENT;
	}
	ondemand::document doc;
	auto e = sp->parser.iterate(line, len, len + WEIR_JSON_PADDING).get(doc);
	if (e)
		return map_error(e);
	int r = walk(doc, line, len, a, f, plain, ip);
	if (r == WEIR_R_OK)
		*nquote = ip.n;
	return r;
}
