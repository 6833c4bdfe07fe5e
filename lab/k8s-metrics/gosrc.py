"""A small Go tokenizer and constant resolver: enough to read Kubernetes metric definitions.

Not a Go parser. It knows string literals, identifiers, brackets and commas, which is all that
``metrics.NewCounterVec(&metrics.CounterOpts{Name: ..., StabilityLevel: ...}, []string{...})``
needs. String constants and ``[]string`` variables are resolved within the package (and
through imports of the same module); anything computed at run time (``fmt.Sprintf`` with a
parameter, a function call) stays unresolved and is reported as such by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:\\.|[^"\\\n])*")
  | (?P<rune>'(?:\\.|[^'\\\n])+')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>\d[\w.]*)
  | (?P<op>:=|\.\.\.|&&|\|\||==|!=|<=|>=|[-+*/%&|^<>=!(){}\[\],;:.])
    """,
    re.VERBOSE | re.DOTALL,
)
UNRESOLVED = object()


def _sprintf(args: list[str]) -> str:
    """``fmt.Sprintf`` with ``%s``/``%v`` verbs only (constant arguments)."""
    fmt, rest = args[0], list(args[1:])
    return re.sub(r"%[sv]", lambda m: rest.pop(0) if rest else m.group(), fmt)


# Pure functions of constant strings that metric names are built with.
CALLS = {
    "BuildFQName": lambda a: "_".join(x for x in a if x),
    "Sprintf": _sprintf,
}


@dataclass(frozen=True)
class Tok:
    kind: str  # str | ident | num | op
    text: str
    line: int


def tokenize(src: str) -> list[Tok]:
    """Go source -> tokens (comments and white space dropped; string literals decoded)."""
    out: list[Tok] = []
    pos, line = 0, 1
    while pos < len(src):
        m = TOKEN_RE.match(src, pos)
        if not m:  # unknown byte (e.g. non-ASCII identifier): skip it
            pos += 1
            continue
        kind, text = m.lastgroup or "", m.group()
        if kind == "raw":
            out.append(Tok("str", text[1:-1], line))
        elif kind == "str":
            out.append(Tok("str", _unquote(text), line))
        elif kind in ("ident", "num", "op", "rune"):
            out.append(Tok("op" if kind == "rune" else kind, text, line))
        line += text.count("\n")
        pos = m.end()
    return out


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def split_args(toks: list[Tok], start: int) -> tuple[list[list[Tok]], int]:
    """Top-level comma-separated items of the bracket opened at ``toks[start]``; returns (items, end)."""
    depth, items, cur = 0, [], []
    i = start
    while i < len(toks):
        t = toks[i]
        if t.kind == "op" and t.text in "({[":
            depth += 1
            if depth > 1:
                cur.append(t)
        elif t.kind == "op" and t.text in ")}]":
            depth -= 1
            if depth == 0:
                if cur:
                    items.append(cur)
                return items, i
            cur.append(t)
        elif t.kind == "op" and t.text == "," and depth == 1:
            items.append(cur)
            cur = []
        else:
            cur.append(t)
        i += 1
    return items, i


def key_values(items: list[list[Tok]]) -> dict[str, list[Tok]]:
    """``Key: value`` items of a composite literal."""
    out = {}
    for item in items:
        if len(item) >= 2 and item[0].kind == "ident" and item[1].text == ":":
            out[item[0].text] = item[2:]
    return out


@dataclass
class Package:
    """One Go package (a directory): its files' tokens, imports and top-level values."""

    dir: Path
    files: dict[Path, list[Tok]] = field(default_factory=dict)
    imports: dict[Path, dict[str, str]] = field(default_factory=dict)  # file -> alias -> import path
    values: dict[str, list[Tok]] = field(default_factory=dict)  # name -> defining expression


class Module:
    """The Go files of one downloaded module, loaded lazily per package directory."""

    def __init__(self, path: str, version: str, root: Path) -> None:
        self.path, self.version, self.root = path, version, root
        self._packages: dict[Path, Package] = {}

    def package(self, directory: Path) -> Package:
        if directory not in self._packages:
            pkg = Package(directory)
            for f in sorted(directory.glob("*.go")):
                if f.name.endswith("_test.go"):
                    continue
                toks = tokenize(f.read_text(encoding="utf-8", errors="replace"))
                pkg.files[f] = toks
                pkg.imports[f] = _imports(toks)
                _collect_values(toks, pkg.values)
            self._packages[directory] = pkg
        return self._packages[directory]

    def import_dir(self, import_path: str) -> Path | None:
        prefix = self.path + "/"
        if import_path.startswith(prefix):
            d = self.root / import_path[len(prefix) :]
            return d if d.is_dir() else None
        if self.path == "k8s.io/kubernetes" and import_path.startswith("k8s.io/kubernetes/"):
            return None
        return None


