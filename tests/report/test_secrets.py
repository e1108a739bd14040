"""The masker: which variables are secrets, which spellings of a value are masked."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.report.secrets import MASK, MaskedStream, Masker, is_secret_name


@pytest.mark.parametrize(
    ("name", "secret"),
    [("GITHUB_TOKEN", True), ("NPM_TOKEN", True), ("aws_secret", True), ("API_KEY", True),
     ("DB_PASSWORD", True), ("KEYBOARD", False), ("TOKEN_FILE", False), ("PATH", False), ("MONKEY", False)],
)  # fmt: skip
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_longest_value_first_and_escaped_spellings() -> None:
    masker = Masker.from_environ(
        {"A_TOKEN": "abcd", "B_TOKEN": "abcdef", "C_KEY": 'q"uo\\te', "PATH": "/bin"}
    )
    assert masker.mask("abcdef abcd /bin") == f"{MASK} {MASK} /bin"
    assert masker.mask('"q\\"uo\\\\te"') == f'"{MASK}"'


def test_no_secret_no_masking() -> None:
    masker = Masker.from_environ({"PATH": "/usr/bin", "SHORT_KEY": "ab"})
    assert not masker
    assert masker.mask("ab /usr/bin") == "ab /usr/bin"


def test_masked_stream_delegates_everything_else() -> None:
    inner = io.StringIO()
    stream = MaskedStream(inner, Masker(["hunter22"]))
    assert stream.write("pw hunter22\n") == len("pw hunter22\n")
    stream.writelines(["x hunter22"])
    stream.flush()
    assert inner.getvalue() == "pw ***\nx ***"
    assert stream.isatty() is False


NO_STAR = st.characters(blacklist_characters="*")


@given(st.text(NO_STAR, min_size=4, max_size=20), st.text(max_size=30), st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_a_secret_never_survives_masking(secret: str, before: str, after: str) -> None:
    """No occurrence is left, and none can form across a mask (the secret has no '*')."""
    assert secret not in Masker([secret]).mask(before + secret + after)
