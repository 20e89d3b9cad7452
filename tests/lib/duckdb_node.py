"""DuckDB for the tests that compare with it: run through Node.js and @duckdb/node-api,
installed once into $BK_ANCHOR_CACHE (default ~/.cache/bk-anchor), as shared/bench/duck.sh
does. Used by tests/aggregate/duckdb_compare.py and tests/join/duckdb_compare.py.

    node_ok()                  True when Node.js and the package are there
    available(install=True)    the same, after trying to install the package (npm) once
    run(setup, queries)        ({name: [ {column: value} ... ]}, DuckDB's version) for
                               {name: SQL}, after running the `setup` statements
    record, load, recorded_version   answers recorded for where DuckDB cannot run
    Checker                    counts checks and keeps the failures
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

CACHE = os.environ.get("BK_ANCHOR_CACHE", os.path.expanduser("~/.cache/bk-anchor"))

RUNNER = r"""
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, writeFileSync } from 'node:fs';
const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
for (const s of job.setup) await c.run(s);
const out = {};
for (const [name, q] of Object.entries(job.queries)) {
  const r = await c.runAndReadAll(q);
  out[name] = { columns: r.columnNames(), types: r.columnTypes().map(String), rows: r.getRowsJson() };
}
const v = await c.runAndReadAll('SELECT version()');
out['$version'] = v.getRowsJson()[0][0];
writeFileSync(process.argv[3], JSON.stringify(out));
"""

INTS = {"BIGINT", "HUGEINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER"}


def node_ok():
    return shutil.which("node") is not None and os.path.isdir(os.path.join(CACHE, "node_modules", "@duckdb", "node-api"))


def available(install=True):
    """True when DuckDB can run; tries to install it (npm) into the cache once."""
    if node_ok():
        return True
    if not install or shutil.which("npm") is None or shutil.which("node") is None:
        return False
    try:
        os.makedirs(CACHE, exist_ok=True)
        if not os.path.exists(os.path.join(CACHE, "package.json")):
            subprocess.run(["npm", "init", "-y"], cwd=CACHE, capture_output=True, timeout=120)
        subprocess.run(["npm", "install", "--silent", "@duckdb/node-api"], cwd=CACHE, capture_output=True,
                       timeout=300)
    except (OSError, subprocess.SubprocessError):
        return False
    return node_ok()


def run(setup, queries):
    """{name: [ {column: value} ... ]} for {name: SQL}, and DuckDB's version."""
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(CACHE, "node_modules"), os.path.join(tmp, "node_modules"))
        with open(os.path.join(tmp, "run.mjs"), "w") as f:
            f.write(RUNNER)
        with open(os.path.join(tmp, "job.json"), "w") as f:
            json.dump({"setup": setup, "queries": queries}, f)
        p = subprocess.run(["node", os.path.join(tmp, "run.mjs"), os.path.join(tmp, "job.json"),
                            os.path.join(tmp, "out.json")], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"DuckDB failed: {p.stderr.strip()}")
        with open(os.path.join(tmp, "out.json")) as f:
            raw = json.load(f)
    version = raw.pop("$version")
    out = {}
    for name, res in raw.items():
        rows = []
        for row in res["rows"]:
            # Integers come as JSON strings (they may not fit a JS number): as numbers here.
            rows.append({c: int(v) if t in INTS and isinstance(v, str) else v
                         for c, t, v in zip(res["columns"], res["types"], row)})
        out[name] = rows
    return out, version


# ---- recorded answers ---------------------------------------------------------------

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def record(recorded_dir, answers, version, data_files):
    """Writes each answer to recorded_dir/<name>.ndjson, the SHA-256 of the data files
    (as sha256sum -c reads them) to DATA.sha256, and DuckDB's version to VERSION."""
    os.makedirs(recorded_dir, exist_ok=True)
    for name, rows in answers.items():
        with open(os.path.join(recorded_dir, name + ".ndjson"), "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(recorded_dir, "DATA.sha256"), "w") as f:
        for path in data_files:
            f.write(f"{sha256(path)}  {os.path.basename(path)}\n")
    with open(os.path.join(recorded_dir, "VERSION"), "w") as f:
        f.write(f"{version}\n")
    print(f"recorded {len(answers)} answers of DuckDB {version} in {recorded_dir}")


def load(recorded_dir, name):
    """The recorded answer `name`: its rows as dicts."""
    with open(os.path.join(recorded_dir, name + ".ndjson"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def recorded_version(recorded_dir):
    with open(os.path.join(recorded_dir, "VERSION")) as f:
        return f.read().strip()


# ---- checks -------------------------------------------------------------------------

class Checker:
    """Counts checks and keeps the failures' descriptions."""

    def __init__(self):
        self.checks = 0
        self.failures = []

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures.append(what)
        return ok

    def report(self, summary):
        """Prints each failure, then "SUMMARY: N checks, M failed"; the exit status."""
        for f in self.failures:
            print("FAIL", f)
        print(f"{summary}: {self.checks} checks, {len(self.failures)} failed")
        return 1 if self.failures else 0
