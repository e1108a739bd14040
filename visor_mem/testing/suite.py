"""Find and load a suite: the ``tests:`` block and the config it tests.

A suite lives either in the config itself (a ``tests:`` block beside
``steps:``) or in a separate file in Visor's layout (``.visor.tests.yaml``
with ``extends:`` naming the config).  Loading validates the block with the
pydantic models (errors name ``file:line:col`` and suggest the field meant),
checks that every step name it uses exists, and resolves each case against
``tests.defaults`` into a :class:`CasePlan`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from visor_mem.config.loaded import LoadedConfig, Position
from visor_mem.config.loader import load_config, load_parsed
from visor_mem.config.source import Source, did_you_mean
from visor_mem.config.yaml_source import parse_yaml
from visor_mem.errors import ConfigError, Location, UsageError
from visor_mem.testing.mocks import command_mock_problem
from visor_mem.testing.models import Case, ExpectBlock, TestsBlock, TestsRoot

SUITE_FILES = (
    ".visor.tests.yaml",
    ".visor.tests.yml",
    "defaults/visor.tests.yaml",
    "defaults/visor.tests.yml",
    ".visor.yaml",
    ".visor.yml",
)
"""Where ``visor test`` looks without an argument, in order (Visor's discovery, then the config)."""


@dataclass(frozen=True)
class CasePlan:
    """One case with the suite's defaults applied."""

    index: int
    model: Case
    expect: ExpectBlock
    strict: bool
    real_commands: bool | frozenset[str]
    step_tags: tuple[str, ...]
    exclude_step_tags: tuple[str, ...]
    env: Mapping[str, str]
    origins: Mapping[str, str]
    """Merged expectation (``calls.2``) → the field it was written at, when macros were merged."""

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def field(self) -> str:
        """The case's field path, e.g. ``tests.cases.3``."""
        return f"tests.cases.{self.index}"

    @property
    def skip_reason(self) -> str | None:
        skip = self.model.skip
        if skip is False or skip == "":
            return None
        return "skip: true" if skip is True else str(skip)

    def source(self, field_path: str) -> str:
        """Where an expectation of the merged ``expect`` was written (a macro, or the case)."""
        prefix = f"{self.field}.expect."
        if not self.origins or not field_path.startswith(prefix):
            return field_path
        kind, _, rest = field_path[len(prefix) :].partition(".")
        item = rest.partition(".")[0]
        return self.origins.get(f"{kind}.{item}", self.origins.get(kind, field_path))

    def runs_for_real(self, step: str) -> bool:
        """Whether an unmocked command step may run for real."""
        real = self.real_commands
        return real if isinstance(real, bool) else step in real


@dataclass(frozen=True)
class Suite:
    """A loaded suite: where it was written, the config it tests, its cases."""

    path: Path
    loaded: LoadedConfig
    cases: tuple[CasePlan, ...]
    positions: Mapping[str, Position]

    def locate(self, field_path: str) -> Location:
        """Location of a field of the suite file, or of its closest written parent."""
        probe = field_path
        while probe and probe not in self.positions:
            probe = probe.rpartition(".")[0]
        line, column = self.positions.get(probe, (None, None))
        return Location(str(self.path), line, column, field_path)


def find_suite(given: Path | None, folder: Path) -> Path:
    """The suite file: ``given``, else the first of :data:`SUITE_FILES` in ``folder``."""
    if given is not None:
        return given
    for name in SUITE_FILES:
        if (folder / name).is_file():
            return folder / name
    raise UsageError("no suite found: expected one of " + ", ".join(SUITE_FILES))


def load_suite(path: Path) -> Suite:
    """Load and check the suite in ``path``; ConfigError (exit 2) names the first problem."""
    data, positions = parse_yaml(_read(path), str(path))
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with a 'tests' block", Location(str(path), 1, 1))
    if data.get("tests") is None:
        raise ConfigError(
            "no 'tests' block: add one, or write the cases in a .visor.tests.yaml", Location(str(path))
        )
    block = _validated({"tests": data["tests"]}, path, positions)
    return _checked(Suite(path, _config_under_test(data, path, positions), _plans(block), positions), block)


def _config_under_test(data: dict[str, Any], path: Path, positions: dict[str, Position]) -> LoadedConfig:
    """The config the cases run: the file itself, or the one file its ``extends`` names.

    A suite file holding only ``extends: x.yaml`` (Visor's ``.visor.tests.yaml``)
    tests ``x.yaml`` exactly as ``visor run x.yaml`` loads it; composing would
    change it (an extending config's steps without ``on`` default to manual).
    Anything else is composed by the loader, as ``visor run`` would.  Without
    ``tests``, the loader has no inert key to warn about.
    """
    config = {k: v for k, v in data.items() if k != "tests"}
    target = config.get("extends")
    if isinstance(target, str) and set(config) <= {"version", "extends"}:
        return load_config(path.parent / target)
    return load_parsed(config, path, positions)


def _checked(suite: Suite, block: TestsBlock) -> Suite:
    check_step_names(suite, block)
    check_mock_shapes(suite)
    return suite


def select(
    cases: Sequence[CasePlan], only: Sequence[str], tags: Sequence[str], exclude_tags: Sequence[str]
) -> list[CasePlan]:
    """Cases named by ``--only`` (a case-insensitive part of the name, as Visor) and ``--tags``."""
    chosen = list(cases)
    if only:
        wanted = [text.lower() for text in only]
        chosen = [c for c in chosen if any(text in c.name.lower() for text in wanted)]
        if not chosen:
            names = [c.name for c in cases]
            hint = did_you_mean(only[0], names)
            raise UsageError(f"--only {' '.join(only)}: no case matches{hint}")
    if tags:
        chosen = [c for c in chosen if set(c.model.tags) & set(tags)]
    if exclude_tags:
        chosen = [c for c in chosen if not set(c.model.tags) & set(exclude_tags)]
    return chosen


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError("suite file not found", Location(str(path))) from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"suite file is not UTF-8 text: {err.reason}", Location(str(path))) from err
    except OSError as err:
        raise ConfigError(f"cannot read suite: {err.strerror}", Location(str(path))) from err


