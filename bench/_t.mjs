import { DuckDBInstance } from '@duckdb/node-api';
const [threads, ...qs] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`SET threads=${threads}`);
await c.run(`SET preserve_insertion_order=false`);
for (const q of qs) { const t=performance.now(); const cu=process.cpuUsage(); const r = await c.runAndReadAll(q); const cd=process.cpuUsage(cu); console.log(((performance.now()-t)/1000).toFixed(3), "cpu", ((cd.user+cd.system)/1e6).toFixed(3), JSON.stringify(r.getRows().slice(0,3), (k,v)=>typeof v==='bigint'?String(v):v).slice(0,200), '|', q.slice(0,150)); }
