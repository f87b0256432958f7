// duckdb_harness.mjs — what every DuckDB peer of bench/ shares (duckdb_chat,
// duckdb_followers, duckdb_posts, duckdb_presence): the command line
//   node bench/duckdb_X.mjs FILE THREADS OUTDIR [--repeat N]
// SQL string quoting, ASCII-only lowercasing, and the timed part: a fresh
// in-memory database per run (SET threads=THREADS), the queries run in
// order, wall time from the first query to the last result held in memory.
import { DuckDBInstance } from '@duckdb/node-api';

export function parseArgs(script) {
	const args = process.argv.slice(2);
	let repeat = 1;
	const pos = [];
	for (let i = 0; i < args.length; i++) {
		if (args[i] === '--repeat') repeat = parseInt(args[++i], 10);
		else pos.push(args[i]);
	}
	if (pos.length !== 3 || !(repeat >= 1)) {
		console.error(`usage: node bench/${script} FILE THREADS OUTDIR [--repeat N]`);
		process.exit(2);
	}
	const [file, threadsArg, outdir] = pos;
	return { file, threads: parseInt(threadsArg, 10), outdir, repeat };
}

export const sq = (s) => `'${s.replaceAll("'", "''")}'`;

// ASCII-only lowercasing (events.md §2): DuckDB's lower() also folds non-ASCII
// letters, so it is used only when the string is pure ASCII (bytes = characters);
// otherwise translate() maps A-Z alone.
export const asciiLower = (x) =>
	`CASE WHEN strlen(${x}) = length(${x}) THEN lower(${x}) ` +
	`ELSE translate(${x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END`;

async function once(queries, threads) {
	const inst = await DuckDBInstance.create(':memory:');
	const con = await inst.connect();
	await con.run(`SET threads = ${threads}`);
	await con.run(`SET preserve_insertion_order = false`);
	const t0 = performance.now();
	for (const q of queries) await con.run(q);
	const secs = (performance.now() - t0) / 1000;
	return { inst, con, secs };
}

// Runs the queries `repeat` times, each in a new database; returns the seconds
// of every run and the connection of the last one (its tables stay readable).
export async function timeQueries(queries, threads, repeat) {
	const seconds = [];
	let last;
	for (let i = 0; i < repeat; i++) {
		if (last) {
			last.con.closeSync();
			last.inst.closeSync();
		}
		last = await once(queries, threads);
		seconds.push(Number(last.secs.toFixed(3)));
	}
	return { con: last.con, seconds };
}
