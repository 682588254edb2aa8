"""Does installed code use NumPy names that this numpy no longer has (np.float, np.bool, np.NaN, ...)?"""

import ast
import bisect
import os
import re
import warnings

from _common import OK, SKIP, WARN, result
from _packages import metadata

CHECK = {"id": "numpy_aliases", "title": "NumPy names removed from this numpy", "scope": "env", "depends": []}

# NumPy 1.24 removed the aliases of builtins (np.bool, np.int, np.float, ...), NumPy 2.0 many more names
# (np.NaN, np.float_, ...) and brought np.bool and np.long back. Which are gone is asked of the installed
# numpy itself (hasattr), so no version table can be wrong. Each name with what replaces it.
# Signature numpy-alias-removed (envkit/failures/signatures.toml) is the same failure seen in a log.
REPLACEMENTS = {
    "bool": "bool or np.bool_",
    "int": "int or np.int_",
    "float": "float or np.float64",
    "complex": "complex or np.complex128",
    "object": "object",
    "str": "str",
    "long": "int",
    "unicode": "str",
    "typeDict": "np.sctypeDict",
    "NaN": "np.nan",
    "NAN": "np.nan",
    "Inf": "np.inf",
    "Infinity": "np.inf",
    "PINF": "np.inf",
    "NINF": "-np.inf",
    "infty": "np.inf",
    "float_": "np.float64",
    "complex_": "np.complex128",
    "cfloat": "np.complex128",
    "string_": "np.bytes_",
    "unicode_": "np.str_",
    "longfloat": "np.longdouble",
    "singlecomplex": "np.complex64",
    "clongfloat": "np.clongdouble",
    "longcomplex": "np.clongdouble",
    "round_": "np.round",
    "product": "np.prod",
    "cumproduct": "np.cumprod",
    "alltrue": "np.all",
    "sometrue": "np.any",
    "asfarray": "np.asarray(x, dtype=float)",
    "msort": "np.sort(x, axis=0)",
    "mat": "np.asmatrix",
}
# A use inside a `try:` or under an `if` that tests a version or hasattr/getattr is code that already
# copes with both numpys (scipy: `try: np_long = np.long` / `except AttributeError:`).
GUARD_WORDS = ("version", "hasattr", "getattr", "NumpyVersion")
MAX_LISTED = 8


def removed_names():
    """The names of REPLACEMENTS that the installed numpy does not have."""
    import numpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy 1.2x warns on hasattr(numpy, "object") and others
        return sorted(name for name in REPLACEMENTS if not hasattr(numpy, name))


class _Uses(ast.NodeVisitor):
    """np.<name> / numpy.<name> / `from numpy import <name>` in code (the parser skips strings and
    comments), outside guarded blocks; only statements that span one of `lines` are visited."""

    def __init__(self, names, lines):
        self.names, self.lines, self.found, self.guarded = names, sorted(lines), [], 0

    def _spans(self, node):
        end = getattr(node, "end_lineno", None)
        if end is None:
            return True
        i = bisect.bisect_left(self.lines, node.lineno)
        return i < len(self.lines) and self.lines[i] <= end

    def generic_visit(self, node):
        for child in ast.iter_child_nodes(node):
            if self._spans(child):
                self.visit(child)

    def visit_Try(self, node):
        self.guarded += 1
        for child in node.body:
            if self._spans(child):
                self.visit(child)
        self.guarded -= 1
        for child in node.handlers + node.orelse + node.finalbody:
            if self._spans(child):
                self.visit(child)

    def visit_If(self, node):
        words = (getattr(n, "id", None) or getattr(n, "attr", None) or "" for n in ast.walk(node.test))
        guarded = any(word in name for name in words for word in GUARD_WORDS)
        self.guarded += guarded
        self.generic_visit(node)
        self.guarded -= guarded

    visit_IfExp = visit_If

    def visit_Attribute(self, node):
        value = node.value
        if (
            not self.guarded
            and isinstance(value, ast.Name)
            and value.id in ("np", "numpy")
            and node.attr in self.names
        ):
            self.found.append((node.lineno, node.attr))
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.module == "numpy" and not node.level and not self.guarded:
            self.found.extend((node.lineno, a.name) for a in node.names if a.name in self.names)


