"""All user-facing text lives in core/labels.py: no CJK string literal in pages, sidebar, uploads or charts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.labels import ZH

ROOT = Path(__file__).resolve().parents[1]
SCANNED = sorted(
    [
        *ROOT.glob("pages/*.py"),
        ROOT / "dashboard" / "app.py",
        ROOT / "dashboard" / "layout.py",
        ROOT / "dashboard" / "uploads.py",
        ROOT / "dashboard" / "charts.py",
        ROOT / "streamlit_app.py",
    ]
)
# CJK ideographs, radicals, CJK punctuation (、。「」（）…), full-width forms (（）：，) and compatibility forms.
CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the Constant nodes that are docstrings (module, class, function)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def cjk_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal (f-string parts included) holding a CJK character, docstrings excluded."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CJK.search(node.value)
    ]


def test_the_scan_finds_literals_but_not_docstrings_or_comments():
    source = '"""总览."""\n# 注释\ndef f():\n    """说明."""\n    return f"共 {1} 项" + "a"\n'
    assert sorted(text for _, text in cjk_literals(source)) == [" 项", "共 "]


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_user_facing_text_outside_the_catalogue(path):
    found = cjk_literals(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: move to core/labels.py and use t(...): {found}"


def test_catalogue_keys_are_unique():
    """A key written twice in the ZH literal would silently lose its first text."""
    tree = ast.parse((ROOT / "core" / "labels.py").read_text(encoding="utf-8"))
    catalogue = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "ZH"
    )
    keys = [k.value for k in catalogue.keys]
    assert len(keys) == len(set(keys)) == len(ZH), {k for k in keys if keys.count(k) > 1}
