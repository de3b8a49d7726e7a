#!/usr/bin/env python3
"""report_check.py - checks of a `rootlens report` directory, for test_report.sh.

  report_check.py files DIR            every plot's .gp, .dat, PNG and SVG: the PNG
                                       well-formed (signature, chunk CRCs, IHDR,
                                       IDAT inflating to the size IHDR gives, a
                                       non-trivial size), the SVG well-formed XML
                                       with drawing in it
  report_check.py data DIR DOC...      the numbers in every .dat equal those
                                       computed here, independently, from the
                                       JSON documents the report was made from
  report_check.py page DIR DOC...      index.html: every plot's <img>, the
                                       summary figures
  report_check.py imgcheck DIR         write DIR/imgcheck.html: index.html with a
                                       script that, once loaded, lists each <img>
                                       as loaded or broken
  report_check.py dom DUMP             the DOM chromium dumped of imgcheck.html:
                                       every image loaded
  report_check.py shot PNG             a screenshot is not blank: decoded (zlib
                                       and the PNG row filters, here), it has
                                       many distinct colours

Prints `ok - ...` / `FAIL - ...` per check; exits 1 when one failed.
"""
import json
import math
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

PLOTS = ["tcp_share", "query_rate", "edns_do", "sizes_hist", "sizes_cdf", "qtype",
         "dnskey_tld", "dnskey_time", "top_sources", "top_prefixes", "unique_sources"]
TOP_SOURCES, TYPES, TLDS, TLD_STACK = 8, 8, 20, 6
fails = 0


def check(cond, what):
    global fails
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        fails += 1
    return cond


# ---- PNG ---------------------------------------------------------------------

def png_chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, out = 8, []
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("truncated chunk at %d" % pos)
        n, = struct.unpack(">I", data[pos:pos + 4])
        typ, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if len(body) != n or zlib.crc32(typ + body) != crc:
            raise ValueError("bad chunk %r at %d" % (typ, pos))
        out.append((typ, body))
        pos += 12 + n
        if typ == b"IEND":
            break
    if not out or out[0][0] != b"IHDR" or out[-1][0] != b"IEND":
        raise ValueError("no IHDR first or IEND last")
    return out


def png_info(path):
    """(width, height, colour type, bytes per pixel, inflated image data)."""
    chunks = png_chunks(open(path, "rb").read())
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or interlace != 0 or ctype not in (0, 2, 3, 4, 6):
        raise ValueError("unexpected PNG format depth %d type %d interlace %d"
                         % (depth, ctype, interlace))
    bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(b for t, b in chunks if t == b"IDAT"))
    if len(raw) != h * (w * bpp + 1):
        raise ValueError("image data %d bytes, IHDR says %d" % (len(raw), h * (w * bpp + 1)))
    return w, h, ctype, bpp, raw


def png_rows(w, h, bpp, raw):
    """The unfiltered rows (PNG filter types 0-4)."""
    stride, prev = w * bpp, bytearray(w * bpp)
    for y in range(h):
        base = y * (stride + 1)
        f, line = raw[base], bytearray(raw[base + 1:base + 1 + stride])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif f != 0:
            raise ValueError("bad filter type %d in row %d" % (f, y))
        yield bytes(line)
        prev = line


# ---- files -------------------------------------------------------------------

def cmd_files(d):
    for name in PLOTS:
        for ext in ("gp", "dat", "png", "svg"):
            check(os.path.isfile(os.path.join(d, name + "." + ext)), "%s.%s written" % (name, ext))
        png = os.path.join(d, name + ".png")
        if os.path.isfile(png):
            try:
                w, h, _, _, _ = png_info(png)
                size = os.path.getsize(png)
                check(w >= 800 and h >= 400 and size > 8000,
                      "%s.png: a valid PNG, %dx%d, %d bytes" % (name, w, h, size))
            except (ValueError, zlib.error) as e:
                check(False, "%s.png: %s" % (name, e))
        svg = os.path.join(d, name + ".svg")
        if os.path.isfile(svg):
            try:
                root = ET.parse(svg).getroot()
                drawn = sum(1 for e in root.iter() if e.tag.split("}")[-1] in ("path", "text"))
                check(root.tag.split("}")[-1] == "svg" and drawn >= 10,
                      "%s.svg: well-formed SVG, %d paths and texts" % (name, drawn))
            except ET.ParseError as e:
                check(False, "%s.svg: not XML: %s" % (name, e))


