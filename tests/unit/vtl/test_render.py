"""Rendering: bounds, errors as VtlRenderError (never a traceback), scoping and Java values."""

from __future__ import annotations

import threading

import pytest

from vpcgate.vtl import VtlLimitError, VtlRenderError, parse_template
from vpcgate.vtl.runtime import MAX_FOREACH, MAX_OUTPUT
from vpcgate.vtl.values import java_double


def test_foreach_stops_after_aws_iteration_quota() -> None:
    template = parse_template("#foreach($i in [1..5000])x#end")
    assert template.render({}) == "x" * MAX_FOREACH == "x" * 1000


def test_nested_loops_hit_the_total_iteration_bound() -> None:
    template = parse_template("#foreach($a in [1..1000])#foreach($b in [1..1000])#end#end")
    with pytest.raises(VtlLimitError, match="loop iterations"):
        template.render({})


def test_doubling_a_string_hits_the_size_bound() -> None:
    template = parse_template('#set($s = "xxxxxxxxxxxxxxxx")' + '#set($s = "$s$s")' * 30 + "$s")
    with pytest.raises(VtlLimitError, match="larger than"):
        template.render({})


def test_output_bound_inside_loops() -> None:
    big = "y" * 100_000
    template = parse_template("#foreach($a in [1..1000])#foreach($b in [1..99])$big#end#end")
    with pytest.raises(VtlLimitError):
        template.render({"big": big})
    assert MAX_OUTPUT == 10 * 1024 * 1024


def test_recursive_macro_is_bounded() -> None:
    template = parse_template("#macro(loop $n)#loop($n)#end#loop(1)")
    with pytest.raises(VtlLimitError, match="deeper than 20"):
        template.render({})


def test_self_referencing_define_is_bounded() -> None:
    template = parse_template("#define($a)x$a#end$a")
    with pytest.raises(VtlLimitError):
        template.render({})


def test_unexpected_python_error_becomes_render_error() -> None:
    template = parse_template("#set($m = {[1]: 2})$m")  # a List as a Map key: unhashable here
    with pytest.raises(VtlRenderError) as caught:
        template.render({})
    assert "TypeError" in str(caught.value)


def test_java_exception_in_method_is_render_error() -> None:
    with pytest.raises(VtlRenderError, match="IndexOutOfBounds"):
        parse_template("$l.get(3)").render({"l": []})
    with pytest.raises(VtlRenderError, match="PatternSyntaxException"):
        parse_template('$s.replaceAll("(", "x")').render({"s": "a"})
    with pytest.raises(VtlRenderError, match="NullPointerException"):
        parse_template("$s.contains($nothing)").render({"s": "a"})


def test_top_level_set_stays_in_the_render_but_nested_writes_are_visible() -> None:
    variables: dict[str, object] = {"box": {}}
    parse_template('#set($top = 1)#set($box.inner = "v")').render(variables)
    assert "top" not in variables
    assert variables["box"] == {"inner": "v"}


def test_renders_are_independent_across_threads() -> None:
    template = parse_template("#foreach($i in [1..50])#set($acc = $i)#end$name:$acc")
    results: dict[int, str] = {}

    def work(n: int) -> None:
        for _ in range(50):
            results[n] = template.render({"name": str(n)})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: f"{n}:50" for n in range(8)}


def test_break_outside_a_loop_leaves_the_macro() -> None:
    assert parse_template("#macro(m)a#break b#end[#m()]c").render({}) == "[a]c"


def test_break_at_top_level_stops_the_template() -> None:
    assert parse_template("a#break b").render({}) == "a"


def test_escaped_reference_to_null_keeps_backslashes() -> None:
    assert parse_template("\\\\$nothing|\\\\\\$nothing").render({}) == "\\\\|\\\\\\$nothing"


def test_concatenating_null_uses_the_reference_text() -> None:
    assert parse_template('#set($s = "a" + $nothing)$s').render({}) == "a$nothing"


def test_arithmetic_on_null_or_text_gives_null() -> None:
    assert parse_template("#set($x = 5)#set($x = $nothing + 1)#set($x = true * 2)$x").render({}) == "5"


def test_float_modulo_and_overflow_free_integers() -> None:
    template = parse_template("#set($a = 7.5 % 2)#set($b = 9223372036854775807 + 1)$a $b")
    assert template.render({}) == "1.5 9223372036854775808"


def test_range_needs_integers() -> None:
    assert parse_template("#foreach($i in [1..$x])$i#end.").render({"x": "3"}) == "."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (123456.789, "123456.789"),
        (1e7, "1.0E7"),
        (1.5e-5, "1.5E-5"),
        (-2.5e10, "-2.5E10"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
    ],
)
def test_java_double_to_string(value: float, text: str) -> None:
    assert java_double(value) == text


def test_foreach_scope_methods() -> None:
    template = parse_template("#foreach($i in [7, 8])$foreach.getIndex()$foreach.hasNext() #end")
    assert template.render({}) == "0true 1false "


def test_string_index_counts_utf16_units() -> None:
    template = parse_template("$s.substring(0, 2)|$s.indexOf('b')|$s.charAt(3)")
    assert template.render({"s": "😀ab"}) == "😀|3|b"
