// An independent reader of freshet-parquet's output: hyparquet (pure JavaScript, its own Snappy) reads the Parquet
// rows ParquetSinkTest exported and compares them, value for value, with the CSV rows of the same training set.
// Usage: node .ci/parquet-check.mjs DIR   (DIR holds rows.parquet and rows.csv; hyparquet resolvable from the cwd)
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { readFileSync } from 'node:fs';

const dir = process.argv[2];
const file = await asyncBufferFromFile(`${dir}/rows.parquet`);
const metadata = await parquetMetadataAsync(file);
const rows = await parquetReadObjects({ file });
const lines = readFileSync(`${dir}/rows.csv`, 'utf8').split('\n').filter((l) => l.length > 0);

function parseCsv(line) {
  const out = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cell); cell = ''; }
    else cell += c;
  }
  out.push(cell);
  return out;
}

function sameStrings(list, cell) {
  let parsed;
  try { parsed = JSON.parse(cell); } catch (e) { return false; }
  return Array.isArray(parsed) && parsed.length === list.length && parsed.every((s, k) => s === list[k]);
}

const header = parseCsv(lines[0]);
const failures = [];
if (rows.length !== lines.length - 1) failures.push(`rows: parquet ${rows.length}, csv ${lines.length - 1}`);
let compared = 0;
for (let i = 0; i < Math.min(rows.length, lines.length - 1); i++) {
  const cells = parseCsv(lines[i + 1]);
  header.forEach((name, c) => {
    const v = rows[i][name];
    const cell = cells[c];
    let same;
    if (v === null || v === undefined) same = cell === '';
    else if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') same = String(v) === cell;
    else if (typeof v === 'number') same = Number.isNaN(v) ? cell === 'NaN' : Number(cell) === v;
    // A list of strings (last-N categories) is a JSON array of strings in the CSV; a list of numbers is [a,b].
    else if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'string') same = sameStrings(v, cell);
    else if (Array.isArray(v)) same = `[${v.map(String).join(',')}]` === cell;
    else same = false;
    if (!same) failures.push(`row ${i} column ${name}: parquet ${String(v)}, csv ${cell}`);
    compared++;
  });
}
console.log(`hyparquet: ${rows.length} rows, ${header.length} columns, ${compared} values compared with the CSV; `
  + `created by ${metadata.created_by}`);
if (failures.length > 0) {
  console.error(failures.slice(0, 20).join('\n'));
  process.exit(1);
}
