"""Follow a pydantic error ``loc`` through the model types.

pydantic's ``loc`` mixes data keys with union tags (``('steps', 'build',
'memory', 'key')``, where ``memory`` is the discriminator value, or ``'str'`` /
``'RunTarget'`` for the members of a plain union).  Walking the annotations
alongside the ``loc`` tells the two apart, and tells what was expected where
the error happened: the model owning the field (for did-you-mean on keys) and
the annotation of the value (for the choices of a ``Literal``).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

_UNIONS = (Union, types.UnionType)


@dataclass(frozen=True)
class ResolvedLoc:
    """A ``loc`` with union tags removed, plus the types met at its end."""

    parts: tuple[str | int, ...]
    owner: type[BaseModel] | None
    """The model whose field the last part names (or fails to name)."""
    annotation: Any
    """The expected type at the end of the path; ``None`` when unknown."""


def resolve_loc(loc: tuple[str | int, ...], root: type[BaseModel]) -> ResolvedLoc:
    """Strip union tags from ``loc`` and find the model and type at its end."""
    parts: list[str | int] = []
    owner: type[BaseModel] | None = None
    annotation: Any = root
    for part in loc:
        annotation = unwrap(annotation)
        member = union_member(annotation, part)
        if member is not None:
            annotation = member
            continue
        if _is_model(annotation):
            owner = annotation
        annotation = _child(annotation, part)
        parts.append(part)
    return ResolvedLoc(tuple(parts), owner, unwrap(annotation))


def unwrap(annotation: Any) -> Any:
    """Drop ``Annotated`` metadata and ``None`` from ``X | None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in _UNIONS:
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return unwrap(members[0])
    return annotation


def union_members(annotation: Any) -> list[Any]:
    """Members of a union (after :func:`unwrap`); empty for anything else."""
    if get_origin(annotation) in _UNIONS:
        return [unwrap(arg) for arg in get_args(annotation) if arg is not type(None)]
    return []


def union_member(annotation: Any, tag: str | int) -> Any:
    """The member of a union that pydantic names ``tag`` in a ``loc``, if any."""
    for member in union_members(annotation):
        if tag == getattr(member, "__name__", None) or tag in discriminator_values(member):
            return member
    return None


def discriminator_values(member: Any) -> tuple[Any, ...]:
    """Values of a model's ``type: Literal[...]`` field (the step discriminator)."""
    if not _is_model(member) or "type" not in member.model_fields:
        return ()
    annotation = unwrap(member.model_fields["type"].annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def field_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as written in YAML (aliases where set)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _child(annotation: Any, part: str | int) -> Any:
    if _is_model(annotation):
        for name, info in annotation.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
