"""Text → AST. Only syntax lives here: the Lark parser, the tree → dataclass transformer,
the nesting limit, and turning Lark's exceptions into positioned DSL errors."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.lark import PostLex
from lark.visitors import Transformer_NonRecursive, v_args

from . import ast
from .errors import DslError, DslNestingError, DslSyntaxError, error
from .grammar_files import grammar_text
from .source import Pos, Source

#: Deepest real nesting accepted: brackets of calls, reductions, tuples and transform
#: calls, unary minus, powers. A flat chain ``a + b + c`` (one precedence level, read left
#: to right) is one level however long it is. Deeper text is refused with DslNestingError.
MAX_NESTING = 100

#: Deepest expression tree accepted, counting every operator of a chain: the later passes
#: recurse over the tree (about three Python frames a level), and this keeps them far from
#: Python's recursion limit. A flat sum of up to this many terms is fine.
MAX_DEPTH = 250

#: Most digits an integer literal may have: a float64 holds no larger integer, and Python
#: refuses to convert longer digit strings (``sys.get_int_max_str_digits``).
MAX_INT_DIGITS = 309
_LARGEST_FLOAT = int(sys.float_info.max)

#: Longest text accepted, in characters (bounded time and memory for any input).
MAX_LENGTH = 1_000_000

BOM = "\ufeff"

_OPEN = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
_CLOSE = set(_OPEN.values())


#: The one continuation rule of the language (modules, .ax files, configs and the REPL): a
#: statement goes on to the next line while a bracket is open or while its line ends in one
#: of these operators (a comment after it does not count). ``CONTINUING_TOKENS`` are their
#: terminals; the REPL, which must decide on text it has not parsed yet, uses
#: ``ends_in_operator``. A backslash before the newline continues too (the grammar ignores it).
CONTINUING_OPERATORS = ("=", "->", "+", "-", "*", "/", "**", ",", "<", ">", "<=", ">=", "==", "!=")
CONTINUING_TOKENS = frozenset(
    {"EQUAL", "ARROW", "PLUS", "MINUS", "STAR", "SLASH", "POW", "COMMA", "COMPARE"}
)
_ENDS_IN_OPERATOR = re.compile(
    "(?:" + "|".join(re.escape(op) for op in sorted(CONTINUING_OPERATORS, key=len)[::-1]) + r"|\\)$"
)


def ends_in_operator(code: str) -> bool:
    """Whether a line of code (its comment removed) continues on the next line."""
    return bool(_ENDS_IN_OPERATOR.search(code.rstrip()))


class _NewlinesInBrackets(PostLex):
    """Newlines end statements, except inside (), [] and {} and after an operator that ends
    a line (``CONTINUING_TOKENS``), where they are dropped.

    With ``everywhere=True`` every newline is dropped: a text holding one kernel or one
    transform expression (a config value) has no statements to end, so it may wrap anywhere."""

    always_accept = ("_NL",)

    def __init__(self, everywhere: bool = False) -> None:
        self.everywhere = everywhere

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        previous = ""
        for tok in stream:
            if tok.type in _OPEN:
                depth += 1
            elif tok.type in _CLOSE:
                depth = max(depth - 1, 0)
            elif tok.type == "_NL" and (depth or self.everywhere or previous in CONTINUING_TOKENS):
                continue
            previous = tok.type
            yield tok


@functools.lru_cache(maxsize=2)
def _lark(single_item: bool = False) -> Lark:
    try:
        import interegular  # noqa: F401 - lark's strict mode needs it to check terminals

        strict = True
    except ImportError:
        strict = False
    return Lark(
        grammar_text(),
        parser="lalr",
        start=["start", "kernel_text", "function_text"],
        propagate_positions=True,
        maybe_placeholders=False,
        postlex=_NewlinesInBrackets(everywhere=single_item),
        strict=strict,
    )


# ---------------------------------------------------------------- public entry points


def parse_module(source: Source) -> tuple[ast.Statement, ...]:
    """All statements of a module."""
    return cast(tuple[ast.Statement, ...], _parse(source, "start"))  # (_ToAst.start's)


def parse_kernel(source: Source, name: str) -> ast.KernelDef:
    """One kernel: ``(params) [-> [axes]] = expr`` or the full ``kernel NAME...`` form."""
    result = _parse(source, "kernel_text")
    if isinstance(result, _Signature):
        return result.named(name, Pos(1, 1), source)
    return cast(ast.KernelDef, result)  # (the full ``kernel NAME...`` form)


def parse_function(source: Source) -> ast.Value:
    """One transform expression, e.g. ``vmap(matvec, in_axes=(0, None))``."""
    return cast(ast.Value, _parse(source, "function_text"))  # (_ToAst.function_text's)


def _parse(source: Source, start: str) -> Any:
    if source.text.startswith(BOM):  # editors on Windows start UTF-8 files with one
        source = dataclasses.replace(source, text=source.text[len(BOM) :])
    if len(source.text) > MAX_LENGTH:
        raise error(
            DslSyntaxError,
            f"text is longer than {MAX_LENGTH} characters",
            source,
            None,
            "split it into several modules",
        )
    parser = _lark(single_item=start != "start")
    try:
        tree = parser.parse(source.text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source, parser) from None
    _check_nesting(tree, source)
    try:
        return _ToAst(source).transform(tree)
    except VisitError as exc:  # an error raised inside a transformer method
        if isinstance(exc.orig_exc, DslError):
            raise exc.orig_exc from None
        raise


# Rules that only group other nodes: entering one is not a level of nesting.
_STRUCTURAL = frozenset(
    {"start", "kernel_text", "function_text", "kernel_def", "signature", "param", "labels"}
    | {"label", "binding", "targ", "kwarg", "entry"}
)
_CHAINS = ({"+", "-"}, {"*", "/"})  # left-associative operators of one precedence level


def _check_nesting(tree: Tree[Token], source: Source) -> None:
    # iterative: the text may be far deeper than Python's recursion limit
    stack: list[tuple[Any, int, int]] = [(tree, 0, 0)]  # node, nesting, tree depth
    while stack:
        node, nesting, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        counts = node.data not in _STRUCTURAL
        if nesting > MAX_NESTING or depth > MAX_DEPTH:
            deep = nesting > MAX_NESTING
            raise error(
                DslNestingError,
                f"the text nests more than {MAX_NESTING} levels deep"
                if deep
                else f"the expression is more than {MAX_DEPTH} operations deep "
                "(each operator of a chain such as a + b + c counts)",
                source,
                _first_token_pos(node),
                "split the expression with helper kernels or bindings"
                if deep
                else "sum the terms in parts, e.g. with helper kernels",
            )
        for i, child in enumerate(node.children):
            chained = i == 0 and _continues_chain(node, child)
            stack.append((child, nesting + (counts and not chained), depth + counts))


def _continues_chain(parent: Tree[Token], child: Any) -> bool:
    """``child`` is the left operand of ``parent`` at the same precedence level
    (``a + b`` inside ``a + b + c``): the chain is flat, not nested."""
    if not (isinstance(child, Tree) and parent.data == child.data == "binary"):
        return False
    op, inner = str(parent.children[1]), str(child.children[1])
    return any(op in group and inner in group for group in _CHAINS)


def _first_token_pos(tree: Tree[Token]) -> Pos | None:
    meta = tree.meta
    return None if meta.empty else Pos(meta.line, meta.column)


# ---------------------------------------------------------------- tree → AST


def _pos(tok: Token) -> Pos:
    return Pos(tok.line or 1, tok.column or 1, max(len(tok), 1))


def _number(tok: Token, source: Source) -> int | float:
    text = str(tok)
    if any(c in text for c in ".eE"):
        return float(text)
    digits = text.lstrip("0")
    # checked before int(): Python refuses to convert very long digit strings
    if len(digits) > MAX_INT_DIGITS or int(digits or "0") > _LARGEST_FLOAT:
        raise error(
            DslSyntaxError,
            f"the integer literal ({len(digits)} digits) is larger than any float64",
            source,
            _pos(tok),
            "write it in exponent form, e.g. 1e300",
        )
    return int(digits or "0")


_ESCAPE = re.compile(r"\\(.)")


def _string(text: str) -> str:
    # a literal string is data, never code: strip the quotes and undo backslash escapes
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text[1:-1])


@dataclass(frozen=True)
class _Labels:
    pos: Pos
    items: tuple[ast.Label, ...]
    kernels: tuple[ast.Label | None, ...] = ()  # ``t:k``'s k (conv[...] only)


@dataclass(frozen=True)
class _Signature:
    pos: Pos
    params: tuple[ast.Param, ...]
    output: tuple[ast.Label, ...]
    body: ast.Expr

    def named(self, name: str, pos: Pos, origin: Source) -> ast.KernelDef:
        return ast.KernelDef(pos, name, self.params, self.output, self.body, origin)


if TYPE_CHECKING:
    _Transformer = Transformer_NonRecursive[Token, Any]
else:  # lark 1.1 (the floor) cannot subscript it at run time
    _Transformer = Transformer_NonRecursive


@v_args(inline=True)
class _ToAst(_Transformer):
    """One method per grammar rule or alias; Lark calls them bottom-up, without recursion."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    # entry points
    def start(self, *statements: ast.Statement) -> tuple[ast.Statement, ...]:
        return statements

    def kernel_text(self, item: Any) -> Any:
        return item

    def function_text(self, value: ast.Value) -> ast.Value:
        return value

    # kernels
    def kernel_def(self, name: Token, sig: _Signature) -> ast.KernelDef:
        return sig.named(str(name), _pos(name), self.source)

    def signature(self, *items: Any) -> _Signature:
        params = tuple(i for i in items if isinstance(i, ast.Param))
        output: tuple[ast.Label, ...] = ()
        for prev, item in itertools.pairwise(items):
            if isinstance(prev, Token) and prev.type == "ARROW":
                output = self._plain(item)
        eq = next(i for i in items if isinstance(i, Token) and i.type == "EQUAL")
        return _Signature(_pos(eq), params, output, items[-1])

    def param(self, name: Token, labels: _Labels | None = None) -> ast.Param:
        return ast.Param(_pos(name), str(name), self._plain(labels) if labels else ())

    @v_args(inline=False, meta=True)
    def labels(self, meta: Any, items: list[Any]) -> _Labels:
        pos = Pos(meta.line, meta.column) if not meta.empty else Pos(1, 1)
        pairs = [i if isinstance(i, tuple) else (i, None) for i in items]
        return _Labels(pos, tuple(a for a, _ in pairs), tuple(k for _, k in pairs))

    def label(self, name: Token) -> ast.Label:
        return ast.Label(_pos(name), str(name))

    def label_pair(self, name: Token, kernel: Token) -> tuple[ast.Label, ast.Label]:
        return ast.Label(_pos(name), str(name)), ast.Label(_pos(kernel), str(kernel))

    def _plain(self, labels: _Labels) -> tuple[ast.Label, ...]:
        """``labels`` where no ``t:k`` pair may stand (everywhere but ``conv[...]``)."""
        for lab, kernel in zip(labels.items, labels.kernels):
            if kernel is not None:
                raise error(
                    DslSyntaxError,
                    f"{lab.name}:{kernel.name} pairs an index with a kernel index, which only "
                    "conv[...] takes",
                    self.source,
                    kernel.pos,
                    f"write {lab.name} alone here",
                )
        return labels.items

    # expressions
    def compare(self, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Binary:
        return ast.Binary(_pos(op), str(op), left, right)

    binary = compare

    def negate(self, op: Token, operand: ast.Expr) -> ast.Negate:
        return ast.Negate(_pos(op), operand)

    def number(self, tok: Token) -> ast.Number:
        return ast.Number(_pos(tok), _number(tok, self.source))

    def ref(self, name: Token) -> ast.Ref:
        return ast.Ref(_pos(name), str(name))

    def indexed(self, name: Token, labels: _Labels) -> ast.Indexed:
        return ast.Indexed(_pos(name), str(name), self._plain(labels))

    def reduction(self, name: Token, labels: _Labels, body: ast.Expr) -> ast.Reduction:
        return ast.Reduction(_pos(name), str(name), self._plain(labels), body)

    def window(self, name: Token, labels: _Labels, *args: Any) -> ast.Window:
        operands = [a for a in args if a is not None and not isinstance(a, ast.WindowOption)]
        options = tuple(a for a in args if isinstance(a, ast.WindowOption))
        first_option = next(
            (i for i, a in enumerate(args) if isinstance(a, ast.WindowOption)), len(args)
        )
        late = [a for a in args[first_option:] if a is not None and a not in options]
        if late:
            raise error(
                DslSyntaxError,
                f"{name}[...]: an operand after the options",
                self.source,
                late[0].pos,
                "write the operands first, then the options (stride=..., padding=...)",
            )
        kernels = labels.kernels or (None,) * len(labels.items)
        return ast.Window(_pos(name), str(name), labels.items, kernels, tuple(operands), options)

    def window_arg(self, value: ast.Expr) -> ast.Expr:
        return value

    def window_option(self, name: Token, _eq: Token, value: Any) -> ast.WindowOption:
        return ast.WindowOption(_pos(name), str(name), value)

    def window_number(self, tok: Token) -> int | float:
        return _number(tok, self.source)

    def window_string(self, tok: Token) -> str:
        return _string(str(tok))

    def window_tuple(self, *items: Any) -> tuple[Any, ...]:
        return tuple(i for i in items if i is not None)

    def call(self, name: Token, *rest: Any) -> ast.Call:
        labels = None
        if rest and isinstance(rest[-1], _Labels):
            labels, rest = self._plain(rest[-1]), rest[:-1]
        return ast.Call(_pos(name), str(name), tuple(rest), labels)

    # bindings and transform expressions
    def binding(self, name: Token, _eq: Token, value: ast.Value) -> ast.Binding:
        return ast.Binding(_pos(name), str(name), value, self.source)

    def tref(self, name: Token) -> ast.FunctionRef:
        return ast.FunctionRef(_pos(name), str(name))

    def tcall(self, name: Token, *args: ast.Argument) -> ast.TransformCall:
        return ast.TransformCall(_pos(name), str(name), args)

    def targ(self, value: ast.Value) -> ast.Argument:
        return ast.Argument(value.pos, None, value)

    def kwarg(self, name: Token, _eq: Token, value: ast.Value) -> ast.Argument:
        return ast.Argument(_pos(name), str(name), value)

    def lit_number(self, tok: Token) -> ast.Literal:
        return ast.Literal(_pos(tok), _number(tok, self.source))

    def lit_negative(self, minus: Token, tok: Token) -> ast.Literal:
        return ast.Literal(_pos(minus), -_number(tok, self.source))

    def lit_string(self, tok: Token) -> ast.Literal:
        return ast.Literal(_pos(tok), _string(str(tok)))

    @v_args(inline=False, meta=True)
    def lit_none(self, meta: Any, _: list[Any]) -> ast.Literal:
        return ast.Literal(Pos(meta.line, meta.column, 4), None)

    @v_args(inline=False, meta=True)
    def lit_true(self, meta: Any, _: list[Any]) -> ast.Literal:
        return ast.Literal(Pos(meta.line, meta.column, 4), True)

    @v_args(inline=False, meta=True)
    def lit_false(self, meta: Any, _: list[Any]) -> ast.Literal:
        return ast.Literal(Pos(meta.line, meta.column, 5), False)

    @v_args(inline=False, meta=True)
    def lit_empty_tuple(self, meta: Any, _: list[Any]) -> ast.Container:
        return ast.Container(Pos(meta.line, meta.column), "tuple", ())

    def lit_paren(self, value: ast.Value) -> ast.Value:
        return value

    @v_args(inline=False, meta=True)
    def lit_tuple(self, meta: Any, items: list[ast.Value]) -> ast.Container:
        return ast.Container(Pos(meta.line, meta.column), "tuple", tuple(items))

    @v_args(inline=False, meta=True)
    def lit_list(self, meta: Any, items: list[ast.Value]) -> ast.Container:
        return ast.Container(Pos(meta.line, meta.column), "list", tuple(items))

    @v_args(inline=False, meta=True)
    def lit_dict(self, meta: Any, items: list[tuple[ast.Value, ast.Value]]) -> ast.Container:
        return ast.Container(Pos(meta.line, meta.column), "dict", tuple(items))

    def entry(self, key: ast.Value, value: ast.Value) -> tuple[ast.Value, ast.Value]:
        return (key, value)


# ---------------------------------------------------------------- syntax errors

_TOKEN_NAMES = {
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "ARROW": "'->'",
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "_NL": "end of line",
    "$END": "end of text",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "POW": "'**'",
    "COMPARE": "a comparison",
    "KERNEL": "'kernel'",
    "NONE": "None",
    "TRUE": "True",
    "FALSE": "False",
}
_OPERATOR = re.compile(r"(\*\*|<=|>=|==|!=|->|[-+*/<>=,])$")

# Labelled examples for UnexpectedInput.match_examples: a failing text is classified by
# the parser state it fails in.
_EXAMPLES: dict[str, list[str]] = {
    "missing_equal": [
        "kernel f(x[n]) x[n]",
        "kernel f(x[n]) -> [n] x[n]",
        "kernel f(x) -> [] x",
        "f vmap(g)",
        "kernel f(x) sum[n](x)",
    ],
    "juxtaposed": [
        "kernel f(x, y) = x y",
        "kernel f(x[n]) -> [n] = x[n] 2",
        "kernel f(x[n]) -> [n] = 2 x[n]",
    ],
    "bad_label": [
        "kernel f(x[1]) = x",
        "kernel f(x[n]) -> [n] = x[1]",
        "kernel f(x[n]) -> [1] = x[n]",
        "kernel f(x[n]) = sum[1](x[n])",
    ],
    "missing_comma": [
        "kernel f(x[n m]) = x",
        "kernel f(x y) = x",
        "f = vmap(g in_axes=0)",
        "f = vmap(g, in_axes=(0 1))",
    ],
}

_MESSAGES: dict[str, tuple[str, str]] = {
    "missing_equal": (
        "expected '=' here",
        "write `kernel f(x[n]) -> [n] = <expression>` or `name = vmap(...)`",
    ),
    "juxtaposed": (
        "two values side by side with no operator between them",
        "add an operator such as '*' or '+'",
    ),
    "bad_label": (
        "index names must be names, not numbers",
        "write x[i, j] with names; axcomp has no integer indexing",
    ),
    "missing_comma": (
        "expected ',' between items",
        "separate parameters, arguments and index names with commas",
    ),
}


def _syntax_error(exc: UnexpectedInput, source: Source, parser: Lark) -> DslError:
    bracket = _bracket_problem(source.text)
    if bracket is not None:
        pos, message, hint = bracket
        return error(DslSyntaxError, message, source, pos, hint)
    if isinstance(exc, UnexpectedCharacters):
        at = exc.pos_in_stream or 0
        ch = source.text[at] if at < len(source.text) else "?"
        return error(
            DslSyntaxError,
            f"unexpected character {ch!r}",
            source,
            Pos(exc.line, exc.column),
            "only names, numbers, strings, operators "
            "+ - * / ** < <= > >= == != and brackets are allowed",
        )
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    pos = _token_pos(tok, source)
    if tok.type in ("_NL", "$END") or _starts_a_statement(source, pos):
        # at the end, or where a new statement starts after a line that ended in an
        # operator (so the parser read it as that line's continuation)
        trailing = _trailing_operator(
            source, Pos(pos.line, 1) if tok.type not in ("_NL", "$END") else pos
        )
        if trailing is not None:
            op, op_pos = trailing
            what = "'='" if op == "=" else f"the operator {op!r}"
            return error(
                DslSyntaxError,
                f"the line ends with {what}",
                source,
                op_pos,
                "add the missing operand after it, or remove it",
            )
    label = _classify(exc, parser)
    if label is not None:
        message, hint = _MESSAGES[label]
        return error(DslSyntaxError, message, source, pos, hint)
    expected = sorted({_TOKEN_NAMES.get(t, repr(t)) for t in exc.expected})
    found = _TOKEN_NAMES.get(tok.type, repr(str(tok)))
    if tok.type in ("NAME", "NUMBER", "STRING"):
        found = repr(str(tok))
    return error(
        DslSyntaxError,
        f"unexpected {found}",
        source,
        pos,
        f"expected {', '.join(expected[:8])}{' ...' if len(expected) > 8 else ''}",
    )


def _classify(exc: UnexpectedInput, parser: Lark) -> str | None:
    # the examples must run through the same parser object: states are compared by number
    def parse(text: str) -> Any:
        return parser.parse(text, start="start")

    try:
        label = exc.match_examples(parse, _EXAMPLES, use_accepts=True)
    except Exception:
        return None
    return label


def _trailing_operator(source: Source, pos: Pos) -> tuple[str, Pos] | None:
    """The operator that ends the text before ``pos`` (skipping comments), if any."""
    lines = source.text.splitlines()
    for line in range(min(pos.line, len(lines)), 0, -1):
        text = lines[line - 1]
        if line == pos.line:
            text = text[: pos.column - 1]
        text = re.sub(r"#.*", "", text).rstrip()
        if text:
            match = _OPERATOR.search(text)
            if match is None:
                return None
            return match.group(1), Pos(line, match.start(1) + 1, len(match.group(1)))
    return None


_STATEMENT_HEAD = re.compile(r"\s*(?:kernel\s+[A-Za-z_]\w*\s*\(|[A-Za-z_]\w*\s*=(?!=))")


def _starts_a_statement(source: Source, pos: Pos) -> bool:
    """Whether the line of ``pos`` (a later line than the first) reads as a new statement."""
    return pos.line > 1 and bool(_STATEMENT_HEAD.match(source.line_text(pos.line)))


def _token_pos(tok: Token, source: Source) -> Pos:
    if tok.type == "$END" or tok.line is None:
        lines = source.text.splitlines() or [""]
        return Pos(len(lines), len(lines[-1]) + 1)
    return _pos(tok) if tok.type != "_NL" else Pos(tok.line, tok.column or 1)


def _bracket_problem(text: str) -> tuple[Pos, str, str] | None:
    """The first unbalanced bracket, skipping comments and strings."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[tuple[str, Pos]] = []
    line, col, i = 1, 1, 0
    while i < len(text):
        c = text[i]
        if c == "#":
            while i < len(text) and text[i] != "\n":
                i, col = i + 1, col + 1
            continue
        if c in "\"'":
            j = i + 1
            while j < len(text) and text[j] not in (c, "\n"):
                j += 2 if text[j] == "\\" else 1
            col += j + 1 - i
            i = j + 1
            continue
        if c in pairs:
            stack.append((c, Pos(line, col)))
        elif c in ")]}":
            if not stack:
                return (
                    Pos(line, col),
                    f"{c!r} has no matching opening bracket",
                    "remove it, or add the opening bracket before it",
                )
            opener, where = stack.pop()
            if pairs[opener] != c:
                message = (
                    f"{c!r} does not match {opener!r} opened at line {where.line}, "
                    f"column {where.column}"
                )
                return Pos(line, col), message, f"close it with {pairs[opener]!r}"
        if c == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    if stack:
        opener, where = stack[-1]
        return (
            where,
            f"{opener!r} is never closed",
            f"add {pairs[opener]!r} after the last item it encloses",
        )
    return None
