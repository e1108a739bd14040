"""Step env values: ${{ env.X }}, ${X} and $X expand as Visor's EnvironmentResolver."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config
from visor_mem.steps.env_refs import expand_env_refs

ENV = {"HOME_DIR": "/h", "EMPTY": "", "TOKEN": "t0k", "NESTED": "$TOKEN", "lower": "no"}


@pytest.mark.parametrize(
    ("value", "expanded"),
    [
        ("${{ env.HOME_DIR }}/x", "/h/x"),
        ("${{env.HOME_DIR}}", "/h"),
        ("${HOME_DIR}-${TOKEN}", "/h-t0k"),
        ("$HOME_DIR/bin:$TOKEN", "/h/bin:t0k"),
        ("a$MISSING-${MISSING}-${{ env.MISSING }}b", "a--b"),  # Visor's docs: missing is empty
        ("$EMPTY.", "."),
        ("$lower ${lower}", "$lower ${lower}"),  # names are upper case only
        ("${{ env.NESTED }}", "t0k"),  # later forms see what earlier ones produced, as in Visor
        ("$$TOKEN", "$t0k"),
        ("no references", "no references"),
        ("${{ secrets.TOKEN }}", "${{ secrets.TOKEN }}"),
    ],
)
def test_references_expand_as_in_visor(value: str, expanded: str) -> None:
    assert expand_env_refs(value, ENV) == expanded


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="${}. env01 ", max_size=40))
def test_text_without_references_is_unchanged(value: str) -> None:
    assert expand_env_refs(value, {}) == value  # the alphabet has no upper-case name after a $


def test_a_command_sees_its_expanded_env() -> None:
    config = {
        "env": {"BASE": "/opt"},
        "steps": {
            "show": {
                "type": "command",
                "exec": 'printf "%s|%s|%s" "$P" "$Q" "$R"',
                "env": {"P": "${{ env.BASE }}/bin", "Q": "${USER_NAME}", "R": "$UNSET_X"},
            }
        },
    }
    result = run_config(
        load_config(config), RunOptions(environ={"USER_NAME": "ada", "PATH": "/usr/bin:/bin"})
    )
    assert result.steps["show"].output == "/opt/bin|ada|"


def test_the_top_level_env_expands_against_the_process_environment() -> None:
    config = {
        "env": {"KEY": "${{ env.REAL_KEY }}", "MODE": "${MODE_X}-on"},
        "steps": {"show": {"type": "command", "exec": 'printf "%s %s" "$KEY" "$MODE"'}},
    }
    result = run_config(load_config(config), RunOptions(environ={"REAL_KEY": "k1", "PATH": "/usr/bin:/bin"}))
    assert result.steps["show"].output == "k1 -on"
