/*
 * reference.c — reading the reference tables (streamers, games) from CSV
 * or JSON and upserting them into the store (reference.h).
 *
 * Where it fits: `weir ingest --reference FILE` loads the files before any
 * event is read, in one transaction of its own; the follower queries
 * (src/sinks/sqlite_followers.c) join the tables. The files are small, so
 * each is read whole and parsed into a row array first: a bad file is
 * reported before anything is written.
 *
 * Names are matched the way events match them: streamer names and account
 * channels are lowercased (ASCII), like `channel` in events; column names
 * are matched case-insensitively, after trimming spaces; extra columns or
 * keys are ignored. An empty CSV field and a JSON null are both "absent".
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/reference.h"
#include "weir/store.h"

#define MAX_FILE (256u << 20)

static const char *const streamer_cols[] = {"streamer", "display_name", "twitch",
					    "youtube",	"twitter",	"language"};
static const char *const game_cols[] = {"game", "genre", "console"};

/* Column names of a table and their count. */
static const char *const *table_cols(int table, uint32_t *n)
{
	*n = table == WEIR_REF_STREAMERS ? 6 : 3;
	return table == WEIR_REF_STREAMERS ? streamer_cols : game_cols;
}

void weir_reference_free(struct weir_reference *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < (size_t)r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r->path);
	free(r);
}

/* Appends one row of ncols cells (taken over, NULLs allowed). */
static int add_row(struct weir_reference *r, uint32_t *cap, char **row)
{
	if (r->nrows == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 64;
		char **n = realloc(r->cells, (size_t)ncap * r->ncols * sizeof(char *));
		if (!n)
			return WEIR_ENOMEM;
		r->cells = n;
		*cap = ncap;
	}
	memcpy(&r->cells[(size_t)r->nrows * r->ncols], row, r->ncols * sizeof(char *));
	r->nrows++;
	return 0;
}

static bool name_is(const char *p, size_t n, const char *col)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n != strlen(col))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];
		if (c != col[i])
			return false;
	}
	return true;
}

/* ---- CSV (RFC 4180) ------------------------------------------------------------ */

struct field {
	char *s; /* malloc'd, NUL-terminated */
	size_t n;
};

struct csv {
	const char *p, *end;
	uint64_t line; /* of p */
	struct field *f;
	uint32_t nf, capf;
	char *buf; /* the field being read */
	size_t nbuf, capbuf;
};

static void csv_clear(struct csv *c)
{
	for (uint32_t i = 0; i < c->nf; i++)
		free(c->f[i].s);
	c->nf = 0;
}

static int csv_push(struct csv *c, char *s, size_t n)
{
	if (c->nf == c->capf) {
		uint32_t ncap = c->capf ? c->capf * 2 : 16;
		struct field *nf = realloc(c->f, ncap * sizeof(*nf));
		if (!nf) {
			free(s);
			return WEIR_ENOMEM;
		}
		c->f = nf;
		c->capf = ncap;
	}
	c->f[c->nf].s = s;
	c->f[c->nf].n = n;
	c->nf++;
	return 0;
}

/* Appends byte ch to the field being built. */
static int csv_byte(struct csv *c, char ch)
{
	if (c->nbuf == c->capbuf) {
		size_t ncap = c->capbuf ? c->capbuf * 2 : 256;
		char *n = realloc(c->buf, ncap);
		if (!n)
			return WEIR_ENOMEM;
		c->buf = n;
		c->capbuf = ncap;
	}
	c->buf[c->nbuf++] = ch;
	return 0;
}

/* Reads the next record into c->f. Returns 1, 0 at the end, or a negative
 * code with err set. Blank lines are skipped. */
