import Database from 'better-sqlite3';
const db = new Database(process.argv[2], { readonly: true });
const q = process.argv[3];
const s = process.hrtime.bigint(); const r = db.prepare(q).all(); 
console.log((Number(process.hrtime.bigint() - s) / 1e6).toFixed(1), 'ms', r.length, q);
