import Database from 'better-sqlite3';
const db = new Database(process.argv[2], { readonly: true });
for (const q of process.argv.slice(3)) {
const s = process.hrtime.bigint(); const r = db.prepare(q).all(); 
console.log((Number(process.hrtime.bigint() - s) / 1e6).toFixed(1), 'ms', r.length, JSON.stringify(r[0]).slice(0,80), q.slice(0,150));
}