def _validated(data: dict[str, Any], path: Path, positions: dict[str, Position]) -> TestsBlock:
    try:
        return TestsRoot.model_validate(data).tests
    except ValidationError as err:
        from visor_mem.config.diagnose import config_error

        raise config_error(err, Source(str(path), positions), TestsRoot) from None


def has_tests_block(path: Path) -> bool:
    """Whether the YAML file at ``path`` has a top-level ``tests`` key (cheap: no validation)."""
    data, _ = parse_yaml(_read(path), str(path))
    return isinstance(data, dict) and data.get("tests") is not None


def _plans(block: TestsBlock) -> tuple[CasePlan, ...]:
    defaults = block.defaults
    plans = []
    for index, case in enumerate(block.cases):
        real = defaults.real_commands if case.real_commands is None else case.real_commands
        expect, origins = _with_macros(case.expect, defaults.macros, f"tests.cases.{index}")
        plans.append(
            CasePlan(
                index=index,
                model=case,
                expect=expect,
                origins=origins,
                strict=defaults.strict if case.strict is None else case.strict,
                real_commands=real if isinstance(real, bool) else frozenset(real),
                step_tags=tuple(dict.fromkeys([*defaults.tags, *case.tags])),
                exclude_step_tags=tuple(dict.fromkeys([*defaults.exclude_tags, *case.exclude_tags])),
                env={k: _text(v) for k, v in {**defaults.env, **case.env}.items()},
            )
        )
    return tuple(plans)


