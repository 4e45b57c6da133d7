"""The product code stays readable (issue #13): no function over 60 lines. Complexity is held at
radon's grade C or better by ruff's C901 (max-complexity 20, pyproject.toml)."""

import ast
from pathlib import Path

from django.conf import settings

PRODUCT = ("backcare", "exercises", "intake", "deploy")
MAX_LINES = 60


def test_no_product_function_is_longer_than_sixty_lines():
    too_long = []
    for package in PRODUCT:
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # generated, and frozen by design
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_LINES:
                        too_long.append(f"{path}:{node.lineno} {node.name} ({lines} lines)")
    assert too_long == []
