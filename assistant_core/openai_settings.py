"""Settings of the OpenAI backend that come from the environment: model and prices.

The API key and base URL are not read here: the ``openai`` SDK reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` itself (and nothing here ever prints or stores a key).

Prices are for the cost *estimate* shown next to the token counts. They are USD per one
million tokens, ``(input, output)``, by model. The defaults below are list prices at the
time of writing and change; set ``OPENAI_PRICES`` to JSON to override or add models, e.g.
``{"gpt-5.5": [1.25, 10.0]}`` (a model given there replaces its default). A model with no
known price gets token counts and no cost. Cached-input discounts and code-interpreter
container fees are not counted.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PRICES",
    "default_model",
    "estimate_cost",
    "load_prices",
    "price_for",
]

log = logging.getLogger(__name__)

#: the model used when neither the caller nor ``OPENAI_MODEL`` names one
DEFAULT_MODEL = "gpt-5.5"

#: model -> (USD per 1M input tokens, USD per 1M output tokens); configurable, see above
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4o": (2.50, 10.0),
    "gpt-4o-mini": (0.15, 0.60),
    "o4-mini": (1.10, 4.40),
}

Prices = Mapping[str, tuple[float, float]]


def default_model(environ: Mapping[str, str] | None = None) -> str:
    """``OPENAI_MODEL`` when set, else :data:`DEFAULT_MODEL`."""
    env = os.environ if environ is None else environ
    return (env.get("OPENAI_MODEL") or "").strip() or DEFAULT_MODEL


def _pair(value: Any) -> tuple[float, float] | None:
    """``[1.25, 10]`` or ``{"input": 1.25, "output": 10}`` -> ``(1.25, 10.0)``; None if bad."""
    if isinstance(value, Mapping):
        value = (value.get("input"), value.get("output"))
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    try:
        pair = (float(value[0]), float(value[1]))
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(p) and p >= 0 for p in pair):
        return None
    return pair


def load_prices(environ: Mapping[str, str] | None = None) -> dict[str, tuple[float, float]]:
    """The default prices, updated from ``OPENAI_PRICES`` (JSON) when it is set and valid.

    A malformed ``OPENAI_PRICES`` is logged and ignored (the defaults stay); a malformed
    entry in it is skipped.
    """
    env = os.environ if environ is None else environ
    prices = dict(DEFAULT_PRICES)
    raw = env.get("OPENAI_PRICES")
    if not raw:
        return prices
    try:
        given = json.loads(raw)
    except ValueError:
        log.warning("OPENAI_PRICES is not valid JSON; using the default prices")
        return prices
    if not isinstance(given, dict):
        log.warning("OPENAI_PRICES must be a JSON object of model -> [input, output]")
        return prices
    for model, value in given.items():
        pair = _pair(value)
        if pair is None:
            log.warning("OPENAI_PRICES: the price of %r is not [input, output]; skipped", model)
            continue
        prices[str(model)] = pair
    return prices


_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def price_for(prices: Prices, model: str | None) -> tuple[float, float] | None:
    """The price of ``model``, also for a dated snapshot (``gpt-5-2025-08-07`` -> ``gpt-5``)."""
    if not model:
        return None
    if model in prices:
        return prices[model]
    return prices.get(_SNAPSHOT.sub("", model))


def estimate_cost(
    price: tuple[float, float] | None, input_tokens: int, output_tokens: int
) -> float | None:
    """USD for the tokens at ``price`` (per million), rounded to a millionth of a dollar."""
    if price is None:
        return None
    cost = (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
    return round(cost, 6)