# ---- the numbers, computed from the documents ---------------------------------

def concrete(s):
    return s is not None and s != "*"


def dat_label(s):
    return "".join("_" if b < 0x21 or b > 0x7E or b == 0x22 else chr(b) for b in s.encode())


def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(s):
    import datetime
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def queries(fig):
    q = (fig.get("messages") or {}).get("queries") or {}
    return [((q.get(t) or {}).get(v) or 0) for t in ("udp", "tcp") for v in ("ipv4", "ipv6")]


def top_list(fig, key, name):
    return {e[name]: e["queries"] for e in fig.get(key) or []}


class Model:
    def __init__(self, paths):
        self.docs = [json.load(open(p)) for p in paths]
        self.iv = self.docs[0]["interval"]
        servers = {(d.get("labels") or {}).get("server") for d in self.docs}
        several = len({s for s in servers if concrete(s)}) > 1
        self.lines = {}      # label -> {t: figures}
        self.all = {}        # t -> figures added over all documents
        self.totals = {"qtype": {}, "dnskey_by_tld": {}, "top_sources": {}, "top_prefixes": {}}
        groups = {}          # phase or None -> [start, end, resp[udp], resp[tcp]]
        for d in self.docs:
            lab = d.get("labels") or {}
            srv = lab.get("server") if concrete(lab.get("server")) else None
            ins = lab.get("instance") if concrete(lab.get("instance")) else None
            if several and srv and ins:
                label = srv + "|" + ins
            else:
                label = ins or (srv if several and srv else "all")
            line = self.lines.setdefault(label, {})
            for e in d.get("series") or []:
                t = epoch(e["start"])
                for acc, us_max in ((line.setdefault(t, self.empty()), True),
                                    (self.all.setdefault(t, self.empty()), False)):
                    self.add(acc, e, us_max)
            tot = d.get("totals") or {}
            for k in ("qtype", "dnskey_by_tld"):
                for n, c in (tot.get(k) or {}).items():
                    self.totals[k][n] = self.totals[k].get(n, 0) + c
            for k, nk in (("top_sources", "addr"), ("top_prefixes", "prefix")):
                for n, c in top_list(tot, k, nk).items():
                    self.totals[k][n] = self.totals[k].get(n, 0) + c
            ph = lab.get("phase") if concrete(lab.get("phase")) else None
            g = groups.setdefault(ph, [None, None, [0] * 257, [0] * 257])
            if d.get("start") and d.get("end"):
                s, en = epoch(d["start"]), epoch(d["end"])
                g[0] = s if g[0] is None else min(g[0], s)
                g[1] = en if g[1] is None else max(g[1], en)
            sizes = tot.get("sizes") or {}
            for ti, key in ((2, "udp-response-sizes"), (3, "tcp-response-sizes")):
                for b, c in (sizes.get(key) or {}).items():
                    lo = int(b.split("-")[0])
                    g[ti][lo // 16] += c
        named = sorted((k for k in groups if k is not None),
                       key=lambda k: (groups[k][0] is None, groups[k][0] or 0, k))
        self.phases = [(k, groups[k]) for k in named]
        self.groups = list(self.phases)
        if None in groups:
            self.groups.append(("no phase" if named else "all", groups[None]))
        self.flags = [f for d in self.docs for f in (d.get("flags") or [])
                      if isinstance(f, dict) and isinstance(f.get("subject"), str)]

    @staticmethod
    def empty():
        return {"q": [0, 0, 0, 0], "edns": 0, "do": 0, "us": [0, 0, 0], "qtype": {},
                "dnskey_by_tld": {}, "top_sources": {}, "top_prefixes": {}}

    @staticmethod
    def add(acc, e, us_max):
        acc["q"] = [a + b for a, b in zip(acc["q"], queries(e))]
        edns = e.get("edns") or {}
        acc["edns"] += edns.get("queries") or 0
        acc["do"] += edns.get("do") or 0
        us = e.get("unique_sources") or {}
        if us_max:
            acc["us"] = [max(a, us.get(k) or 0) for a, k in zip(acc["us"], ("ipv4", "ipv6", "ipv6_64"))]
        for k in ("qtype", "dnskey_by_tld"):
            for n, c in (e.get(k) or {}).items():
                acc[k][n] = acc[k].get(n, 0) + c
        for k, nk in (("top_sources", "addr"), ("top_prefixes", "prefix")):
            for n, c in top_list(e, k, nk).items():
                acc[k][n] = acc[k].get(n, 0) + c


def top(m, k, skip=None):
    items = [(n, c) for n, c in m.items() if c > 0 and n != skip]
    items.sort(key=lambda x: (-x[1], x[0].encode()))
    return items[:k]


def parse_dat(path):
    """Blocks (split at two blank lines): [(header comments, rows)]."""
    blocks, comments, rows, blank = [], [], [], 0
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line.strip():
            blank += 1
            continue
        if blank >= 2 and (rows or comments):
            blocks.append((comments, rows))
            comments, rows = [], []
        blank = 0
        if line.startswith("#"):
            comments.append(line)
        else:
            rows.append(re.findall(r'"[^"]*"|\S+', line))
    blocks.append((comments, rows))
    return blocks


def num(s):
    return float("nan") if s == "NaN" else float(s)


def same(a, b):
    if isinstance(b, float) and math.isnan(b):
        return math.isnan(a)
    if math.isnan(a):
        return False
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def pct(a, b):
    return a * 100.0 / b if b else float("nan")


def compare(name, got_rows, want_rows):
    """Rows of numbers (the time text column checked against the first)."""
    if len(got_rows) != len(want_rows):
        return check(False, "%s: %d rows, expected %d" % (name, len(got_rows), len(want_rows)))
    for g, w in zip(got_rows, want_rows):
        if len(g) != len(w) or not all(
                (gv == wv) if isinstance(wv, str) else same(num(gv), wv) for gv, wv in zip(g, w)):
            return check(False, "%s: row %s, expected %s" % (name, " ".join(g), w))
    return check(True, "%s: %d rows equal the documents' figures" % (name, len(want_rows)))


def block_label(comments):
    for c in comments:
        mo = re.match(r'# block \d+: \w+ "([^"]*)"', c)
        if mo:
            return mo.group(1)
    return None


def line_plot(d, m, name, row):
    blocks = {block_label(c): r for c, r in parse_dat(os.path.join(d, name + ".dat")) if r}
    want = {dat_label(lab): pts for lab, pts in m.lines.items() if pts}
    check(sorted(blocks) == sorted(want), "%s: one block per line %s" % (name, sorted(want)))
    for lab, pts in want.items():
        if lab in blocks:
            compare("%s [%s]" % (name, lab), blocks[lab],
                    [[float(t), iso(t)] + row(pts[t]) for t in sorted(pts)])


def row_tcp(p):
    u, t = p["q"][0] + p["q"][1], p["q"][2] + p["q"][3]
    return [float(u), float(t), pct(t, u)]


def stack_plot(d, m, name, key, k):
    blocks = parse_dat(os.path.join(d, name + ".dat"))
    comments, rows = blocks[0]
    names = [top_name for top_name, _ in top(m.totals[key], k, "other")]
    header = [c for c in comments if c.startswith("# columns:")]
    want_header = "# columns: t_start time " + "".join(
        '"%s" ' % dat_label(n) for n in names) + "other total"
    check(header == [want_header], "%s: columns %s" % (name, names))
    want = []
    for t in sorted(m.all):
        mp = m.all[t][key]
        listed = [mp.get(n, 0) for n in names]
        want.append([float(t), iso(t)] + [float(x) for x in listed]
                    + [float(sum(mp.values()) - sum(listed)), float(sum(mp.values()))])
    compare(name, rows, want)


def sizes_plot(d, m, name, cdf):
    blocks = parse_dat(os.path.join(d, name + ".dat"))
    check(len(blocks) == len(m.groups), "%s: one block per group %s"
          % (name, [g for g, _ in m.groups]))
    for (comments, rows), (gname, g) in zip(blocks, m.groups):
        check(block_label(comments) == dat_label(gname),
              "%s: block %s is group %s" % (name, block_label(comments), gname))
        tot = [sum(g[2]), sum(g[3])]
        cum, want = [0, 0], []
        for b in range(257):
            r = [float(b * 16), float(b * 16 + 15)]
            for i, resp in enumerate((g[2], g[3])):
                cum[i] += resp[b]
                v = cum[i] if cdf else resp[b]
                r += [float(v), pct(v, tot[i])]
            want.append(r)
        compare("%s [%s]" % (name, gname), rows, want)


def top_plot(d, m, name, key):
    blocks = parse_dat(os.path.join(d, name + ".dat"))
    def listed(s):  # in some interval's top list
        return any(a[key].get(s) for a in m.all.values())
    subjects = [n for n, _ in top(m.totals[key], TOP_SOURCES) if listed(n)]
    extra = len(subjects) + 4  # at most four flagged ones beyond the largest
    for f in m.flags:
        if len(subjects) < extra and listed(f["subject"]) and f["subject"] not in subjects:
            subjects.append(f["subject"])
    got = [(block_label(c), r) for c, r in blocks if block_label(c) is not None]
    check([g for g, _ in got] == [dat_label(s) for s in subjects],
          "%s: blocks for %s" % (name, subjects))
    for (lab, rows), s in zip(got, subjects):
        want = []
        for t in sorted(m.all):
            a = m.all[t]
            q = sum(a["q"])
            v = a[key].get(s)
            want.append([float(t), iso(t), float(v) if v else float("nan"), float(q),
                         pct(v, q) if v else float("nan")])
        compare("%s [%s]" % (name, s), rows, want)
    flagged = [f for f in m.flags if f["subject"] in subjects and "interval_start" in f]
    if flagged:
        marks = [r for c, r in blocks if any("flagged intervals" in x for x in c)]
        check(len(marks) == 1 and len(marks[0]) == len(flagged),
              "%s: %d flagged interval(s) marked" % (name, len(flagged)))


def cmd_data(d, paths):
    m = Model(paths)
    line_plot(d, m, "tcp_share", row_tcp)
    line_plot(d, m, "query_rate", lambda p: [float(x) for x in p["q"]] + [
        (p["q"][0] + p["q"][1]) / m.iv, (p["q"][2] + p["q"][3]) / m.iv])
    line_plot(d, m, "edns_do", lambda p: [float(sum(p["q"])), float(p["edns"]), float(p["do"]),
                                          pct(p["edns"], sum(p["q"])), pct(p["do"], sum(p["q"]))])
    line_plot(d, m, "unique_sources", lambda p: [float(x) for x in p["us"]])
    sizes_plot(d, m, "sizes_hist", False)
    sizes_plot(d, m, "sizes_cdf", True)
    stack_plot(d, m, "qtype", "qtype", TYPES)
    stack_plot(d, m, "dnskey_time", "dnskey_by_tld", TLD_STACK)
    rows = parse_dat(os.path.join(d, "dnskey_tld.dat"))[0][1]
    want = [[float(i + 1), float(c), '"%s"' % dat_label(n)]
            for i, (n, c) in enumerate(top(m.totals["dnskey_by_tld"], TLDS, "other"))]
    compare("dnskey_tld", rows, want)
    top_plot(d, m, "top_sources", "top_sources")
    top_plot(d, m, "top_prefixes", "top_prefixes")
    # the phase bands of the time plots: each phase's span
    gp = open(os.path.join(d, "tcp_share.gp")).read()
    for i, (ph, g) in enumerate(m.phases):
        if g[0] is None:
            continue
        check(re.search(r"set object %d rect from %d, graph 0 to %d, graph 1" % (100 + i, g[0], g[1]), gp)
              and ("set label %d '%s'" % (100 + i, ph.replace("'", "''"))) in gp,
              "tcp_share.gp: band %s [%s, %s)" % (ph, iso(g[0]), iso(g[1])))


def cmd_page(d, paths):
    m = Model(paths)
    html = open(os.path.join(d, "index.html"), encoding="utf-8").read()
    for name in PLOTS:
        check('<img src="%s.png"' % name in html, "index.html shows %s.png" % name)
    q = [sum(p["q"][i] for p in m.all.values()) for i in range(4)]
    tq = [sum(queries(doc.get("totals") or {})[i] for doc in m.docs) for i in range(4)]
    check("<td>%d (UDP %d, TCP %d)</td>" % (sum(tq), tq[0] + tq[1], tq[2] + tq[3]) in html,
          "index.html: queries %d (series add up to %d)" % (sum(tq), sum(q)))
    check(("%.3f&nbsp;%% of UDP queries" % pct(tq[2] + tq[3], tq[0] + tq[1])) in html
          if tq[0] + tq[1] else "no UDP queries" in html, "index.html: TCP share")
    check("<tr><th>flags</th><td>%d" % len(m.flags) in html, "index.html: %d flags" % len(m.flags))


# ---- the page in chromium -------------------------------------------------------

CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('img').forEach(function (i) {
    out.push((i.complete && i.naturalWidth > 0 ? 'loaded ' : 'broken ') + i.getAttribute('src') +
             ' ' + i.naturalWidth + 'x' + i.naturalHeight);
  });
  var p = document.createElement('pre');
  p.id = 'imgcheck';
  p.textContent = out.join('\\n');
  document.body.appendChild(p);
});
</script>
"""


def cmd_imgcheck(d):
    html = open(os.path.join(d, "index.html"), encoding="utf-8").read()
    check("</body>" in html, "index.html has a body")
    with open(os.path.join(d, "imgcheck.html"), "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", CHECK_SCRIPT + "</body>"))


def cmd_dom(path):
    dom = open(path, encoding="utf-8", errors="replace").read()
    mo = re.search(r'<pre id="imgcheck">(.*?)</pre>', dom, re.S)
    if not check(mo is not None, "chromium ran the page's load handler"):
        return
    lines = [x for x in mo.group(1).split("\n") if x.strip()]
    broken = [x for x in lines if not x.startswith("loaded ")]
    check(len(lines) == len(PLOTS) and not broken,
          "chromium: %d of %d images loaded%s" % (len(lines) - len(broken), len(lines),
                                                 (": broken " + ", ".join(broken)) if broken else ""))


def cmd_shot(path):
    try:
        w, h, ctype, bpp, raw = png_info(path)
    except (OSError, ValueError, zlib.error) as e:
        check(False, "screenshot %s: %s" % (path, e))
        return
    colours, ink = set(), 0
    step = bpp * 3  # every third pixel is plenty
    for row in png_rows(w, h, bpp, raw):
        for i in range(0, len(row), step):
            px = row[i:i + 3] if bpp >= 3 else row[i:i + 1]
            colours.add(px)
            if px != b"\xff\xff\xff"[:len(px)]:
                ink += 1
    total = h * ((w + 2) // 3)
    check(len(colours) >= 50 and ink > total // 50,
          "screenshot %dx%d is not blank: %d colours, %.1f %% of pixels not white"
          % (w, h, len(colours), 100.0 * ink / total))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"files": lambda: cmd_files(args[0]), "data": lambda: cmd_data(args[0], args[1:]),
     "page": lambda: cmd_page(args[0], args[1:]), "imgcheck": lambda: cmd_imgcheck(args[0]),
     "dom": lambda: cmd_dom(args[0]), "shot": lambda: cmd_shot(args[0])}[cmd]()
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
