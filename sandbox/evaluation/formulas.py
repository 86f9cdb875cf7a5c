"""A KPI defined by a formula over metrics: ``"(area_sprayed_ha / flight_hours) / 0.12"`` — arithmetic only.

Part of the pure core. A formula is parsed with Python's own parser and only numbers, metric names, the
four operations and parentheses are accepted (no calls, no attributes: nothing else can run). Its value
is the formula of the metrics' estimates; its uncertainty comes from evaluating it on the metrics'
sampling draws side by side (Monte Carlo propagation), which keeps skew and bounds that a delta method
would lose.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping

import numpy as np

from sandbox.trials.plan_checks import formula_problem

__all__ = ["FormulaError", "evaluate", "names_in", "parse"]

_OPERATIONS: dict[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}
MAX_LENGTH = 500


class FormulaError(ValueError):
    """The formula is not arithmetic over metric names (the message says where)."""


def parse(formula: str) -> ast.Expression:
    """The formula's tree, once the plan's own check (`trials.plan_checks.formula_problem`) finds nothing."""
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"a formula may have at most {MAX_LENGTH} characters")
    if (problem := formula_problem(formula)) is not None:
        raise FormulaError(problem.en)
    return ast.parse(formula, mode="eval")


def names_in(formula: str) -> list[str]:
    """The metric names a formula uses, in order of first appearance."""
    return list(dict.fromkeys(node.id for node in ast.walk(parse(formula)) if isinstance(node, ast.Name)))


def evaluate(formula: str, values: Mapping[str, float | np.ndarray]) -> float | np.ndarray:
    """The formula with each name replaced by its value (numbers or equally long arrays of draws).
    Division by zero gives inf or nan, as numpy does, rather than an error: the caller reports it."""
    def walk(node: ast.AST) -> object:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return np.float64(node.value)  # numpy's division: x / 0 is inf or nan, not an exception
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise FormulaError(f"unknown metric {node.id!r}")
            value = values[node.id]
            return value if isinstance(value, np.ndarray) else np.float64(value)
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner  # type: ignore[operator]
        assert isinstance(node, ast.BinOp)
        return _OPERATIONS[type(node.op)](walk(node.left), walk(node.right))

    with np.errstate(divide="ignore", invalid="ignore"):
        result = walk(parse(formula))
    return result if isinstance(result, np.ndarray) else float(result)  # type: ignore[arg-type]