def _imports(toks: list[Tok]) -> dict[str, str]:
    out: dict[str, str] = {}
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "ident" and t.text == "import":
            j = i + 1
            group = toks[j].text == "("
            if group:
                j += 1
            while j < len(toks):
                if toks[j].text == ")":
                    break
                alias = None
                if toks[j].kind in ("ident",) or toks[j].text in ("_", "."):
                    alias = toks[j].text
                    j += 1
                if toks[j].kind == "str":
                    p = toks[j].text
                    out[alias or p.rsplit("/", 1)[-1]] = p
                    j += 1
                if not group:
                    break
                if toks[j].text == ";":
                    j += 1
            i = j
        elif t.kind == "ident" and t.text in ("func", "type", "var", "const"):
            break
        i += 1
    return out


def _collect_values(toks: list[Tok], values: dict[str, list[Tok]]) -> None:
    """``name = expr`` / ``name := expr`` / ``name T = expr`` anywhere: first definition wins.

    Limit: local variables of different functions with the same name collapse into one.
    """
    for i, t in enumerate(toks):
        if t.kind != "op" or t.text not in ("=", ":="):
            continue
        j = i - 1
        # skip a simple type: name string = "x"
        if j >= 1 and toks[j].text == "string" and toks[j - 1].kind == "ident" and t.text == "=":
            j -= 1
        if j < 0 or toks[j].kind != "ident":
            continue
        if j >= 1 and toks[j - 1].text in (".", ","):
            continue
        expr = _expr_until_end(toks, i + 1)
        values.setdefault(toks[j].text, expr)


def _expr_until_end(toks: list[Tok], start: int) -> list[Tok]:
    depth, out = 0, []
    for k in range(start, min(len(toks), start + 400)):
        t = toks[k]
        if t.kind == "op" and t.text in "({[":
            depth += 1
        elif t.kind == "op" and t.text in ")}]":
            if depth == 0:
                break
            depth -= 1
        elif (
            depth == 0
            and (t.text in (";", ",") or (k > start and t.line != toks[k - 1].line))
            and toks[k - 1].text not in ("+", "(", ",")
        ):
            break
        out.append(t)
    return out


class Resolver:
    """Evaluates string and ``[]string`` expressions in the context of one file."""

    def __init__(self, module: Module, file: Path) -> None:
        self.module, self.file = module, file
        self.pkg = module.package(file.parent)

    def _other(self, alias: str) -> Package | None:
        path = self.pkg.imports.get(self.file, {}).get(alias)
        d = self.module.import_dir(path) if path else None
        return self.module.package(d) if d else None

    def string(self, expr: list[Tok], depth: int = 0, pkg: Package | None = None) -> object:
        """A string expression (literals, constants, ``+``) -> str, or UNRESOLVED."""
        pkg = pkg or self.pkg
        if depth > 8 or not expr:
            return UNRESOLVED
        parts: list[str] = []
        i = 0
        while i < len(expr):
            t = expr[i]
            if t.kind == "str":
                parts.append(t.text)
                i += 1
            elif (
                t.kind == "ident"
                and i + 3 < len(expr)
                and expr[i + 2].text in CALLS
                and expr[i + 3].text == "("
            ):
                args, end = split_args(expr, i + 3)
                vals = [self.string(a, depth + 1, pkg) for a in args]
                if any(v is UNRESOLVED for v in vals):
                    return UNRESOLVED
                parts.append(CALLS[expr[i + 2].text]([str(v) for v in vals]))
                i = end + 1
            elif t.kind == "ident" and i + 2 < len(expr) and expr[i + 1].text == ".":
                other = self._other(t.text) if pkg is self.pkg else None
                name = expr[i + 2].text
                if other is None or name not in other.values:
                    return UNRESOLVED
                v = self.string(other.values[name], depth + 1, other)
                if v is UNRESOLVED:
                    return UNRESOLVED
                parts.append(str(v))
                i += 3
            elif t.kind == "ident":
                if t.text not in pkg.values:
                    return UNRESOLVED
                v = self.string(pkg.values[t.text], depth + 1, pkg)
                if v is UNRESOLVED:
                    return UNRESOLVED
                parts.append(str(v))
                i += 1
            elif t.text == "+":
                i += 1
            else:
                return UNRESOLVED
        return "".join(parts)

    def strings(self, expr: list[Tok], depth: int = 0) -> object:
        """``[]string{...}``, ``nil`` or a variable holding one -> list[str], or UNRESOLVED."""
        if depth > 8 or not expr:
            return UNRESOLVED
        if len(expr) == 1 and expr[0].text == "nil":
            return []
        if len(expr) >= 4 and [t.text for t in expr[:3]] == ["[", "]", "string"] and expr[3].text == "{":
            items, _ = split_args(expr, 3)
            out = []
            for item in items:
                v = self.string(item)
                if v is UNRESOLVED:
                    return UNRESOLVED
                out.append(str(v))
            return out
        if len(expr) == 1 and expr[0].kind == "ident" and expr[0].text in self.pkg.values:
            return self.strings(self.pkg.values[expr[0].text], depth + 1)
        if len(expr) == 3 and expr[1].text == ".":
            other = self._other(expr[0].text)
            if other and expr[2].text in other.values:
                sub = Resolver.__new__(Resolver)
                sub.module, sub.pkg = self.module, other
                sub.file = next(iter(other.files), self.file)
                return sub.strings(other.values[expr[2].text], depth + 1)
        return UNRESOLVED
