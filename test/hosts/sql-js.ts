import { requireFromHere, shippedModule, Transcript, type Workload } from './host.js';

type Row = Array<number | string | Uint8Array | null>;
interface SqlJs {
  Database: new () => {
    run(sql: string, params?: Row): void;
    exec(sql: string): Array<{ columns: string[]; values: Row[] }>;
    export(): Uint8Array;
    close(): void;
  };
}
type InitSqlJs = (config: { wasmBinary: ArrayBuffer }) => Promise<SqlJs>;

/** Schema, data from recursive CTEs, and queries across joins, aggregates, windows, JSON and blobs. */
const SCRIPT = `
CREATE TABLE author(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, born INTEGER);
CREATE TABLE book(id INTEGER PRIMARY KEY, author INTEGER REFERENCES author(id), title TEXT, year INTEGER,
                  price REAL, tags TEXT, cover BLOB);
CREATE INDEX book_year ON book(year);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO author(name, born) SELECT 'author ' || i, 1800 + (i * 37) % 200 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO book(author, title, year, price, tags, cover)
  SELECT 1 + (i * 7919) % 200, printf('title %05d', i), 1900 + (i * 31) % 125, round((i % 97) * 1.37 + 0.5, 2),
         json_array('t' || (i % 5), 't' || (i % 11)), cast(printf('%.*c', i % 7, 'z') || 'cafe' AS BLOB)
  FROM n;
UPDATE book SET price = price * 0.9 WHERE year < 1950;
DELETE FROM book WHERE id % 13 = 0;
`;

const QUERIES = [
  'SELECT count(*), sum(price), min(year), max(year), avg(length(cover)) FROM book',
  `SELECT a.name, count(*) AS n, round(sum(b.price), 2) FROM author a JOIN book b ON b.author = a.id
     GROUP BY a.id ORDER BY n DESC, a.name LIMIT 5`,
  `SELECT year, title, rank() OVER (PARTITION BY year ORDER BY price DESC, id) AS r FROM book
     WHERE year BETWEEN 1990 AND 1992 ORDER BY year, r LIMIT 12`,
  `SELECT j.value, count(*) FROM book, json_each(book.tags) AS j GROUP BY j.value ORDER BY 2 DESC, 1 LIMIT 6`,
  "SELECT hex(cover), typeof(cover), upper(substr(title, 1, 5)) || lower('ÄB') FROM book WHERE id IN (1, 2, 6)",
  `SELECT printf('%.3f|%e|%x', 1.0 / 3, 6.02e23, 255), 7 / 2, 7 % 3, -7 / 2, 1 << 40, cast(2.9 AS INTEGER),
     '10' + 5, abs(-9223372036854775807), instr('hello', 'll'), replace('aaa', 'a', 'bb')`,
  'SELECT name FROM author WHERE name LIKE \'%9%\' AND born > 1900 ORDER BY born, name LIMIT 5',
];

/** sql.js: SQLite compiled with Emscripten; the module is handed over as `wasmBinary`. */
export const sqlJs: Workload = {
  name: 'sql.js',
  sizeClass: 'large',
  ...shippedModule('sql.js', 'dist/sql-wasm.wasm'),
  async transcript(bytes) {
    const initSqlJs = requireFromHere('sql.js') as InitSqlJs;
    const SQL = await initSqlJs({ wasmBinary: bytes.slice().buffer });
    const db = new SQL.Database();
    db.run(SCRIPT);
    const out = new Transcript();
    for (const [index, query] of QUERIES.entries()) {
      const results = db.exec(query).map((r) => ({
        columns: r.columns,
        values: r.values.map((row) => row.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))),
      }));
      out.add(`query ${index}`, results);
    }
    out.addBytes('database', db.export());
    db.close();
    return out.toString();
  },
};
