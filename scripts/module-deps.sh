#!/usr/bin/env bash
# Structure figures anyone can rerun: which top-level modules of src/ refer to which
# (`use crate::X`, `crate::{X, …}` with nested braces, `crate::X::` paths, `super::` chains
# that climb to the crate root, `crate::macro!` resolved to the module that defines it),
# cycles among the domain modules, the 15 longest .rs files under src/ tests/ benches/,
# and the 15 longest functions and handlers in src/ (lines from `fn` to the closing brace
# at the same indentation; a handler is a fn taking `Data<AppState>`).
#
#   bash scripts/module-deps.sh           # print everything, exit 0
#   bash scripts/module-deps.sh --check   # also exit 1 if the domain modules have a cycle,
#                                         # or a module below the top (worker, health, demo)
#                                         # imports one of them
#
# Comments and string literals are ignored; `#[cfg(test)]` code counts (it is compiled too).
# Needs bash and python3 only.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

exec python3 - "$@" <<'PY'
import os, re, sys

CHECK = "--check" in sys.argv[1:]
DOMAINS = ["accounts", "alerts", "announcements", "applications", "ingest", "jobs", "owners", "search", "web"]
# The top: modules that join the domains (the crate root and main are not modules here).
# Nothing below may import one of them.
TOP = ["worker", "health", "demo"]

def rs_files(top):
    out = []
    for d, _, files in os.walk(top):
        out += [os.path.join(d, f) for f in files if f.endswith(".rs")]
    return sorted(out)

def strip(src):
    """Blank out comments, string and char literals, keeping newlines and offsets."""
    out, i, n = [], 0, len(src)
    blank = lambda s: re.sub(r"[^\n]", " ", s)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(src[i:j])); i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j): depth += 1; j += 2
                elif src.startswith("*/", j): depth -= 1; j += 2
                else: j += 1
            out.append(blank(src[i:j])); i = j
        elif re.match(r'b?r#*"', src[i:i + 12]) and (i == 0 or not (src[i-1].isalnum() or src[i-1] == "_")):
            m = re.match(r'(b?r)(#*)"', src[i:])
            end = '"' + m.group(2)
            j = src.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append(blank(src[i:j])); i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(blank(src[i:j + 1])); i = j + 1
        elif c == "'":
            m = re.match(r"'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'", src[i:])
            if m:
                out.append(blank(m.group(0))); i += len(m.group(0))
            else:
                out.append(c); i += 1
        else:
            out.append(c); i += 1
    return "".join(out)

# --- modules and their files ---------------------------------------------------------------
modules = {}
for entry in sorted(os.listdir("src")):
    p = os.path.join("src", entry)
    if os.path.isdir(p):
        modules[entry] = rs_files(p)
    elif entry.endswith(".rs") and entry not in ("lib.rs", "main.rs"):
        name = entry[:-3]
        modules.setdefault(name, [])
        modules[name].insert(0, p)
        sub = os.path.join("src", name)
        if os.path.isdir(sub):
            modules[name] += [f for f in rs_files(sub) if f not in modules[name]]

def file_depth(path):
    """How many `super::` reach the crate root from the top of this file."""
    parts = os.path.relpath(path, "src").split(os.sep)
    depth = len(parts)
    if parts[-1] == "mod.rs":
        depth -= 1
    return depth

# #[macro_export] macros live at the crate root: attribute them to their module.
macros = {}
for mod, files in modules.items():
    for f in files:
        text = open(f, encoding="utf-8").read()
        for m in re.finditer(r"#\[macro_export\]\s*macro_rules!\s*(\w+)", text):
            macros[m.group(1)] = mod

def top_names_in_braces(s, start):
    """Names of the first segments in a `{a, b::{c}, d}` group starting at s[start] == '{'."""
    names, depth, item = [], 0, ""
    for j in range(start, len(s)):
        ch = s[j]
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                names.append(item); break
        if depth == 1 and ch == ",":
            names.append(item); item = ""
        elif depth >= 1:
            item += ch
    return [re.match(r"\s*(\w*)", x).group(1) for x in names if x.strip()]