def uses(source, names, lines=None):
    """[(line number, name)] of the removed `names` used in `source` (on `lines` only, when given: the
    candidates of the cheap test); [] when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    visitor = _Uses(names, lines if lines is not None else range(1, source.count("\n") + 2))
    visitor.visit(tree)
    return sorted(visitor.found)


def candidate_lines(data, attribute, imports, names):
    """Line numbers where the bytes `data` may use a removed name: np.<name>, or <name> in a `from numpy
    import`, not after a "#" or right after a quote or backtick (prose). A cheap test before the parser."""
    found = set()
    for match in attribute.finditer(data):
        previous = data[match.start() - 1 : match.start()]
        if not (previous.isalnum() or previous in (b".", b"_")):  # np.float, not jnp.float or x.np.float
            found.add(match.start())
    for match in imports.finditer(data):
        if names & set(re.findall(rb"\w+", re.sub(rb"\bas\s+\w+", b"", match.group(1)))):
            found.add(match.start())
    lines = set()
    for start in found:
        line_start = data.rfind(b"\n", 0, start) + 1
        before = data[line_start:start]
        if b"#" not in before and not before.endswith((b"`", b"'", b'"')):
            lines.add(data.count(b"\n", 0, start) + 1)
    return lines


def python_files(dist):
    """The installed .py files of a distribution (its RECORD; dist.files for others)."""
    base = str(dist.locate_file(""))
    record = dist.read_text("RECORD")
    if record is not None:
        names = (line.split(",", 1)[0] for line in record.splitlines())
    else:
        names = (str(item) for item in dist.files or ())
    return [(name, os.path.join(base, name)) for name in names if name.endswith(".py")]


def scan(names):
    """{distribution: [(path, line number, [names], code)]} over the installed distributions' .py files."""
    alternation = "|".join(map(re.escape, names)).encode()
    attribute = re.compile(rb"np\.(?:%s)\b|numpy\.(?:%s)\b" % (alternation, alternation))
    imports = re.compile(rb"from[ \t]+numpy[ \t]+import[ \t]*(\([^)]{0,4000}\)|[^\n]*)")
    wanted, wanted_bytes, found = set(names), {n.encode() for n in names}, {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or "?"
        if name.lower() == "numpy":
            continue
        for relative, path in python_files(dist):
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if b"numpy" not in data:
                continue
            lines = candidate_lines(data, attribute, imports, wanted_bytes)
            if not lines:
                continue
            source = data.decode("utf-8", errors="replace")
            per_line, text = {}, source.splitlines()
            for number, alias in uses(source, wanted, lines):
                per_line.setdefault(number, []).append(alias)
            for number, aliases in sorted(per_line.items()):
                code = text[number - 1].strip() if number <= len(text) else ""
                where = os.path.normpath(relative)
                found.setdefault(name, []).append((where, number, sorted(set(aliases)), code[:120]))
    return found


def run(ctx):
    try:
        import numpy
    except Exception as error:
        return result(SKIP, "numpy does not import (%s); see the other checks" % error)
    names = removed_names()
    if not names:
        return result(OK, "numpy %s has every name this check knows of" % numpy.__version__)
    found = scan(names)
    if not found:
        return result(
            OK,
            "no installed package uses a name numpy %s removed (%s)"
            % (numpy.__version__, ", ".join("np." + n for n in names[:8]) + ", ..."),
        )
    hits = [(dist, *hit) for dist in sorted(found) for hit in found[dist]]
    per_dist = ", ".join("%s (%d line(s))" % (dist, len(found[dist])) for dist in sorted(found))
    details = "\n".join(
        "%s: %s:%d: %s: %s" % (dist, path, number, ", ".join("np." + a for a in aliases), code)
        for dist, path, number, aliases, code in hits[:200]
    )
    listed = "; ".join(
        "%s:%d (%s)" % (path, number, ", ".join("np." + a for a in aliases))
        for _, path, number, aliases, _ in hits[:MAX_LISTED]
    )
    used = sorted({alias for hit in hits for alias in hit[3]})
    return result(
        WARN,
        "code in %s uses NumPy names that numpy %s no longer has: %s%s (each fails with \"module 'numpy' "
        'has no attribute" or "cannot import name" when that line runs)'
        % (per_dist, numpy.__version__, listed, "; ..." if len(hits) > MAX_LISTED else ""),
        details,
        "upgrade those packages to releases that no longer use them, or edit the lines (%s); pinning an "
        "older numpy also works but blocks everything that needs a newer one (signature numpy-alias-removed)"
        % ", ".join("np.%s -> %s" % (alias, REPLACEMENTS[alias]) for alias in used),
    )
