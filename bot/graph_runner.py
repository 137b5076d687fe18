"""Rasa's model graphs run node after node in this thread, without dask.

Rasa 3.6 runs its parse and prediction graphs with dask's synchronous scheduler: for every run
(a message's parse, then one run per predicted action) it cuts the schema down to the targets,
rebuilds the dask graph, orders it (dask.order) and dispatches every node through dask's task
queue and futures. That bookkeeping was 12% of Rasa's CPU per message on the load bench at 20
shoppers at once (py-spy, bench/README.md "Load"), for graphs of a dozen nodes that run one
after another anyway.

`SequentialGraphRunner` runs the same instantiated nodes with the same arguments: the inputs
are handed on as `(name, value)` as dask hands them, a node gets its parents' `(name, output)`
in the order of its `needs`, and a parent that nothing provides is passed as its name (the
node warns, as under dask). Which nodes run, and in which dependency order, is computed once
per targets and inputs. Errors are the nodes' own; a RuntimeError becomes Rasa's GraphRunError,
as before. bot/serve.py installs it before Rasa loads the model.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

logger = logging.getLogger(__name__)

_Plan = tuple[tuple[str, tuple[str, ...]], ...]


class SequentialGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[tuple[str, ...], frozenset[str]], _Plan] = {}

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        given = inputs or {}
        plan = self._plan(tuple(run_targets), frozenset(given))
        names = {node_name for node_name, _ in plan}
        for name, value in given.items():
            if isinstance(value, str) and value in names:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                    f"names passed to the `run` method are the same as node names in the graph schema.")
            names.add(name)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
        outputs: dict[str, Any] = {name: (name, value) for name, value in given.items()}
        try:
            for node_name, needs in plan:
                outputs[node_name] = self._instantiated_nodes[node_name](*(outputs.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(outputs[target] for target in run_targets)

    def _plan(self, targets: tuple[str, ...], inputs: frozenset[str]) -> _Plan:
        """The nodes the targets need, each after its parents; an input stands in for a node of its name."""
        plan = self._plans.get((targets, inputs))
        if plan is None:
            nodes = self._graph_schema.nodes
            ordered: list[tuple[str, tuple[str, ...]]] = []
            seen: set[str] = set()

            def visit(name: str) -> None:
                if name in seen or name in inputs or name not in nodes:
                    return
                seen.add(name)
                needs = tuple(nodes[name].needs.values())
                for need in needs:
                    visit(need)
                ordered.append((name, needs))

            for target in targets:
                visit(target)
            plan = self._plans[(targets, inputs)] = tuple(ordered)
        return plan


def install() -> None:
    """Rasa's processor loads its model with this runner instead of DaskGraphRunner."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