edges = {m: {} for m in modules}
PATH = re.compile(r"\b(crate|super)\s*::")
for mod, files in modules.items():
    for f in files:
        code = strip(open(f, encoding="utf-8").read())
        # inline `mod name {` blocks add a level for `super::`
        mod_opens = {m.end() - 1 for m in re.finditer(r"\bmod\s+\w+\s*\{", code)}
        stack, inline_at = [], []
        depth_at = [0] * (len(code) + 1)
        level = 0
        for i, ch in enumerate(code):
            if ch == "{":
                stack.append(i in mod_opens)
                level += i in mod_opens
            elif ch == "}" and stack:
                level -= stack.pop()
            depth_at[i] = level
        base = file_depth(f)
        i = 0
        while True:
            m = PATH.search(code, i)
            if not m:
                break
            i = m.end()
            if m.start() > 0 and code[m.start() - 1] == ":":
                continue  # the middle of a longer path
            if m.group(1) == "super":
                k, j = 1, m.end()
                while True:
                    mm = re.match(r"\s*super\s*::", code[j:])
                    if not mm:
                        break
                    k += 1; j += mm.end()
                if k < base + depth_at[m.start()]:
                    continue  # stays inside the module
                i = j
                rest = code[j:]
            else:
                rest = code[m.end():]
            rest_stripped = rest.lstrip()
            if rest_stripped.startswith("{"):
                names = top_names_in_braces(rest_stripped, 0)
            else:
                mm = re.match(r"(\w+)\s*(!)?", rest_stripped)
                if not mm:
                    continue
                names = [macros.get(mm.group(1), mm.group(1)) if mm.group(2) else mm.group(1)]
            line = code.count("\n", 0, m.start()) + 1
            for name in names:
                target = name if name in modules else None
                if target and target != mod:
                    edges[mod].setdefault(target, f"{f}:{line}")

# --- report ---------------------------------------------------------------------------------
print("== module edges (module -> modules it refers to; first reference) ==")
for mod in sorted(modules):
    kind = "domain" if mod in DOMAINS else ("top" if mod in TOP else "leaf")
    targets = sorted(edges[mod])
    print(f"{mod} [{kind}] -> {', '.join(targets) if targets else '(none)'}")
    for t in targets:
        print(f"    {t:<14} {edges[mod][t]}")

graph = {m: [t for t in edges.get(m, {}) if t in DOMAINS] for m in DOMAINS}
print()
print("== domain graph ==")
for m in DOMAINS:
    print(f"{m} -> {', '.join(sorted(graph[m])) or '(none)'}")

# strongly connected components (Tarjan), then one cycle per component
index, low, on, st, sccs, counter = {}, {}, set(), [], [], [0]
def connect(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    st.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            connect(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
for v in DOMAINS:
    if v not in index:
        connect(v)

def a_cycle(comp):
    comp = set(comp)
    start = min(comp)
    prev, queue, seen = {}, [start], {start}
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w not in comp:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in seen:
                seen.add(w); prev[w] = v; queue.append(w)
    return sorted(comp)

print()
print("== cycles among domain modules ==")
if not sccs:
    print("none")
mutual = [(a, b) for a in DOMAINS for b in graph[a] if a < b and a in graph[b]]
for a, b in mutual:
    print(f"mutual: {a} <-> {b}   ({edges[a][b]}; {edges[b][a]})")
for comp in sccs:
    cyc = a_cycle(comp)
    print(f"cycle: {' -> '.join(cyc)}   (strongly connected: {', '.join(comp)})")
    for a, b in zip(cyc, cyc[1:]):
        print(f"    {a} -> {b}: {edges[a][b]}")

print()
print("== imports of a top module from below it ==")
upward = [(m, t) for m in sorted(modules) if m not in TOP for t in edges[m] if t in TOP]
if not upward:
    print("none")
for m, t in upward:
    print(f"upward: {m} -> {t}   ({edges[m][t]})")

print()
print("== 15 longest .rs files (src/ tests/ benches/) ==")
lengths = []
for top in ("src", "tests", "benches"):
    for f in rs_files(top):
        with open(f, encoding="utf-8") as fh:
            lengths.append((sum(1 for _ in fh), f))
for n, f in sorted(lengths, key=lambda x: (-x[0], x[1]))[:15]:
    print(f"{n:6} {f}")

FN = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?((async|const|unsafe|extern\s+\"[^\"]*\")\s+)*fn\s+(\w+)")
fns = []
for f in rs_files("src"):
    lines = open(f, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        indent = m.group(1)
        sig, j = line, i
        while "{" not in sig and ";" not in sig and j + 1 < len(lines):
            j += 1; sig += "\n" + lines[j]
        if "{" not in sig or ("{" in sig and ";" in sig and sig.index(";") < sig.index("{")):
            continue  # a declaration without a body
        if sig.rstrip().endswith("}") and sig.count("{") == sig.count("}"):
            end = j  # one-line body
        else:
            end = next((k for k in range(j, len(lines)) if lines[k] == indent + "}"), None)
            if end is None:
                continue
        handler = "Data<AppState>" in sig
        fns.append((end - i + 1, f"{f}:{i + 1}", m.group(6), handler))

def top15(rows, title):
    print()
    print(title)
    for n, where, name, _ in sorted(rows, key=lambda x: (-x[0], x[1]))[:15]:
        print(f"{n:6} {name:<32} {where}")

top15(fns, "== 15 longest functions in src/ (lines) ==")
top15([r for r in fns if r[3]], "== 15 longest handlers in src/ (fns taking Data<AppState>) ==")

sys.exit(1 if CHECK and (sccs or upward) else 0)
PY
