"""Authentication-Results (RFC 8601): comments and quoted strings do not hide or fake a result."""

from __future__ import annotations

import pytest

from mail.authresults import AuthResultsError, parse_auth_results


def test_comments_nested_and_escaped_are_dropped() -> None:
    header = parse_auth_results(
        "mx.example.jp (Postfix (v3\\) \\( x)); spf=pass (sender IP (1.2.3.4) ok)"
        " smtp.mailfrom=a.example; dmarc=fail (p=REJECT) header.from=a.example"
    )
    assert header.authserv_id == "mx.example.jp"
    assert header.results == {"spf": "pass", "dmarc": "fail"}


def test_a_parenthesis_inside_a_quoted_string_opens_no_comment() -> None:
    header = parse_auth_results('mx.example.jp; spf=pass smtp.mailfrom="(x"; dkim=fail')
    assert header.results == {"spf": "pass", "dkim": "fail"}


def test_a_closing_parenthesis_outside_a_comment_is_kept_as_written() -> None:
    with pytest.raises(AuthResultsError, match="not method=result"):
        parse_auth_results("mx.example.jp; ) spf=pass")


def test_an_unclosed_comment_is_an_error() -> None:
    with pytest.raises(AuthResultsError, match="unbalanced comment"):
        parse_auth_results("mx.example.jp; spf=pass (never closed")


def test_a_header_without_comments_reads_as_written() -> None:
    header = parse_auth_results("MX.Example.JP 1; SPF=SoftFail smtp.mailfrom=a.example; none")
    assert (header.authserv_id, header.results) == ("mx.example.jp", {"spf": "softfail"})
