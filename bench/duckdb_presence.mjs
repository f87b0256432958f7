// duckdb_presence.mjs — the DuckDB peer of `weir ingest` for the presence benchmark.
//
//   node bench/duckdb_presence.mjs FILE THREADS OUTDIR [--repeat N]
//
// Reads an NDJSON file of events (../shared/spec/events.md §1) with DuckDB
// (in-memory, SET threads=THREADS) and computes from its `chatters` lines what
// weir stores for presence (docs/presence.md):
//   - per (channel, 5-minute UTC slot): the number of distinct users present;
//   - per (channel, UTC day): the number of distinct users.
// Same rules as weir: the channel is lowercased (ASCII), an empty name is no one,
// an empty list still gives its slot and day a row (0 users), a user listed twice
// or in two snapshots of one slot counts once.
// The timed part is the SQL work from opening the file to both results held in
// memory; node startup and the CSV export are not timed. With --repeat N the work
// runs N times, each on a fresh in-memory database, and the best is reported.
// Prints one JSON line:
//   {"threads":T,"snapshots":S,"presences":P,"distinct_users":U,"seconds":[...],"best":S}
// (presences = (snapshot, user) pairs listed, distinct_users = over the whole file).
// Writes OUTDIR/presence.csv (snapshot,channel,present; by channel, snapshot) and
// OUTDIR/presence_daily.csv (day,channel,distinct_users; by channel, day), in the
// CSV format of `weir query presence` / `weir query presence-daily`.
//
// Assumes `ts` is an RFC 3339 string (what `weir sim` writes); integer
// milliseconds, which events.md also allows, are not handled here.
import { asciiLower, parseArgs, sq, timeQueries } from './duckdb_harness.mjs';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const { file, threads, outdir, repeat } = parseArgs('duckdb_presence.mjs');


// Chatters lines can be megabytes long: maximum_object_size well above the
// longest line (weir's --max-line in bench/presence_bench.sh is 64 MiB).
const SRC = `read_ndjson(${sq(file)}, columns = {kind: 'VARCHAR', ts: 'VARCHAR', ` +
	`channel: 'VARCHAR', users: 'VARCHAR[]'}, maximum_object_size = 268435456)`;

// One scan unnests every list into (channel, slot, user) rows; an empty list
// becomes one row with a NULL user (count(DISTINCT) skips it, the group stays),
// an empty name becomes NULL too. Both answers are count(DISTINCT user) groupings
// of that table; the slot is ms // 300000, the day ms // 86400000.
const QUERIES = [
	`CREATE TEMP TABLE pres AS
	 SELECT ${asciiLower('channel')} AS ch,
	        (epoch_ms(ts::TIMESTAMPTZ) // 300000)::INTEGER AS s,
	        nullif(unnest(CASE WHEN len(users) = 0 THEN [NULL::VARCHAR] ELSE users END), '') AS u
	 FROM ${SRC} WHERE kind = 'chatters'`,
	`CREATE TEMP TABLE presence AS
	 SELECT ch, s, count(DISTINCT u) AS present FROM pres GROUP BY ch, s`,
	`CREATE TEMP TABLE presence_daily AS
	 SELECT ch, s // 288 AS d, count(DISTINCT u) AS distinct_users FROM pres GROUP BY ch, s // 288`,
];

const { con, seconds } = await timeQueries(QUERIES, threads, repeat);
const one = async (q) => Number((await con.runAndReadAll(q)).getRows()[0][0]);
const snapshots = await one(`SELECT count(*) FROM ${SRC} WHERE kind = 'chatters'`);
const presences = await one('SELECT count(u) FROM pres');
const distinctUsers = await one('SELECT count(DISTINCT u) FROM pres');

mkdirSync(outdir, { recursive: true });
const out = (name) => sq(resolve(outdir, name));
await con.run(`COPY (SELECT strftime(make_timestamp(s::BIGINT * 300000000), '%Y-%m-%dT%H:%M:%SZ') AS snapshot,
	                     ch AS channel, present
	              FROM presence ORDER BY ch, s)
	       TO ${out('presence.csv')} (HEADER, DELIMITER ',')`);
await con.run(`COPY (SELECT strftime(make_timestamp(d::BIGINT * 86400000000), '%Y-%m-%d') AS day,
	                     ch AS channel, distinct_users
	              FROM presence_daily ORDER BY ch, d)
	       TO ${out('presence_daily.csv')} (HEADER, DELIMITER ',')`);

console.log(JSON.stringify({ threads, snapshots, presences, distinct_users: distinctUsers, seconds, best: Math.min(...seconds) }));
