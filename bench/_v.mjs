import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads, variant] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`SET threads=${threads}`);
await c.run(`SET preserve_insertion_order=false`);
const UP = `'ABCDEFGHIJKLMNOPQRSTUVWXYZ'`, LO = `'abcdefghijklmnopqrstuvwxyz'`;
const al = (x) => `CASE WHEN strlen(${x}) = length(${x}) THEN lower(${x}) ELSE translate(${x}, ${UP}, ${LO}) END`;
const PAT = `'[^[:space:][:punct:]](?:[^[:space:]]*[^[:space:][:punct:]])?'`;
const SRC = `read_ndjson('${file}', columns={kind:'VARCHAR', ts:'TIMESTAMPTZ', channel:'VARCHAR', "user":'VARCHAR', text:'VARCHAR'})`;
const V = {
 b: [
  `CREATE TEMP TABLE msgs AS SELECT ${al('channel')} AS ch, epoch_ms(ts) // 60000 AS m, "user" AS u,
     regexp_extract_all(${al('text')}, ${PAT}) AS toks FROM ${SRC} WHERE kind = 'chat'`,
  `CREATE TEMP TABLE cm AS SELECT m, ch, count(*) AS messages, sum(len(toks)) AS words, count(DISTINCT u) AS chatters FROM msgs GROUP BY ch, m`,
  `CREATE TEMP TABLE tw AS SELECT ch, w, count(*) AS cnt FROM (SELECT ch, unnest(toks) AS w FROM msgs) GROUP BY ch, w QUALIFY row_number() OVER (PARTITION BY ch ORDER BY cnt DESC, w) <= 10`,
  `CREATE TEMP TABLE tu AS SELECT ch, u, count(*) AS n FROM msgs GROUP BY ch, u QUALIFY row_number() OVER (PARTITION BY ch ORDER BY n DESC, u) <= 10`,
 ],
 // lowercase after aggregating raw tokens
 c: [
  `CREATE TEMP TABLE msgs AS SELECT ${al('channel')} AS ch, epoch_ms(ts) // 60000 AS m, "user" AS u,
     regexp_extract_all(text, ${PAT}) AS toks FROM ${SRC} WHERE kind = 'chat'`,
  `CREATE TEMP TABLE cm AS SELECT m, ch, count(*) AS messages, sum(len(toks)) AS words, count(DISTINCT u) AS chatters FROM msgs GROUP BY ch, m`,
  `CREATE TEMP TABLE tw AS SELECT ch, lw AS w, sum(n) AS cnt FROM (SELECT ch, ${al('rw')} AS lw, n FROM (SELECT ch, rw, count(*) AS n FROM (SELECT ch, unnest(toks) AS rw FROM msgs) GROUP BY ch, rw)) GROUP BY ch, lw QUALIFY row_number() OVER (PARTITION BY ch ORDER BY cnt DESC, lw) <= 10`,
  `CREATE TEMP TABLE tu AS SELECT ch, u, count(*) AS n FROM msgs GROUP BY ch, u QUALIFY row_number() OVER (PARTITION BY ch ORDER BY n DESC, u) <= 10`,
 ],
 // no materialized table: the file is scanned per output (3 scans)
 d: [
  `CREATE TEMP TABLE cm AS SELECT epoch_ms(ts) // 60000 AS m, ${al('channel')} AS ch, count(*) AS messages, sum(len(regexp_extract_all(text, ${PAT}))) AS words, count(DISTINCT "user") AS chatters FROM ${SRC} WHERE kind='chat' GROUP BY ALL`,
  `CREATE TEMP TABLE tw AS SELECT ch, lw AS w, sum(n) AS cnt FROM (SELECT ch, ${al('rw')} AS lw, n FROM (SELECT ch, rw, count(*) AS n FROM (SELECT ${al('channel')} AS ch, unnest(regexp_extract_all(text, ${PAT})) AS rw FROM ${SRC} WHERE kind='chat') GROUP BY ch, rw)) GROUP BY ch, lw QUALIFY row_number() OVER (PARTITION BY ch ORDER BY cnt DESC, lw) <= 10`,
  `CREATE TEMP TABLE tu AS SELECT ${al('channel')} AS ch, "user" AS u, count(*) AS n FROM ${SRC} WHERE kind='chat' GROUP BY ALL QUALIFY row_number() OVER (PARTITION BY ch ORDER BY n DESC, u) <= 10`,
 ],
 e: [
  `CREATE TEMP TABLE g AS SELECT ch, m, u, w, count(*) AS n, count(w) AS nw, grouping(m) AS gm FROM (
     SELECT ${al('channel')} AS ch, epoch_ms(ts) // 60000 AS m, "user" AS u,
            unnest(list_prepend(NULL, regexp_extract_all(${al('text')}, ${PAT}))) AS w
     FROM ${SRC} WHERE kind = 'chat') GROUP BY GROUPING SETS ((ch, m, u), (ch, w))`,
  `CREATE TEMP TABLE cm AS SELECT m, ch, sum(n - nw) AS messages, sum(nw) AS words, count(*) AS chatters FROM g WHERE gm = 0 GROUP BY ch, m`,
  `CREATE TEMP TABLE tw AS SELECT ch, w, n AS cnt FROM g WHERE gm = 1 AND w IS NOT NULL QUALIFY row_number() OVER (PARTITION BY ch ORDER BY cnt DESC, w) <= 10`,
  `CREATE TEMP TABLE tu AS SELECT ch, u, sum(n - nw) AS n FROM g WHERE gm = 0 GROUP BY ch, u QUALIFY row_number() OVER (PARTITION BY ch ORDER BY n DESC, u) <= 10`,
 ],
 n: [
  `CREATE TEMP TABLE res AS WITH msgs AS MATERIALIZED (SELECT ${al('channel')} AS ch, epoch_ms(ts) // 60000 AS m, "user" AS u,
     regexp_extract_all(${al('text')}, ${PAT}) AS toks FROM ${SRC} WHERE kind = 'chat'),
   cm AS (SELECT 0 AS t, ch, m, NULL::VARCHAR AS k, count(*) AS a, sum(len(toks)) AS b, count(DISTINCT u) AS c FROM msgs GROUP BY ch, m),
   tw AS (SELECT 1 AS t, ch, NULL::BIGINT AS m, w AS k, count(*) AS a, NULL::BIGINT AS b, NULL::BIGINT AS c FROM (SELECT ch, unnest(toks) AS w FROM msgs) GROUP BY ch, w QUALIFY row_number() OVER (PARTITION BY ch ORDER BY a DESC, w) <= 10),
   tu AS (SELECT 2 AS t, ch, NULL::BIGINT AS m, u AS k, count(*) AS a, NULL::BIGINT AS b, NULL::BIGINT AS c FROM msgs GROUP BY ch, u QUALIFY row_number() OVER (PARTITION BY ch ORDER BY a DESC, u) <= 10)
   SELECT * FROM cm UNION ALL SELECT * FROM tw UNION ALL SELECT * FROM tu`,
  `CREATE TEMP TABLE cm AS SELECT m, ch, a AS messages, b AS words, c AS chatters FROM res WHERE t = 0`,
  `CREATE TEMP TABLE tw AS SELECT ch, k AS w, a AS cnt FROM res WHERE t = 1`,
  `CREATE TEMP TABLE tu AS SELECT ch, k AS u, a AS n FROM res WHERE t = 2`,
 ],
 b2: [
  `CREATE TEMP TABLE msgs AS SELECT ${al('channel')} AS ch, (epoch_ms(ts) // 60000)::INTEGER AS m, "user" AS u,
     regexp_extract_all(${al('text')}, ${PAT}) AS toks FROM ${SRC} WHERE kind = 'chat'`,
  `CREATE TEMP TABLE cm AS SELECT m, ch, count(*) AS messages, sum(len(toks)) AS words, count(DISTINCT u) AS chatters FROM msgs GROUP BY ch, m`,
  `CREATE TEMP TABLE tw AS SELECT ch, unnest(arg_min(struct_pack(w := w, cnt := cnt), struct_pack(k := -cnt, w := w), 10), recursive := true) FROM (SELECT ch, w, count(*) AS cnt FROM (SELECT ch, unnest(toks) AS w FROM msgs) GROUP BY ch, w) GROUP BY ch`,
  `CREATE TEMP TABLE tu AS SELECT ch, unnest(arg_min(struct_pack(u := u, n := n), struct_pack(k := -n, u := u), 10), recursive := true) FROM (SELECT ch, u, count(*) AS n FROM msgs GROUP BY ch, u) GROUP BY ch`,
 ],
 f: [
  `CREATE TEMP TABLE cm AS SELECT (epoch_ms(ts) // 60000)::INTEGER AS m, ${al('channel')} AS ch, count(*) AS messages, sum(len(regexp_extract_all(text, ${PAT}))) AS words, count(DISTINCT "user") AS chatters FROM ${SRC} WHERE kind='chat' GROUP BY 1, 2`,
  `CREATE TEMP TABLE tw AS SELECT ch, unnest(arg_min(struct_pack(w := w, cnt := cnt), struct_pack(k := -cnt, w := w), 10), recursive := true) FROM (SELECT ch, w, count(*) AS cnt FROM (SELECT ${al('channel')} AS ch, unnest(regexp_extract_all(${al('text')}, ${PAT})) AS w FROM ${SRC} WHERE kind='chat') GROUP BY ch, w) GROUP BY ch`,
  `CREATE TEMP TABLE tu AS SELECT ch, unnest(arg_min(struct_pack(u := u, n := n), struct_pack(k := -n, u := u), 10), recursive := true) FROM (SELECT ${al('channel')} AS ch, "user" AS u, count(*) AS n FROM ${SRC} WHERE kind='chat' GROUP BY 1, 2) GROUP BY ch`,
 ],
 b3: [
  `CREATE TEMP TABLE msgs AS SELECT ${al('channel')} AS ch, (epoch_ms(ts) // 60000)::INTEGER AS m, "user" AS u,
     regexp_extract_all(text, ${PAT}) AS toks FROM ${SRC} WHERE kind = 'chat'`,
  `CREATE TEMP TABLE cm AS SELECT m, ch, count(*) AS messages, sum(len(toks)) AS words, count(DISTINCT u) AS chatters FROM msgs GROUP BY ch, m`,
  `CREATE TEMP TABLE tw AS SELECT ch, unnest(arg_min(struct_pack(w := w, cnt := cnt), struct_pack(k := -cnt, w := w), 10), recursive := true) FROM (SELECT ch, w, sum(n) AS cnt FROM (SELECT ch, ${al('rw')} AS w, n FROM (SELECT ch, rw, count(*) AS n FROM (SELECT ch, unnest(toks) AS rw FROM msgs) GROUP BY ch, rw)) GROUP BY ch, w) GROUP BY ch`,
  `CREATE TEMP TABLE tu AS SELECT ch, unnest(arg_min(struct_pack(u := u, n := n), struct_pack(k := -n, u := u), 10), recursive := true) FROM (SELECT ch, u, count(*) AS n FROM msgs GROUP BY ch, u) GROUP BY ch`,
 ],
};
const t0 = performance.now();
for (const q of V[variant]) { const t=performance.now(); const cu=process.cpuUsage(); await c.run(q); const cd=process.cpuUsage(cu); console.error("  ", ((performance.now()-t)/1000).toFixed(3), "cpu", ((cd.user+cd.system)/1e6).toFixed(3), q.slice(0,70).replace(/\s+/g,' ')); }
console.log(variant, threads, 'total', ((performance.now()-t0)/1000).toFixed(3));
for (const t of ['cm','tw','tu']) { const r = await c.runAndReadAll(`select count(*), hash(list(columns(*)::VARCHAR order by all)) from ${t}`); console.log(t, r.getRows().map(String)); }