static int csv_record(struct csv *c, const char *path, char *err, size_t errcap)
{
	for (;;) {
		csv_clear(c);
		if (c->p >= c->end)
			return 0;
		for (;;) {
			const char *p = c->p;
			c->nbuf = 0;
			if (p < c->end && *p == '"') {
				uint64_t qline = c->line;
				p++;
				for (;;) {
					if (p >= c->end) {
						snprintf(err, errcap,
							 "%s: line %llu: a quoted field is not closed", path,
							 (unsigned long long)qline);
						return WEIR_EINVAL;
					}
					if (*p == '"') {
						if (p + 1 < c->end && p[1] == '"') {
							if (csv_byte(c, '"') != 0)
								return WEIR_ENOMEM;
							p += 2;
							continue;
						}
						p++;
						break;
					}
					if (*p == '\n')
						c->line++;
					if (csv_byte(c, *p++) != 0)
						return WEIR_ENOMEM;
				}
				if (p < c->end && *p != ',' && *p != '\n' && *p != '\r') {
					snprintf(err, errcap, "%s: line %llu: text after a closing quote",
						 path, (unsigned long long)c->line);
					return WEIR_EINVAL;
				}
			} else {
				while (p < c->end && *p != ',' && *p != '\n' && *p != '\r')
					if (csv_byte(c, *p++) != 0)
						return WEIR_ENOMEM;
			}
			c->p = p;
			char *s = weir_strndup(c->buf ? c->buf : "", c->nbuf);
			if (!s || csv_push(c, s, c->nbuf) != 0)
				return WEIR_ENOMEM;
			if (c->p < c->end && *c->p == ',') {
				c->p++;
				continue;
			}
			/* end of record: CRLF, LF, lone CR or the end */
			if (c->p < c->end && *c->p == '\r')
				c->p++;
			if (c->p < c->end && *c->p == '\n')
				c->p++;
			c->line++;
			break;
		}
		if (c->nf == 1 && c->f[0].n == 0)
			continue; /* a blank line */
		return 1;
	}
}

static int read_csv(struct weir_reference *r, const char *text, size_t len, char *err, size_t errcap)
{
	struct csv c = {.p = text, .end = text + len, .line = 1};
	int colix[6];
	uint32_t cap = 0;
	int rc = csv_record(&c, r->path, err, errcap);
	if (rc <= 0) {
		if (rc == 0) {
			snprintf(err, errcap, "%s: empty file (expected a header row)", r->path);
			rc = WEIR_EINVAL;
		}
		goto out;
	}
	for (uint32_t i = 0; i < c.nf && !r->table; i++) {
		if (name_is(c.f[i].s, c.f[i].n, "streamer"))
			r->table = WEIR_REF_STREAMERS;
		else if (name_is(c.f[i].s, c.f[i].n, "game"))
			r->table = WEIR_REF_GAMES;
	}
	if (!r->table) {
		snprintf(err, errcap,
			 "%s: not a reference table: no column 'streamer' (streamers) or 'game' (games) in "
			 "the header",
			 r->path);
		rc = WEIR_EINVAL;
		goto out;
	}
	const char *const *cols = table_cols(r->table, &r->ncols);
	for (uint32_t k = 0; k < r->ncols; k++) {
		colix[k] = -1;
		for (uint32_t i = 0; i < c.nf && colix[k] < 0; i++)
			if (name_is(c.f[i].s, c.f[i].n, cols[k]))
				colix[k] = (int)i;
		if (colix[k] < 0) {
			snprintf(err, errcap, "%s: missing column '%s' (a %s table has the columns %s)",
				 r->path, cols[k], r->table == WEIR_REF_STREAMERS ? "streamers" : "games",
				 r->table == WEIR_REF_STREAMERS
				     ? "streamer,display_name,twitch,youtube,twitter,language"
				     : "game,genre,console");
			rc = WEIR_EINVAL;
			goto out;
		}
	}
	uint32_t nhead = c.nf;
	for (;;) {
		uint64_t line = c.line;
		rc = csv_record(&c, r->path, err, errcap);
		if (rc <= 0)
			break;
		if (c.nf != nhead) {
			snprintf(err, errcap, "%s: line %llu: %u fields, the header has %u", r->path,
				 (unsigned long long)line, c.nf, nhead);
			rc = WEIR_EINVAL;
			break;
		}
		char *row[6] = {0};
		for (uint32_t k = 0; k < r->ncols; k++) {
			struct field *f = &c.f[colix[k]];
			row[k] = f->n ? f->s : NULL;
			if (f->n)
				f->s = NULL; /* taken over */
		}
		if (!row[0]) {
			snprintf(err, errcap, "%s: line %llu: empty '%s'", r->path, (unsigned long long)line,
				 cols[0]);
			for (uint32_t k = 0; k < r->ncols; k++)
				free(row[k]);
			rc = WEIR_EINVAL;
			break;
		}
		if ((rc = add_row(r, &cap, row)) != 0) {
			for (uint32_t k = 0; k < r->ncols; k++)
				free(row[k]);
			break;
		}
	}
out:
	csv_clear(&c);
	free(c.f);
	free(c.buf);
	return rc < 0 ? rc : 0;
}

/* ---- JSON: an array of objects -------------------------------------------------- */