def _with_macros(
    expect: ExpectBlock, macros: Mapping[str, ExpectBlock], case_field: str
) -> tuple[ExpectBlock, dict[str, str]]:
    """Merge the named macros under the case's own expectations (lists add up, the case wins).

    Also returns where each merged item was written (``calls.2`` → the macro's
    ``tests.defaults.macros.m.calls.0``), so a failure points at its own line.
    """
    if not expect.use:
        return expect, {}
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    sources = [(f"tests.defaults.macros.{name}", macros[name]) for name in expect.use if name in macros]
    for base, block in [*sources, (f"{case_field}.expect", expect)]:
        for name in sorted(block.model_fields_set - {"use"}):
            value = getattr(block, name)
            if isinstance(value, list):
                start = len(merged.get(name, []))
                origins.update({f"{name}.{start + i}": f"{base}.{name}.{i}" for i in range(len(value))})
                merged[name] = [*merged.get(name, []), *value]
            elif isinstance(value, dict):
                origins.update({f"{name}.{key}": f"{base}.{name}.{key}" for key in value})
                merged[name] = {**merged.get(name, {}), **value}
            else:
                origins[name] = f"{base}.{name}"
                merged[name] = value
    return ExpectBlock.model_construct(_fields_set=set(merged), **merged), origins


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- step names -------------------------------------------------------------


def check_step_names(suite: Suite, block: TestsBlock) -> None:
    """Every step a case or macro mocks or expects must exist; every macro a case uses too."""
    steps = suite.loaded.spec.steps
    for field_path, name in _named_steps(suite, block):
        if name not in steps:
            raise ConfigError(f"unknown step '{name}'{did_you_mean(name, steps)}", suite.locate(field_path))
    macros = block.defaults.macros
    for case in suite.cases:
        for i, name in enumerate(case.model.expect.use):
            if name not in macros:
                where = suite.locate(f"{case.field}.expect.use.{i}")
                raise ConfigError(f"unknown macro '{name}'{did_you_mean(name, macros)}", where)


def check_mock_shapes(suite: Suite) -> None:
    """Command mocks must look like a process result; mock_js is for steps that are not commands."""
    steps = suite.loaded.spec.steps
    for case in suite.cases:
        for key, value in case.model.mocks.items():
            if steps[key.removesuffix("[]")].type != "command":
                continue
            items = list(enumerate(value)) if key.endswith("[]") else [(None, value)]
            for i, item in items:
                problem = command_mock_problem(item)
                if problem:
                    suffix = "" if i is None else f".{i}"
                    raise ConfigError(problem, suite.locate(f"{case.field}.mocks.{key}{suffix}"))
        for name in case.model.mock_js:
            if steps[name].type == "command":
                message = "mock_js replaces JavaScript; mock a command step in mocks (stdout, exit_code)"
                raise ConfigError(message, suite.locate(f"{case.field}.mock_js.{name}"))


def _named_steps(suite: Suite, block: TestsBlock) -> Iterator[tuple[str, str]]:
    for name, macro in block.defaults.macros.items():
        yield from _expected_steps(f"tests.defaults.macros.{name}", macro)
    for case in suite.cases:
        base, model = case.field, case.model
        for key in model.mocks:
            yield f"{base}.mocks.{key}", key.removesuffix("[]")
        for key in model.mock_js:
            yield f"{base}.mock_js.{key}", key
        if isinstance(model.real_commands, list):
            for i, name in enumerate(model.real_commands):
                yield f"{base}.real_commands.{i}", name
        yield from _expected_steps(f"{base}.expect", model.expect)


def _expected_steps(base: str, expect: ExpectBlock) -> Iterator[tuple[str, str]]:
    for kind in ("calls", "no_calls", "outputs"):
        for i, item in enumerate(getattr(expect, kind)):
            yield f"{base}.{kind}.{i}.step", item.step
    for name in expect.status:
        yield f"{base}.status.{name}", name
    for i, error in enumerate(expect.errors):
        if not isinstance(error, str) and error.step is not None:
            yield f"{base}.errors.{i}.step", error.step
    for i, order in enumerate(expect.order):
        yield f"{base}.order.{i}.step", order.step
        side = "before" if order.before is not None else "after"
        yield f"{base}.order.{i}.{side}", str(getattr(order, side))
