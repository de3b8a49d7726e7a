#!/usr/bin/env python3
"""split_compare.py - A.json B.json: does B (rootlens analyze -j N over
parts of a file) equal A (-j 1 over the whole file)?

Every counter, histogram and map of "totals" and of every "series" entry
must be equal, and the series aligned; "unique_sources" within 2 % (HLL
merge is exact in practice, but the sketch states an error); the top lists
("top_*") within their stated error: a key in both lists differs by at
most the sum of the two errors, and the k-th count likewise. Prints the
differences (at most 10) and exits 1 when there are any.
"""
import json
import sys


def walk(x, y, path, out):
    key = path.rsplit('.', 1)[-1]
    if key.startswith('top_') and isinstance(x, list) and isinstance(y, list):
        top(x, y, path, out)
    elif key == 'unique_sources' and isinstance(x, dict) and isinstance(y, dict):
        for k in set(x) | set(y):
            a, b = x.get(k, 0), y.get(k, 0)
            if abs(a - b) > 0.02 * max(a, b, 1):
                out.append('%s.%s: %s vs %s' % (path, k, a, b))
    elif isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            walk(x.get(k), y.get(k), path + '.' + k, out)
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            walk(u, v, '%s[%d]' % (path, i), out)
    elif x != y:
        out.append('%s: %s vs %s' % (path, str(x)[:60], str(y)[:60]))


def top(x, y, path, out):
    def ident(e):
        return json.dumps({k: v for k, v in e.items()
                           if not isinstance(v, (int, float)) or isinstance(v, bool)},
                          sort_keys=True)

    def count(e):
        return next((v for k, v in e.items() if k not in ('error', 'share_pct')
                     and isinstance(v, int) and not isinstance(v, bool)), 0)
    bx, by = {ident(e): e for e in x}, {ident(e): e for e in y}
    for k in set(bx) & set(by):
        if abs(count(bx[k]) - count(by[k])) > bx[k].get('error', 0) + by[k].get('error', 0):
            out.append('%s %s: %s vs %s' % (path, k, count(bx[k]), count(by[k])))
    for i, (a, b) in enumerate(zip(x, y)):
        if abs(count(a) - count(b)) > a.get('error', 0) + b.get('error', 0):
            out.append('%s[%d]: %s vs %s' % (path, i, count(a), count(b)))
    if len(x) != len(y):
        out.append('%s: %d vs %d entries' % (path, len(x), len(y)))


def main():
    a, b = (json.load(open(p)) for p in sys.argv[1:3])
    out = []
    for k in ('interval', 'start', 'end', 'totals', 'series'):
        walk(a.get(k), b.get(k), k, out)
    for line in out[:10]:
        print('  ' + line)
    sys.exit(1 if out else 0)


if __name__ == '__main__':
    main()
