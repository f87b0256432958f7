// duckdb_chat.mjs — the DuckDB peer of `weir ingest` for the chat benchmark.
//
//   node bench/duckdb_chat.mjs FILE THREADS OUTDIR [--repeat N]
//
// Reads an NDJSON file of events (../shared/spec/events.md §1) with DuckDB
// (in-memory, SET threads=THREADS) and computes what weir stores for chat:
//   - per (channel, minute): messages, words, distinct chatters;
//   - per channel: the top-10 words (tokenized per events.md §2) and top-10 users,
//     ordered by count desc, then bytes asc.
// The timed part is the SQL work from opening the file to the three results held
// in memory; node startup and the CSV export are not timed. With --repeat N the
// work runs N times, each on a fresh in-memory database, and the best is reported.
// Prints one JSON line: {"threads":T,"events":E,"seconds":[...],"best":S}.
// Writes OUTDIR/chat_minutes.csv (minute,channel,messages,words,chatters; by
// channel, minute), OUTDIR/top_words.csv (channel,word,count) and
// OUTDIR/top_users.csv (channel,user,count), each by channel, count desc, key.
//
// Assumes `ts` is an RFC 3339 string (what `weir sim` writes); integer
// milliseconds, which events.md also allows, are not handled here.
import { asciiLower, parseArgs, sq, timeQueries } from './duckdb_harness.mjs';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const { file, threads, outdir, repeat } = parseArgs('duckdb_chat.mjs');


// A word: a maximal run of non-whitespace bytes with ASCII punctuation stripped
// from both ends, dropped if empty. In RE2, [[:space:]] is exactly space, \t, \n,
// \v, \f, \r and [[:punct:]] exactly the 32 ASCII punctuation characters, so the
// match starts at the run's first non-punctuation byte and (greedily) ends at its
// last one; a run of punctuation alone never matches.
const WORD = `'[^[:space:][:punct:]](?:[^[:space:]]*[^[:space:][:punct:]])?'`;

const SRC = `read_ndjson(${sq(file)}, columns = {kind: 'VARCHAR', ts: 'VARCHAR', ` +
	`channel: 'VARCHAR', "user": 'VARCHAR', text: 'VARCHAR'})`;

// One scan of the file materializes each message's channel, minute, user and
// token list; the three answers are aggregations of that table. Words are
// counted as they appear, then lowercased and summed again: far fewer distinct
// (channel, word) pairs than tokens need lowercasing that way. Top-N uses
// arg_min(value, key, 10) with key (-count, string): lexicographic struct order
// gives count desc, then bytes asc (DuckDB compares VARCHAR bytewise).
const QUERIES = [
	`CREATE TEMP TABLE msgs AS
	 SELECT ${asciiLower('channel')} AS ch,
	        (epoch_ms(ts::TIMESTAMPTZ) // 60000)::INTEGER AS m,
	        "user" AS u,
	        regexp_extract_all(text, ${WORD}) AS toks
	 FROM ${SRC} WHERE kind = 'chat'`,
	`CREATE TEMP TABLE chat_minutes AS
	 SELECT m, ch, count(*) AS messages, sum(len(toks)) AS words, count(DISTINCT u) AS chatters
	 FROM msgs GROUP BY ch, m`,
	`CREATE TEMP TABLE top_words AS
	 SELECT ch, unnest(arg_min(struct_pack(w := w, n := n), struct_pack(k := -n, w := w), 10), recursive := true)
	 FROM (SELECT ch, ${asciiLower('raw')} AS w, sum(n) AS n
	       FROM (SELECT ch, raw, count(*) AS n FROM (SELECT ch, unnest(toks) AS raw FROM msgs) GROUP BY ch, raw)
	       GROUP BY ALL)
	 GROUP BY ch`,
	`CREATE TEMP TABLE top_users AS
	 SELECT ch, unnest(arg_min(struct_pack(u := u, n := n), struct_pack(k := -n, u := u), 10), recursive := true)
	 FROM (SELECT ch, u, count(*) AS n FROM msgs GROUP BY ch, u)
	 GROUP BY ch`,
];

const { con, seconds } = await timeQueries(QUERIES, threads, repeat);
const events = Number((await con.runAndReadAll('SELECT count(*) FROM msgs')).getRows()[0][0]);

mkdirSync(outdir, { recursive: true });
const out = (name) => sq(resolve(outdir, name));
await con.run(`COPY (SELECT strftime(make_timestamp(m::BIGINT * 60000000), '%Y-%m-%dT%H:%M:%SZ') AS minute,
	                     ch AS channel, messages, words, chatters
	              FROM chat_minutes ORDER BY ch, m)
	       TO ${out('chat_minutes.csv')} (HEADER, DELIMITER ',')`);
await con.run(`COPY (SELECT ch AS channel, w AS word, n AS count FROM top_words ORDER BY ch, n DESC, w)
	       TO ${out('top_words.csv')} (HEADER, DELIMITER ',')`);
await con.run(`COPY (SELECT ch AS channel, u AS "user", n AS count FROM top_users ORDER BY ch, n DESC, u)
	       TO ${out('top_users.csv')} (HEADER, DELIMITER ',')`);

console.log(JSON.stringify({ threads, events, seconds, best: Math.min(...seconds) }));
