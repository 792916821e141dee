"""Data links and the public address: round trips, limits, and damaged or hostile links."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant_core.errors import DataError
from assistant_core.links import (
    MAX_LINK_VALUES,
    DataLink,
    app_url,
    decode_data_link,
    encode_data_link,
    public_base_url,
)


def token_of(payload: object) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def test_round_trip_keeps_every_value_exactly():
    link = DataLink(
        {"Treatment A": [37.4, 35.8, 1e-300, -0.0, 3], "B": [0.1 + 0.2, 2.5e17, -7]},
        paired=False,
        alpha=0.01,
        alternative="less",
    )
    back = decode_data_link(encode_data_link(link))
    assert back == link


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=50),
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=50),
)
def test_any_finite_values_round_trip(a, b):
    link = DataLink({"a": a, "b": b})
    assert decode_data_link(encode_data_link(link)).groups == {"a": a, "b": b}


def test_a_few_hundred_typical_values_fit():
    values = [round(20 + (i * 7919 % 1000) / 37, 1) for i in range(400)]
    token = encode_data_link(DataLink({"x": values[:200], "y": values[200:]}))
    assert len(token) < 4000


def test_too_many_values_are_refused_with_a_reason():
    with pytest.raises(DataError, match="at most 2,000"):
        encode_data_link(DataLink({"a": [1.0] * MAX_LINK_VALUES, "b": [2.0]}))


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "empty"),
        ("%%%", "base64"),
        (base64.urlsafe_b64encode(b"not zlib").decode(), "decompress"),
        (token_of(["a list"]), "unknown format"),
        (token_of({"v": 1, "g": [["a", [1, 2]]]}), "2 to 8 groups"),
        (token_of({"v": 1, "g": [["a", [1]], ["a", [2]]]}), "repeated"),
        (token_of({"v": 1, "g": [["a", [1, "2"]], ["b", [2]]]}), "not a finite number"),
        (token_of({"v": 1, "g": [["a", [1, True]], ["b", [2]]]}), "not a finite number"),
        (token_of({"v": 1, "g": [["a", [1]], ["b", [2]]], "a": 5}), "significance level"),
        (token_of({"v": 1, "g": [["a", [1]], ["b", [2]]], "h": "sideways"}), "alternative"),
        ("A" * 20_000, "more than a link can be"),
    ],
)
def test_damaged_links_say_what_is_wrong(token, why):
    with pytest.raises(DataError, match="damaged or incomplete") as caught:
        decode_data_link(token)
    assert why in str(caught.value)


def test_a_compression_bomb_is_not_unpacked():
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" * 10_000_000, 9)).decode()
    assert len(bomb) < 16_000
    with pytest.raises(DataError, match="more than a link may hold"):
        decode_data_link(bomb)


def test_the_public_address_prefers_the_configured_one():
    assert public_base_url("https://stats.example.org/dash/", "http://10.0.0.5:8501") == (
        "https://stats.example.org/dash"
    )
    assert public_base_url(None, "http://localhost:8501/") == "http://localhost:8501"
    assert public_base_url("not a url", "http://localhost:8501") == "http://localhost:8501"
    assert public_base_url(None, None) == ""
    assert app_url("https://x.org/app", data="abc") == "https://x.org/app/?data=abc"
    assert app_url("https://x.org", "history") == "https://x.org/history"
