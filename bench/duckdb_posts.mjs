// duckdb_posts.mjs — the DuckDB peer of `weir ingest` for posts.
//
//   node bench/duckdb_posts.mjs FILE THREADS OUTDIR [--repeat N]
//
// Reads an NDJSON file of events (../shared/spec/events.md §1) with DuckDB
// (in-memory, SET threads=THREADS) and computes what `weir query posts --window
// hour` answers (docs/posts.md), all but `sentiment` (VADER is not modelled):
// per (hashtag, UTC hour) `posts`, the sums of `likes`, `shares`, `replies` and
// the number of distinct `authors`. All arrivals of an id are one post: its
// identity (ts = created_at, author, text, hashtags) from the arrival with the
// smallest `ts`, its counters (an absent one counting 0) from the one with the
// largest `ts`. Hashtags from the `hashtags` array when present (leading `#`s
// dropped, ASCII lowercased, empty ones dropped), else from the text: `#` then a
// run of ASCII letters, digits, `_` or non-ASCII characters, ASCII lowercased;
// a post counts once per distinct tag.
// The timed part is the SQL from opening the file to the result held in memory;
// node startup and the CSV export are not timed. With --repeat N the work runs N
// times, each on a fresh in-memory database, and the best is reported.
// Prints one JSON line: {"threads":T,"events":E,"posts":P,"rows":R,"seconds":[...],"best":S}.
// Writes OUTDIR/posts_hour.csv (window,tag,posts,likes,shares,replies,authors;
// ordered by tag, window, as weir orders it).
//
// Assumes `ts` is an RFC 3339 string (what `weir sim` writes) and that the input
// has no malformed lines (the benchmark generates it with --bad-rate 0): weir's
// validation is not modelled. Arrivals of one id with equal `ts` are taken in no
// particular order (weir: the first/last to arrive); in `weir sim` data they are
// byte-identical duplicates, so it does not matter there.
import { asciiLower, parseArgs, sq, timeQueries } from './duckdb_harness.mjs';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const { file, threads, outdir, repeat } = parseArgs('duckdb_posts.mjs');


const SRC = `read_ndjson(${sq(file)}, columns = {kind: 'VARCHAR', ts: 'VARCHAR', id: 'VARCHAR', ` +
	`author: 'VARCHAR', text: 'VARCHAR', hashtags: 'VARCHAR[]', likes: 'BIGINT', shares: 'BIGINT', ` +
	`replies: 'BIGINT'})`;

// A hashtag in text (events.md §1): '#' then a run of ASCII letters, digits, '_'
// or non-ASCII characters (RE2 works on UTF-8 code points: \x{80}-\x{10FFFF} is
// every non-ASCII one). '#' inside a word counts; '##a' gives 'a'.
const TAG = `'#([0-9A-Za-z_\\x{80}-\\x{10FFFF}]+)'`;

// One scan groups the arrivals by id (identity by arg_min on ts, counters by
// arg_max on ts); hashtags are extracted once per post, from its first text;
// then one GROUP BY (tag, hour) over the unnested distinct tags.
const QUERIES = [
	`CREATE TEMP TABLE posts AS
	 SELECT id,
	        arg_min(struct_pack(t := t, a := author, x := text, g := hashtags), t) AS i,
	        arg_max(struct_pack(l := coalesce(likes, 0), s := coalesce(shares, 0), r := coalesce(replies, 0)), t) AS c,
	        count(*) AS arrivals
	 FROM (SELECT id, author, text, hashtags, likes, shares, replies, epoch_ms(ts::TIMESTAMPTZ) AS t
	       FROM ${SRC} WHERE kind = 'post')
	 GROUP BY id`,
	`CREATE TEMP TABLE posts_hour AS
	 SELECT tag, h, count(*) AS posts, sum(l) AS likes, sum(s) AS shares, sum(r) AS replies,
	        count(DISTINCT a) AS authors
	 FROM (SELECT unnest(tags) AS tag, h, a, l, s, r
	       FROM (SELECT i.t // 3600000 AS h, i.a AS a, c.l AS l, c.s AS s, c.r AS r,
	                    list_distinct(CASE WHEN i.g IS NOT NULL
	                         THEN list_filter(list_transform(i.g, e -> ${asciiLower("ltrim(e, '#')")}), e -> e <> '')
	                         ELSE list_transform(regexp_extract_all(i.x, ${TAG}, 1), e -> ${asciiLower('e')}) END) AS tags
	             FROM posts))
	 GROUP BY tag, h`,
];

const { con, seconds } = await timeQueries(QUERIES, threads, repeat);
const [events, posts] = (await con.runAndReadAll('SELECT sum(arrivals), count(*) FROM posts')).getRows()[0].map(Number);
const rows = Number((await con.runAndReadAll('SELECT count(*) FROM posts_hour')).getRows()[0][0]);

mkdirSync(outdir, { recursive: true });
await con.run(`COPY (SELECT strftime(make_timestamp(h::BIGINT * 3600000000), '%Y-%m-%dT%H:%M:%SZ') AS "window",
	                     tag, posts, likes, shares, replies, authors
	              FROM posts_hour ORDER BY tag, h)
	       TO ${sq(resolve(outdir, 'posts_hour.csv'))} (HEADER, DELIMITER ',')`);

console.log(JSON.stringify({ threads, events, posts, rows, seconds, best: Math.min(...seconds) }));
