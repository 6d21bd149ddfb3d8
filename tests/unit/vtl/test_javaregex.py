"""Java regex → Python ``re``: what translates, what is refused, replacement and split rules."""

from __future__ import annotations

import re

import pytest

from vpcgate.javaregex import JavaRegexError, compile_java, java_replacement, java_split


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"\{\"status\"\:403.*", '{"status":403,"bodyJson":"x"}', True),  # the seed's selectionPattern
        (r"\{\"status\"\:403.*", '{"status":404}', False),
        (r"a++b", "aaab", True),
        (r"(?>a|ab)c", "abc", False),  # atomic group: no backtracking into it
        (r"\p{Alpha}+", "abcXYZ", True),
        (r"\p{Alpha}+", "abé", False),  # POSIX classes are ASCII in Java
        (r"\p{L}+", "abé", True),
        (r"\p{Lu}\p{Ll}+", "Émile", True),
        (r"\P{Digit}+", "abc", True),
        (r"[\p{Digit}x]+", "1x2", True),
        (r"\Qa.b*\E", "a.b*", True),
        (r"\Qa.b*\E", "axbb", False),
        (r"a(?i)bc", "aBC", True),
        (r"a(?i)bc", "ABC", False),  # the flag applies from where it is written
        (r"x(?i)b|c", "C", True),  # ... and past '|' into the next alternative
        (r"(?<year>\d{4})-\k<year>", "2020-2020", True),
        (r"\d+", "١٢", False),  # \d is ASCII in Java
        (r"(?U)\d+", "١٢", True),
        (r"\h+\v", " \t\n", True),
        (r"a\R", "a\r\n", True),
        (r"\x41\x{42}\u0043\0104", "ABCD", True),
        (r"\cJ", "\n", True),
        (r"a\z", "a", True),
        (r"[a-c&]+", "a&c", True),
    ],
)
def test_fullmatch_like_java_matches(pattern: str, text: str, matches: bool) -> None:
    assert (compile_java(pattern).fullmatch(text) is not None) is matches


@pytest.mark.parametrize(
    "pattern",
    [r"[a-z&&[def]]", r"[a[b]]", r"\G", r"\X", r"(?d)a", r"(unclosed", r"\p{NoSuchClass}", r"a)", r"\k"],
)
def test_untranslatable_or_invalid_patterns_raise(pattern: str) -> None:
    with pytest.raises(JavaRegexError):
        compile_java(pattern)


def test_java_regex_error_is_a_value_error() -> None:
    assert issubclass(JavaRegexError, ValueError)


def test_java_end_anchor_before_final_newline() -> None:
    assert compile_java(r"a\Z").search("a\n")
    assert not compile_java(r"a\z").search("a\n")


@pytest.mark.parametrize(
    ("pattern", "replacement", "text", "expected"),
    [
        (r"(\w+)@(\w+)", "$2 at $1", "me@home", "home at me"),
        (r"(?<user>\w+)@", "${user} at ", "me@home", "me at home"),
        (r"USD", r"\$", "5 USD", "5 $"),
        (r"a", r"\\", "banana", "b\\n\\n\\"),
        (r"(a)", "$10", "a", "a0"),  # $10 with one group is $1 followed by "0"
        (r"(b)?a", "[$1]", "a", "[]"),  # an unmatched group is empty
    ],
)
def test_replacement(pattern: str, replacement: str, text: str, expected: str) -> None:
    assert compile_java(pattern).sub(java_replacement(replacement), text) == expected


@pytest.mark.parametrize("replacement", ["$", "\\", "${name", "$x"])
def test_malformed_replacement(replacement: str) -> None:
    with pytest.raises(JavaRegexError):
        java_replacement(replacement)


def test_missing_group_fails_when_used() -> None:
    expand = java_replacement("$2")
    with pytest.raises(JavaRegexError, match="No group 2"):
        compile_java("(a)").sub(expand, "a")


@pytest.mark.parametrize(
    ("pattern", "text", "limit", "expected"),
    [
        (",", "a,b,,c,,", 0, ["a", "b", "", "c"]),
        (",", "a,b,c", 2, ["a", "b,c"]),
        (",", "a,b,,", -1, ["a", "b", "", ""]),
        (",", ",a", 0, ["", "a"]),
        ("", "abc", 0, ["a", "b", "c"]),
        (",", "", 0, [""]),
        ("x", "abc", 0, ["abc"]),
    ],
)
def test_split_like_java(pattern: str, text: str, limit: int, expected: list[str]) -> None:
    assert java_split(compile_java(pattern), text, limit) == expected


def test_compiled_patterns_are_cached() -> None:
    assert compile_java(r"\d+x") is compile_java(r"\d+x")
    assert isinstance(compile_java(r"\d+x"), re.Pattern)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a.b", "a\rb", False),  # Java's '.' stops at \r, \u0085, \u2028, \u2029 too
        ("a.b", "a\u2028b", False),
        ("(?s)a.b", "a\rb", True),
        ("a(?s:.)b", "a\nb", True),
        ("(?s)a(?-s).b", "a\nb", False),
        ("[.]", ".", True),
    ],
)
def test_dot_and_line_terminators(pattern: str, text: str, matches: bool) -> None:
    assert (compile_java(pattern).fullmatch(text) is not None) is matches
