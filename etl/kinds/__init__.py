"""The registry of file kinds. A kind of file (its columns, recognition, normalising, loading,
undo, preview and template) is one module here; adding a kind is adding a module and listing it
below. The pipeline, the loader, the CLI's --kind, the history page and the templates ask here.

Order matters where two kinds match a sheet equally well: the first listed wins."""

from __future__ import annotations

from etl.kinds import (
    demands,
    districts,
    events,
    loans,
    pushes,
    registrations,
    roster,
    subsidy_claims,
    subsidy_policy,
    targets,
)
from etl.kinds.base import Context, FileKind

KINDS: dict[str, FileKind] = {
    k.name: k
    for k in (
        loans.KIND,
        targets.KIND,
        districts.KIND,
        registrations.KIND,
        roster.KIND,
        events.KIND,
        demands.KIND,
        pushes.KIND,
        subsidy_claims.KIND,
        subsidy_policy.KIND,
    )
}


def get(name: str | None) -> FileKind:
    """The kind of that name (a parsed file whose kind was not recognised has none: ValueError)."""
    if name is None or name not in KINDS:
        raise ValueError(f"未知的文件类型：{name}")
    return KINDS[name]


def label(name: str | None) -> str:
    return KINDS[name].label if name in KINDS else "未识别"


__all__ = ["KINDS", "Context", "FileKind", "get", "label"]
