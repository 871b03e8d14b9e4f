"""Object names as the API server accepts them (DNS-1123), and escaping for the terminal."""

from __future__ import annotations

import pytest

from kubectl_karp.errors import InputError
from kubectl_karp.model.durations import parse_duration
from kubectl_karp.model.names import (
    check_name,
    check_namespace,
    is_label,
    is_subdomain,
    printable,
)
from kubectl_karp.model.parse import parse_time


@pytest.mark.parametrize("name", ["a", "web-1", "a.b.c", "0", "x" * 253,
                                  ".".join(["x" * 63] * 3)])
def test_valid_subdomains(name: str) -> None:
    assert is_subdomain(name)
    assert check_name(name, "here") == name


@pytest.mark.parametrize("name", ["", "..", ".", "a/b", "../x", "A", "a_b", "-a", "a-", "a..b",
                                  "x" * 254, "a b", "a%2Fb", "²", "a\n", "ａ"])
def test_invalid_subdomains(name: str) -> None:
    assert not is_subdomain(name)
    with pytest.raises(InputError, match="here: invalid name"):
        check_name(name, "here")


def test_namespaces_are_labels() -> None:
    assert is_label("kube-system") and is_label("x" * 63)
    for bad in ("x" * 64, "a.b", "../x", "UPPER", ""):
        assert not is_label(bad)
        with pytest.raises(InputError, match="invalid namespace"):
            check_namespace(bad, "-n")
    with pytest.raises(InputError):
        check_name(5, "here")


def test_printable_escapes_control_characters_only() -> None:
    assert printable("web-1 ünïcode 中文") == "web-1 ünïcode 中文"
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("bell\x07 del\x7f c1\x9b rlo\u202e") == \
        "bell\\x07 del\\x7f c1\\x9b rlo\\u202e"
    assert printable("keeps\ttabs\nand lines") == "keeps\ttabs\nand lines"


def test_durations_beyond_an_int64_of_nanoseconds_are_refused() -> None:
    # upstream: Go's time.ParseDuration overflows past ~292 years
    assert parse_duration("2562047h") == 2562047 * 3600
    for text in ("2562048h", "99999999999h", "9" * 100 + "s"):
        with pytest.raises(InputError):
            parse_duration(text)


def test_timestamps_near_the_ends_of_time_are_refused() -> None:
    assert parse_time("2026-01-10T08:00:00Z") is not None
    for text in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"):
        with pytest.raises(InputError, match="out of range"):
            parse_time(text, "here")
