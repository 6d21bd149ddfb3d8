"""Java regular expressions (``java.util.regex``) translated to Python's ``re``.

API Gateway is a Java service: the regexes users write (an integration response's
``selectionPattern``, and ``String.matches`` / ``replaceAll`` / ``replaceFirst`` / ``split`` in
mapping templates) are Java regexes. This module owns the translation, done once per pattern.

What is translated (Java → Python):

- ``\\Q...\\E`` quoting → escaped literals;
- ``\\p{Alpha}``-style POSIX classes (ASCII-only, as in Java), ``\\p{L}``/``\\p{IsL}``/``\\p{Lu}``
  Unicode categories, ``\\p{javaLowerCase}``…, and their ``\\P{..}`` complements → explicit sets;
- embedded flags ``(?i)`` anywhere in the pattern → a scoped group ``(?i:...)`` up to the end of the
  enclosing group (Python only allows global flags at the very start);
- ``(?<name>..)`` / ``\\k<name>`` → ``(?P<name>..)`` / ``(?P=name)``;
- ``\\h``, ``\\v`` (Java: vertical whitespace, not VT), ``\\R``, ``\\e``, ``\\a``, ``\\cX``, ``\\0oo``,
  ``\\x{h..h}``, ``\\z`` and Java's ``\\Z`` (end before a final line terminator);
- Java's ``\\d \\w \\s \\b`` and case-insensitivity are ASCII unless ``(?U)``/``(?u)`` says
  otherwise: the pattern compiles with ``re.ASCII`` (Python's default is Unicode);
- ``.`` stops at every Java line terminator (``\\n \\r \\u0085 \\u2028 \\u2029``), not only ``\\n``,
  unless DOTALL (``(?s)``) is on;
- possessive quantifiers and atomic groups pass through (Python 3.11 has them).

What is refused with :class:`JavaRegexError` (no faithful Python equivalent): class intersections
``&&`` and nested classes ``[a[b]]``, ``\\G``, ``\\X``, ``\\b{g}``, ``(?d)`` UNIX_LINES, and any
pattern Python's ``re`` rejects after translation.

Errors::

    ValueError
    └── JavaRegexError      the pattern (or replacement) is not valid, or not translatable

Selection patterns: API Gateway matches ``selectionPattern`` against the WHOLE ``errorMessage``
(Lambda) or status code (HTTP), i.e. Java ``String.matches`` → use ``compile_java(p).fullmatch``.
See https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = ["JavaRegexError", "compile_java", "java_replacement", "java_split"]


class JavaRegexError(ValueError):
    """A Java regex or replacement string is invalid, or uses a feature Python cannot express."""


_ASCII_CLASSES: dict[str, str] = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}

_UNICODE_ALIASES: dict[str, str] = {
    "L": "L",
    "Letter": "L",
    "IsAlphabetic": "L",
    "Alphabetic": "L",
    "IsLetter": "L",
    "javaLetter": "L",
    "Lu": "Lu",
    "IsUppercase": "Lu",
    "javaUpperCase": "Lu",
    "Ll": "Ll",
    "IsLowercase": "Ll",
    "javaLowerCase": "Ll",
    "N": "N",
    "IsDigit": "Nd",
    "javaDigit": "Nd",
    "Nd": "Nd",
    "P": "P",
    "IsPunctuation": "P",
    "S": "S",
    "Z": "Z",
    "IsWhite_Space": "Z",
    "javaWhitespace": "Z",
    "javaSpaceChar": "Z",
    "C": "C",
    "M": "M",
}

_SIMPLE_ESCAPES: dict[str, str] = {
    "t": "\\t",
    "n": "\\n",
    "r": "\\r",
    "f": "\\f",
    "a": "\\x07",
    "e": "\\x1b",
    "h": "[ \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]",
    "H": "[^ \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]",
    "v": "[\\n\\x0b\\f\\r\\x85\\u2028\\u2029]",
    "V": "[^\\n\\x0b\\f\\r\\x85\\u2028\\u2029]",
    "R": "(?:\\r\\n|[\\n\\x0b\\f\\r\\x85\\u2028\\u2029])",
    "z": "\\Z",
    "Z": "(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?\\Z)",
}

_JAVA_DOT = r"[^\n\r\x85\u2028\u2029]"  # '.' without DOTALL: any character but a line terminator
_UNSUPPORTED_ESCAPES = {"G": "\\G (end of previous match)", "X": "\\X (grapheme cluster)"}
_CLASS_ESCAPES = set("dDwWsS")
_PASS_ESCAPES = set("bBA") | _CLASS_ESCAPES
_FLAG_CHARS = {"i": "i", "m": "m", "s": "s", "x": "x", "u": "", "U": "", "c": "", "d": None}


@lru_cache(maxsize=64)
def _category_set(category: str) -> str:
    """The character-class body for a Unicode general category (prefix match: "L" covers "Lu")."""
    ranges: list[tuple[int, int]] = []
    start = -1
    for cp in range(sys.maxunicode + 1):
        inside = unicodedata.category(chr(cp)).startswith(category)
        if inside and start < 0:
            start = cp
        elif not inside and start >= 0:
            ranges.append((start, cp - 1))
            start = -1
    if start >= 0:
        ranges.append((start, sys.maxunicode))
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _property_body(name: str) -> str:
    if name.startswith("Is") and name[2:] in _ASCII_CLASSES:
        name = name[2:]
    if name in _ASCII_CLASSES:
        return _ASCII_CLASSES[name]
    base = name[2:] if name.startswith("Is") and name not in _UNICODE_ALIASES else name
    base = base.removeprefix("general_category=").removeprefix("gc=")
    category = _UNICODE_ALIASES.get(base)
    if category is None and len(base) <= 2 and base[:1] in "LMNPSZC" and base.isalpha():
        category = base
    if category is None:
        raise JavaRegexError(f"unknown character property \\p{{{name}}}")
    return _category_set(category)


class _Translator:
    """One pass over a Java pattern, writing Python syntax; tracks groups for scoped flags."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0
        self.out: list[str] = []
        self.ascii = True
        # per open group: the flag specs of the scoped groups opened by mid-pattern ``(?i)``
        self.open_scoped: list[list[str]] = [[]]
        # per open group: the flag spec it opened with ("" for a plain group), for DOTALL tracking
        self.group_specs: list[str] = [""]

    def error(self, message: str) -> JavaRegexError:
        return JavaRegexError(f"{message} near index {self.pos} in Java regex {self.src!r}")

    def run(self) -> str:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "\\":
                self.out.append(self.escape(in_class=False))
            elif ch == "[":
                self.out.append(self.char_class())
            elif ch == "(":
                self.group_open()
            elif ch == "|":
                # Java's (?i) reaches past "|" into the next alternative: close and reopen the scope.
                specs = self.open_scoped[-1]
                self.out.append(")" * len(specs) + "|" + "".join(f"(?{s}:" for s in specs))
                self.pos += 1
            elif ch == ")":
                self.out.append(")" * len(self.open_scoped.pop()))
                if not self.open_scoped:
                    raise self.error("unmatched closing ')'")
                self.group_specs.pop()
                self.out.append(")")
                self.pos += 1
            elif ch == ".":
                # Java's '.' stops at every line terminator, Python's only at '\n' (without DOTALL).
                self.out.append("." if self.dotall() else _JAVA_DOT)
                self.pos += 1
            else:
                self.out.append(ch)
                self.pos += 1
        if len(self.open_scoped) != 1:
            raise self.error("unclosed group")
        self.out.append(")" * len(self.open_scoped[0]))
        return "".join(self.out)

    def dotall(self) -> bool:
        active = False
        for group_spec, inline in zip(self.group_specs, self.open_scoped, strict=True):
            for spec in (group_spec, *inline):
                on, _, off = spec.partition("-")
                if "s" in on:
                    active = True
                if "s" in off:
                    active = False
        return active

    def group_open(self) -> None:
        src, pos = self.src, self.pos
        if src.startswith("(?<", pos) and pos + 3 < len(src) and src[pos + 3] not in "=!":
            end = src.find(">", pos)
            if end < 0:
                raise self.error("unterminated group name")
            self.out.append(f"(?P<{src[pos + 3 : end]}>")
            self.pos = end + 1
            self.open_scoped.append([])
            self.group_specs.append("")
            return
        match = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])").match(src, pos)
        if match and (match.group(1) or match.group(2) is not None):
            self.flags_group(match)
            return
        self.out.append("(")
        self.pos += 1
        self.open_scoped.append([])
        self.group_specs.append("")

    def flags_group(self, match: re.Match[str]) -> None:
        on, off, end = match.group(1), match.group(2) or "", match.group(3)
        py_on, py_off = self.python_flags(on), self.python_flags(off)
        if "U" in on:
            self.ascii = False
        self.pos = match.end()
        spec = py_on + (f"-{py_off}" if py_off else "")
        if end == ":":
            self.out.append(f"(?{spec}:" if spec else "(?:")
            self.open_scoped.append([])
            self.group_specs.append(spec)
        elif spec:
            self.out.append(f"(?{spec}:")
            self.open_scoped[-1].append(spec)

    def python_flags(self, flags: str) -> str:
        out = []
        for flag in flags:
            if flag not in _FLAG_CHARS:
                raise self.error(f"unknown inline flag {flag!r}")
            mapped = _FLAG_CHARS[flag]
            if mapped is None:
                raise self.error("UNIX_LINES (?d) is not supported")
            out.append(mapped)
        return "".join(out)

    def escape(self, *, in_class: bool) -> str:
        src = self.src
        if self.pos + 1 >= len(src):
            raise self.error("trailing backslash")
        ch = src[self.pos + 1]
        self.pos += 2
        if ch == "Q":
            end = src.find("\\E", self.pos)
            literal = src[self.pos :] if end < 0 else src[self.pos : end]
            self.pos = len(src) if end < 0 else end + 2
            return "".join(_escape_char(c) for c in literal)
        if ch in "pP":
            return self.property(negated=ch == "P", in_class=in_class)
        if ch in _UNSUPPORTED_ESCAPES:
            raise self.error(f"{_UNSUPPORTED_ESCAPES[ch]} is not supported")
        if ch == "k":
            return self.backreference_name()
        if ch == "c":
            return self.control()
        if ch == "0":
            return self.octal()
        if ch == "x":
            return self.hex()
        if ch in ("u",):
            return "\\u"
        if ch in _SIMPLE_ESCAPES:
            if in_class and ch in "hHvVRzZ" and ch not in "hv":
                raise self.error(f"\\{ch} is not allowed in a character class")
            text = _SIMPLE_ESCAPES[ch]
            if in_class and ch in "hv":
                return text[1:-1]
            return text
        if ch in _PASS_ESCAPES or ch.isdigit():
            if in_class and ch in "bBA":
                raise self.error(f"\\{ch} is not allowed in a character class")
            return "\\" + ch
        if ch.isalpha():
            raise self.error(f"illegal/unsupported escape sequence \\{ch}")
        return _escape_char(ch)

    def property(self, *, negated: bool, in_class: bool) -> str:
        src = self.src
        if self.pos < len(src) and src[self.pos] == "{":
            end = src.find("}", self.pos)
            if end < 0:
                raise self.error("unclosed character property")
            name = src[self.pos + 1 : end]
            self.pos = end + 1
        elif self.pos < len(src):
            name = src[self.pos]
            self.pos += 1
        else:
            raise self.error("missing character property name")
        if name.startswith("^"):
            negated, name = not negated, name[1:]
        body = _property_body(name)
        if in_class:
            if negated:
                raise self.error("a negated property inside a character class is not supported")
            return body
        return f"[^{body}]" if negated else f"[{body}]"

    def backreference_name(self) -> str:
        src = self.src
        if not src.startswith("<", self.pos):
            raise self.error("\\k is not followed by '<' for named capturing group")
        end = src.find(">", self.pos)
        if end < 0:
            raise self.error("unterminated group name")
        name = src[self.pos + 1 : end]
        self.pos = end + 1
        return f"(?P={name})"

    def control(self) -> str:
        if self.pos >= len(self.src):
            raise self.error("illegal control escape sequence")
        code = ord(self.src[self.pos]) ^ 64
        self.pos += 1
        return f"\\x{code:02x}"

    def octal(self) -> str:
        match = re.compile(r"[0-3]?[0-7]{1,2}").match(self.src, self.pos)
        if not match:
            raise self.error("illegal octal escape sequence")
        self.pos = match.end()
        return f"\\x{int(match.group(), 8):02x}"

    def hex(self) -> str:
        src = self.src
        if src.startswith("{", self.pos):
            end = src.find("}", self.pos)
            digits = src[self.pos + 1 : end] if end > 0 else ""
            self.pos = end + 1
        else:
            digits = src[self.pos : self.pos + 2]
            self.pos += 2
        try:
            code = int(digits, 16)
            return _escape_char(chr(code))
        except (ValueError, OverflowError):
            raise self.error("illegal hexadecimal escape sequence") from None

    def char_class(self) -> str:
        src = self.src
        self.pos += 1
        parts = ["["]
        if src.startswith("^", self.pos):
            parts.append("^")
            self.pos += 1
        first = True
        while True:
            if self.pos >= len(src):
                raise self.error("unclosed character class")
            ch = src[self.pos]
            if ch == "]" and not first:
                self.pos += 1
                break
            if ch == "[":
                raise self.error("nested character classes are not supported")
            if src.startswith("&&", self.pos):
                raise self.error("character class intersection (&&) is not supported")
            if ch == "\\":
                parts.append(self.escape(in_class=True))
            else:
                parts.append(_escape_class_char(ch) if ch not in "-" else "-")
                self.pos += 1
            first = False
        parts.append("]")
        return "".join(parts)


