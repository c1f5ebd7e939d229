"""The HTTP API's routes as the synthesized template has them, and API Gateway's choice among them.

Each ``AWS::ApiGatewayV2::Route`` names its integration (``integrations/<ref>``), whose ``IntegrationUri`` is
a function's ARN, and its authorizer, whose ``AuthorizerUri`` holds the authorizer function's ARN. The local
API dispatches each request to the function API Gateway would invoke: the most specific matching route
(literal segments over path variables over a greedy ``{proxy+}``; a method over ``ANY``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    key: str  # "GET /v1/health", "ANY /v1/{proxy+}"
    method: str
    pattern: re.Pattern[str]
    specificity: tuple[int, int, int]
    function: str  # the construct id of the function it invokes
    authorizer: str | None  # the construct id of its Lambda authorizer, None when open

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _path_pattern(path: str) -> tuple[re.Pattern[str], tuple[int, int]]:
    parts, literals, greedy = [], 0, 0
    for segment in path.strip("/").split("/"):
        variable = re.fullmatch(r"\{(\w+)(\+?)\}", segment)
        if variable is None:
            parts.append(re.escape(segment))
            literals += 1
        elif variable[2]:
            parts.append(f"(?P<{variable[1]}>.+)")
            greedy = 1
        else:
            parts.append(f"(?P<{variable[1]}>[^/]+)")
    return re.compile("/" + "/".join(parts)), (literals, -greedy)


def _function_of(value: Any, functions: dict[str, str]) -> str:
    """The construct id of the one Lambda function an ARN-valued property points at."""
    text = json.dumps(value)
    (found,) = {construct_id for logical_id, construct_id in functions.items() if f'"{logical_id}"' in text}
    return found


def routes_of(template: Any) -> list[Route]:
    """Every route of the template's HTTP API (``template``: ``infra.localcloud.template.Template``)."""
    functions = {r.logical_id: r.construct_id for r in template.of_type("AWS::Lambda::Function")}
    resources = template.raw["Resources"]
    out = []
    for route in template.of_type("AWS::ApiGatewayV2::Route"):
        props = route.properties
        (integration,) = [p["Ref"] for p in props["Target"]["Fn::Join"][1] if isinstance(p, dict)]
        authorizer = None
        if props.get("AuthorizationType", "NONE") == "CUSTOM":
            uri = resources[props["AuthorizerId"]["Ref"]]["Properties"]["AuthorizerUri"]
            authorizer = _function_of(uri, functions)
        method, path = props["RouteKey"].split(" ", 1)
        pattern, (literals, greedy) = _path_pattern(path)
        out.append(
            Route(
                key=props["RouteKey"],
                method=method,
                pattern=pattern,
                specificity=(literals, greedy, int(method != "ANY")),
                function=_function_of(resources[integration]["Properties"]["IntegrationUri"], functions),
                authorizer=authorizer,
            )
        )
    return out


def select(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway picks for ``method path`` and its path parameters, or None (its 404)."""
    matched = [(r, params) for r in routes if (params := r.matches(method.upper(), path)) is not None]
    if not matched:
        return None
    return max(matched, key=lambda found: found[0].specificity)
