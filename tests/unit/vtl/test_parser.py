"""Parsing: syntax errors carry line and column; whitespace and escaping rules of Velocity 1.7."""

from __future__ import annotations

import pytest

from vpcgate.vtl import VtlSyntaxError, parse_template


@pytest.mark.parametrize(
    ("source", "line", "column", "words"),
    [
        ("a\nb\n#if($x)\nnever closed", 3, 1, "#if without a matching #end"),
        ("ok\n  #foreach($i in $l)\n", 2, 3, "#foreach without a matching #end"),
        ("x #end", 1, 3, "#end without"),
        ("#set($a = )", 1, 11, "unexpected ')'"),
        ("#set($a = 'open)", 1, 11, "unterminated string"),
        ("line\n$a.b(1, 2", 2, 5, "unclosed '('"),
        ("#include('x.vm')", 1, 1, "not supported"),
        ("#parse('x.vm')", 1, 1, "not supported"),
        ("#set(a = 1)", 1, 6, "must assign to a reference"),
        ("#if $a", 1, 1, "must be followed by '('"),
        ("#foreach($i on $l)x#end", 1, 13, "expected 'in'"),
        ("#* never closed", 1, 1, "unclosed comment"),
        ("#[[ never closed", 1, 1, "unclosed unparsed block"),
        ("#macro()x#end", 1, 8, "#macro needs a name"),
        ('#set($a = "$b.c(")', 1, 16, "unclosed '('"),
    ],
)
def test_syntax_errors_have_line_and_column(source: str, line: int, column: int, words: str) -> None:
    with pytest.raises(VtlSyntaxError) as caught:
        parse_template(source)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.message
    assert str(caught.value).startswith(f"line {line}, column {column}: ")


def test_text_that_only_looks_like_vtl_is_text() -> None:
    source = "Price: $5, #1 item, a # sign, $ alone, $!, ${ not, email@example.com, 50%"
    assert parse_template(source).render({}) == source


def test_crlf_line_endings_are_gobbled_after_directives() -> None:
    template = parse_template("#if(true)\r\nyes\r\n#end\r\nafter")
    assert template.render({}) == "yes\r\nafter"


def test_set_line_gobbles_indentation_only_at_line_start() -> None:
    assert parse_template("a  #set($x = 1)b$x").render({}) == "a  b1"
    assert parse_template("a\n\t #set($x = 1)\nb$x").render({}) == "a\nb1"


def test_index_that_does_not_parse_in_text_is_text() -> None:
    assert parse_template("$a[oops]").render({"a": "v"}) == "v[oops]"


def test_macro_defined_later_is_text_before_and_a_call_after() -> None:
    template = parse_template("#greet('a')#macro(greet $who)hi $who#end #greet('b')")
    assert template.render({}) == "#greet('a') hi b"


def test_generated_python_is_kept_for_inspection() -> None:
    template = parse_template("$a.b")
    assert "def _render(v, out, st):" in template.python_source
    assert ".get('b')" in template.python_source


def test_unicode_escape_in_string_literal() -> None:
    assert parse_template('#set($a = "caf\\u00e9")$a').render({}) == "café"


def test_deep_nesting_is_reported_not_crashed() -> None:
    with pytest.raises(VtlSyntaxError, match="nests too deeply"):
        parse_template("#set($a = " + "(" * 3000 + "1" + ")" * 3000 + ")")


def test_thirty_nested_loops_compile() -> None:
    source = "".join(f"#foreach($i{k} in [1])" for k in range(30)) + "x" + "#end" * 30
    assert parse_template(source).render({}) == "x"