def _escape_char(ch: str) -> str:
    return re.escape(ch)


def _escape_class_char(ch: str) -> str:
    return "\\" + ch if ch in "[]\\^&~|" else ch


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex into an equivalent Python pattern (cached).

    Use ``.fullmatch`` where Java uses ``String.matches`` (and for API Gateway's
    ``selectionPattern``, which must match the whole error message or status code), ``.search``
    where Java uses ``Matcher.find``.
    """
    translator = _Translator(pattern)
    translated = translator.run()
    flags = re.ASCII if translator.ascii else 0
    try:
        return re.compile(translated, flags)
    except re.error as exc:
        raise JavaRegexError(f"invalid Java regex {pattern!r}: {exc}") from None


_Part = str | tuple[str, str]


def _parse_replacement(repl: str) -> list[_Part]:
    parts: list[_Part] = []
    literal: list[str] = []
    i = 0
    while i < len(repl):
        ch = repl[i]
        if ch == "\\":
            if i + 1 >= len(repl):
                raise JavaRegexError("character to be escaped is missing")
            literal.append(repl[i + 1])
            i += 2
        elif ch == "$":
            if i + 1 >= len(repl):
                raise JavaRegexError("Illegal group reference: group index is missing")
            if literal:
                parts.append("".join(literal))
                literal = []
            if repl[i + 1] == "{":
                end = repl.find("}", i)
                if end < 0:
                    raise JavaRegexError("named capturing group is missing trailing '}'")
                parts.append(("name", repl[i + 2 : end]))
                i = end + 1
            elif repl[i + 1].isdigit():
                j = i + 1
                while j < len(repl) and repl[j].isdigit():
                    j += 1
                parts.append(("num", repl[i + 1 : j]))
                i = j
            else:
                raise JavaRegexError("Illegal group reference")
        else:
            literal.append(ch)
            i += 1
    if literal:
        parts.append("".join(literal))
    return parts


def _group_number(digits: str, groups: int) -> tuple[int, str]:
    """Java takes the longest prefix of ``digits`` that names an existing group (first digit always)."""
    number = int(digits[0])
    used = 1
    while used < len(digits) and number * 10 + int(digits[used]) <= groups:
        number = number * 10 + int(digits[used])
        used += 1
    if number > groups:
        raise JavaRegexError(f"No group {number}")
    return number, digits[used:]


def java_replacement(repl: str) -> Callable[[re.Match[str]], str]:
    """Compile a ``Matcher.replaceAll`` replacement (``$1``, ``${name}``, ``\\$``) into a ``re.sub`` callable.

    Raises :class:`JavaRegexError` for a malformed replacement at once, and (from the callable)
    for a group the pattern does not have, as Java does.
    """
    parts = _parse_replacement(repl)
    if all(isinstance(p, str) for p in parts):
        text = "".join(p for p in parts if isinstance(p, str))
        return lambda _match: text

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "name":
                try:
                    out.append(match.group(part[1]) or "")
                except IndexError:
                    raise JavaRegexError(f"No group with name {{{part[1]}}}") from None
            else:
                number, rest = _group_number(part[1], match.re.groups)
                out.append(match.group(number) or "")
                out.append(rest)
        return "".join(out)

    return expand


def java_split(pattern: re.Pattern[str], text: str, limit: int = 0) -> list[str]:
    """``String.split(regex, limit)`` with Java's rules.

    A zero-width match at index 0 yields no leading empty string (Java 8+); with ``limit == 0``
    trailing empty strings are dropped; ``limit > 0`` caps the number of pieces.
    """
    if not text:
        return [""]
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if limit > 0 and len(pieces) == limit - 1:
            break
        if match.end() == 0:
            continue
        if match.start() == match.end() and match.start() >= len(text):
            break
        pieces.append(text[start : match.start()])
        start = match.end()
    if start == 0 and not pieces:
        return [text]
    pieces.append(text[start:])
    if limit == 0:
        while pieces and pieces[-1] == "":
            pieces.pop()
    return pieces
