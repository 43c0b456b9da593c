"""The shape ARCHITECTURE.md asks for, checked: services take an actor, never a request;
test modules share helpers through tests/helpers.py, never by importing each other."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django.http import HttpRequest

import mildpath

ROOT = Path(mildpath.__file__).parent


def _service_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(ROOT)], prefix="mildpath."):
        parts = info.name.split(".")
        if parts[-1] == "services" or (len(parts) > 2 and parts[-2] == "services"):
            names.append(info.name)
    return sorted(names)


def _public_functions(module_name: str) -> list[tuple[str, inspect.Signature]]:
    module = importlib.import_module(module_name)
    return [
        (f"{module_name}.{name}", inspect.signature(function))
        for name, function in vars(module).items()
        if inspect.isfunction(function)
        and function.__module__ == module_name
        and not name.startswith("_")
    ]


def test_every_app_with_writes_has_service_modules_to_check():
    found = _service_modules()
    for app in ("accounts", "patients", "scheduling"):
        assert any(name.startswith(f"mildpath.{app}.services") for name in found), found


@pytest.mark.parametrize("module_name", _service_modules())
def test_no_service_function_takes_an_http_request(module_name):
    offenders = [
        f"{name}({parameter.name})"
        for name, signature in _public_functions(module_name)
        for parameter in signature.parameters.values()
        if parameter.name == "request"
        or parameter.annotation in (HttpRequest, "HttpRequest", "HttpRequest | None")
        or "HttpRequest" in str(parameter.annotation)
    ]
    assert not offenders, f"services take an actor, not a request: {offenders}"


@pytest.mark.parametrize("module_name", _service_modules())
def test_service_functions_take_their_arguments_by_keyword(module_name):
    positional = [
        f"{name}({parameter.name})"
        for name, signature in _public_functions(module_name)
        for parameter in signature.parameters.values()
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]
    assert not positional, f"service arguments are keyword-only: {positional}"


def test_no_test_module_imports_another():
    """Shared helpers live in tests/helpers.py and tests/browser.py (issue #9): a test
    module that imports another runs that module's tests' imports and fixtures too, and
    breaks when a test is renamed."""
    tests = Path(__file__).parent
    offenders = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.startswith("tests.") and ".test_" in name for name in names):
                offenders.append(f"{path.relative_to(tests)}:{node.lineno}")
    assert offenders == []
