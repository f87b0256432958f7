// duckdb_followers.mjs — the DuckDB peer of `weir ingest` for follower snapshots.
//
//   node bench/duckdb_followers.mjs FILE THREADS OUTDIR [--repeat N]
//
// Reads an NDJSON file of events (../shared/spec/events.md §1) with DuckDB
// (in-memory, SET threads=THREADS) and computes what `weir query followers
// --window hour` answers (docs/followers.md): per (platform, channel, UTC hour)
// with at least one snapshot, `first` and `last` (the count with the smallest and
// the largest `ts`; equal `ts`: the larger count, for both), `min`, `max` and
// `gain` = last - first. `channel` is lowercased (ASCII only, events.md).
// The timed part is the SQL from opening the file to the result held in memory;
// node startup and the CSV export are not timed. With --repeat N the work runs N
// times, each on a fresh in-memory database, and the best is reported.
// Prints one JSON line: {"threads":T,"events":E,"rows":R,"seconds":[...],"best":S}.
// Writes OUTDIR/followers_hour.csv (window,platform,channel,first,last,min,max,
// gain; ordered by platform, channel, window, as weir orders it).
//
// Assumes `ts` is an RFC 3339 string (what `weir sim` writes) and that the input
// has no malformed lines (the benchmark generates it with --bad-rate 0): weir's
// validation is not modelled.
import { asciiLower, parseArgs, sq, timeQueries } from './duckdb_harness.mjs';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const { file, threads, outdir, repeat } = parseArgs('duckdb_followers.mjs');


const SRC = `read_ndjson(${sq(file)}, columns = {kind: 'VARCHAR', platform: 'VARCHAR', ` +
	`ts: 'VARCHAR', channel: 'VARCHAR', followers: 'BIGINT'})`;

// One scan, one GROUP BY over (platform, raw channel, hour): first/last by
// arg_min/arg_max on the key (ts, ±count), which gives "equal ts: the larger
// count" for both. Channels are lowercased after the first aggregation, on the
// distinct accounts only, and the (rare) accounts whose spellings differ only in
// case are merged by a second, tiny aggregation of the same kind.
const QUERIES = [
	`CREATE TEMP TABLE fw0 AS
	 SELECT platform, channel AS raw, h,
	        arg_min(struct_pack(t := t, n := followers), struct_pack(t := t, k := -followers)) AS f,
	        arg_max(struct_pack(t := t, n := followers), struct_pack(t := t, k := followers)) AS l,
	        min(followers) AS mn, max(followers) AS mx, count(*) AS c
	 FROM (SELECT platform, channel, followers, epoch_ms(ts::TIMESTAMPTZ) AS t,
	              epoch_ms(ts::TIMESTAMPTZ) // 3600000 AS h
	       FROM ${SRC} WHERE kind = 'followers')
	 GROUP BY platform, channel, h`,
	`CREATE TEMP TABLE fw AS
	 SELECT platform, ch, h,
	        arg_min(f.n, struct_pack(t := f.t, k := -f.n)) AS first,
	        arg_max(l.n, struct_pack(t := l.t, k := l.n)) AS last,
	        min(mn) AS min, max(mx) AS max, sum(c) AS c
	 FROM (SELECT *, ${asciiLower('raw')} AS ch FROM fw0)
	 GROUP BY platform, ch, h`,
];

const { con, seconds } = await timeQueries(QUERIES, threads, repeat);
const [events, rows] = (await con.runAndReadAll('SELECT sum(c), count(*) FROM fw')).getRows()[0].map(Number);

mkdirSync(outdir, { recursive: true });
await con.run(`COPY (SELECT strftime(make_timestamp(h::BIGINT * 3600000000), '%Y-%m-%dT%H:%M:%SZ') AS "window",
	                     platform, ch AS channel, first, last, min, max, last - first AS gain
	              FROM fw ORDER BY platform, ch, h)
	       TO ${sq(resolve(outdir, 'followers_hour.csv'))} (HEADER, DELIMITER ',')`);

console.log(JSON.stringify({ threads, events, rows, seconds, best: Math.min(...seconds) }));