static int read_json(struct weir_reference *r, const char *text, size_t len, char *err, size_t errcap)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	int rc = WEIR_EINVAL;
	uint32_t cap = 0;
	if (!root || !cJSON_IsArray(root)) {
		snprintf(err, errcap, "%s: %s", r->path,
			 root ? "expected a JSON array of objects"
			      : "not valid JSON (expected an array of objects)");
		goto out;
	}
	uint32_t ix = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, root)
	{
		ix++;
		if (!cJSON_IsObject(o)) {
			snprintf(err, errcap, "%s: element %u is not an object", r->path, ix);
			goto out;
		}
		if (!r->table) {
			for (const cJSON *k = o->child; k && !r->table; k = k->next) {
				if (name_is(k->string, strlen(k->string), "streamer"))
					r->table = WEIR_REF_STREAMERS;
				else if (name_is(k->string, strlen(k->string), "game"))
					r->table = WEIR_REF_GAMES;
			}
			if (!r->table) {
				snprintf(err, errcap,
					 "%s: not a reference table: no key 'streamer' (streamers) or 'game' "
					 "(games)",
					 r->path);
				goto out;
			}
		}
		const char *const *cols = table_cols(r->table, &r->ncols);
		char *row[6] = {0};
		for (uint32_t c = 0; c < r->ncols; c++) {
			const cJSON *v = NULL;
			for (const cJSON *k = o->child; k && !v; k = k->next)
				if (name_is(k->string, strlen(k->string), cols[c]))
					v = k;
			const char *why = NULL;
			if (!v)
				why = "missing column";
			else if (cJSON_IsString(v) && v->valuestring[0] && !(row[c] = strdup(v->valuestring)))
				rc = WEIR_ENOMEM;
			else if (!cJSON_IsString(v) && !cJSON_IsNull(v))
				why = "not a string or null:";
			else if (c == 0 && !row[0])
				why = "empty";
			if (why || rc == WEIR_ENOMEM) {
				if (why)
					snprintf(err, errcap, "%s: element %u: %s '%s'", r->path, ix, why,
						 cols[c]);
				for (uint32_t k = 0; k < r->ncols; k++)
					free(row[k]);
				goto out;
			}
		}
		if (add_row(r, &cap, row) != 0) {
			for (uint32_t k = 0; k < r->ncols; k++)
				free(row[k]);
			rc = WEIR_ENOMEM;
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int weir_reference_read(const char *path, struct weir_reference **out, char *err, size_t errcap)
{
	*out = NULL;
	struct weir_reference *r = calloc(1, sizeof(*r));
	char *text = NULL;
	int rc = WEIR_ENOMEM;
	if (!r || !(r->path = strdup(path)))
		goto fail;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		rc = errno == ENOENT ? WEIR_ENOENT : WEIR_EIO;
		goto fail;
	}
	size_t cap = 1 << 16, len = 0;
	text = malloc(cap + 1);
	while (text) {
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (len < cap)
			break;
		if (cap >= MAX_FILE) {
			fclose(f);
			snprintf(err, errcap, "%s: larger than %u MiB; not a reference table?", path,
				 MAX_FILE >> 20);
			rc = WEIR_EINVAL;
			goto fail;
		}
		cap *= 2;
		char *n = realloc(text, cap + 1);
		if (!n)
			free(text);
		text = n;
	}
	int ioerr = ferror(f);
	fclose(f);
	if (!text)
		goto fail;
	if (ioerr) {
		snprintf(err, errcap, "%s: read error", path);
		rc = WEIR_EIO;
		goto fail;
	}
	text[len] = 0;
	const char *p = text;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
		p += 3;
	const char *q = p;
	while (q < text + len && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
		q++;
	if (q < text + len && *q == '[')
		rc = read_json(r, q, (size_t)(text + len - q), err, errcap);
	else
		rc = read_csv(r, p, (size_t)(text + len - p), err, errcap);
	if (rc)
		goto fail;
	free(text);
	*out = r;
	return 0;
fail:
	if (rc == WEIR_ENOMEM)
		snprintf(err, errcap, "%s: out of memory", path);
	free(text);
	weir_reference_free(r);
	return rc;
}

/* ---- the store ---------------------------------------------------------------------- */

static void lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static void bind_opt(sqlite3_stmt *st, int ix, const char *s)
{
	if (s)
		sqlite3_bind_text(st, ix, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, ix);
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

static int put_streamers(sqlite3 *db, const struct weir_reference *r)
{
	static const char *const sql[3] = {
	    "INSERT INTO streamers VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(streamer) DO UPDATE SET"
	    " display_name=excluded.display_name, twitch=excluded.twitch, youtube=excluded.youtube,"
	    " twitter=excluded.twitter, language=excluded.language",
	    "DELETE FROM streamer_accounts WHERE streamer=?1",
	    "INSERT INTO streamer_accounts VALUES(?1,?2,?3) ON CONFLICT(platform, channel) DO UPDATE SET"
	    " streamer=excluded.streamer",
	};
	static const char *const platforms[3] = {"twitch", "youtube", "twitter"};
	sqlite3_stmt *st[3] = {0};
	int rc = WEIR_ESTORE;
	char *name = NULL, *chan = NULL;
	for (int i = 0; i < 3; i++)
		if (sqlite3_prepare_v2(db, sql[i], -1, &st[i], NULL) != SQLITE_OK)
			goto out;
	for (uint32_t i = 0; i < r->nrows; i++) {
		char *const *row = &r->cells[(size_t)i * r->ncols];
		name = strdup(row[0]);
		if (!name) {
			rc = WEIR_ENOMEM;
			goto out;
		}
		lower(name);
		sqlite3_bind_text(st[0], 1, name, -1, SQLITE_TRANSIENT);
		for (int c = 1; c < 6; c++)
			bind_opt(st[0], c + 1, row[c]);
		sqlite3_bind_text(st[1], 1, name, -1, SQLITE_TRANSIENT);
		if (step_done(st[0]) != 0 || step_done(st[1]) != 0)
			goto out;
		for (int p = 0; p < 3; p++) {
			if (!row[2 + p])
				continue;
			chan = strdup(row[2 + p]);
			if (!chan) {
				rc = WEIR_ENOMEM;
				goto out;
			}
			lower(chan);
			sqlite3_bind_text(st[2], 1, platforms[p], -1, SQLITE_STATIC);
			sqlite3_bind_text(st[2], 2, chan, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st[2], 3, name, -1, SQLITE_TRANSIENT);
			int s = step_done(st[2]);
			free(chan);
			chan = NULL;
			if (s != 0)
				goto out;
		}
		free(name);
		name = NULL;
	}
	rc = 0;
out:
	free(name);
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(st[i]);
	return rc;
}

static int put_games(sqlite3 *db, const struct weir_reference *r)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO games VALUES(?1,?2,?3) ON CONFLICT(game) DO UPDATE SET"
			       " genre=excluded.genre, console=excluded.console",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	int rc = 0;
	for (uint32_t i = 0; i < r->nrows && !rc; i++) {
		char *const *row = &r->cells[(size_t)i * r->ncols];
		for (int c = 0; c < 3; c++)
			bind_opt(st, c + 1, row[c]);
		rc = step_done(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int weir_reference_put(struct weir_store *s, const struct weir_reference *r)
{
	sqlite3 *db = weir_store_sqlite(s);
	if (r->table == WEIR_REF_STREAMERS)
		return put_streamers(db, r);
	if (r->table == WEIR_REF_GAMES)
		return put_games(db, r);
	return 0;
}

int weir_reference_load(const char *uri, const char *const *paths, int n, FILE *report, char *err,
			size_t errcap)
{
	struct weir_reference **refs = calloc((size_t)(n > 0 ? n : 1), sizeof(*refs));
	struct weir_store *s = NULL;
	int rc = WEIR_ENOMEM;
	if (!refs) {
		snprintf(err, errcap, "out of memory");
		return rc;
	}
	for (int i = 0; i < n; i++)
		if ((rc = weir_reference_read(paths[i], &refs[i], err, errcap)) != 0)
			goto out;
	if ((rc = weir_store_open(uri, false, &s, err, errcap)) != 0)
		goto out;
	sqlite3 *db = weir_store_sqlite(s);
	if ((rc = weir_store_begin(s)) != 0) {
		snprintf(err, errcap, "store %s: %s", uri, sqlite3_errmsg(db));
		goto out;
	}
	for (int i = 0; i < n && !rc; i++)
		rc = weir_reference_put(s, refs[i]);
	if (!rc)
		rc = weir_store_commit(s);
	if (rc) {
		snprintf(err, errcap, "store %s: loading reference data: %s", uri, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	for (int i = 0; i < n && report; i++)
		fprintf(report, "reference: %s: %u %s\n", refs[i]->path, refs[i]->nrows,
			refs[i]->table == WEIR_REF_GAMES ? "games" : "streamers");
out:
	weir_store_close(s);
	for (int i = 0; i < n; i++)
		weir_reference_free(refs[i]);
	free(refs);
	return rc;
}
