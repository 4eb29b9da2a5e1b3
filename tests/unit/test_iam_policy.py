"""The IAM evaluator (lambdas/domain/iam_policy.py) against IAM's documented semantics: a table per condition
operator (match, no match, key missing), the set operators, IfExists and Null, wildcards, Not* elements, and
the evaluation order (explicit deny wins, no allow is a deny). Each row is a case IAM's documentation states."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.domain.iam_policy import (
    Decision,
    Request,
    arn_matches,
    condition_test_holds,
    evaluate,
    glob_matches,
    substitute,
)

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
VAULT = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:prod"


def holds(operator: str, key: str, wanted: Any, **context: Any) -> bool:
    values = {k.replace("__", ":").lower(): tuple(v) if isinstance(v, list) else (v,) for k, v in context.items()}
    return condition_test_holds(operator, key, wanted, values)


# (operator, policy value, request value or None for a missing key, expected)
OPERATOR_TABLE: list[tuple[str, Any, Any, bool]] = [
    ("StringEquals", "prod", "prod", True),
    ("StringEquals", "prod", "Prod", False),  # case-sensitive
    ("StringEquals", ["dev", "prod"], "prod", True),  # values of one key are ORed
    ("StringEquals", "prod", None, False),  # a missing key: false
    ("StringNotEquals", "prod", "dev", True),
    ("StringNotEquals", ["dev", "prod"], "prod", False),
    ("StringNotEquals", "prod", None, True),  # a negated operator with a missing key: true
    ("StringEqualsIgnoreCase", "PROD", "prod", True),
    ("StringEqualsIgnoreCase", "prod", "dev", False),
    ("StringEqualsIgnoreCase", "prod", None, False),
    ("StringNotEqualsIgnoreCase", "PROD", "prod", False),
    ("StringNotEqualsIgnoreCase", "PROD", "dev", True),
    ("StringNotEqualsIgnoreCase", "prod", None, True),
    ("StringLike", "pro*", "production", True),
    ("StringLike", "pr?d", "prod", True),
    ("StringLike", "pr?d", "pod", False),
    ("StringLike", "[a]*", "a-thing", False),  # `[` is literal in IAM, not a character class
    ("StringLike", "pro*", None, False),
    ("StringNotLike", "pro*", "dev", True),
    ("StringNotLike", "pro*", "prod", False),
    ("StringNotLike", "pro*", None, True),
    ("NumericEquals", "10", "10.0", True),
    ("NumericEquals", "10", "eleven", False),  # not a number: no match
    ("NumericNotEquals", "10", "11", True),
    ("NumericNotEquals", "10", None, True),
    ("NumericLessThan", "10", "9", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThanEquals", "10", "10", True),
    ("NumericGreaterThan", "10", "11", True),
    ("NumericGreaterThan", "10", "10", False),
    ("NumericGreaterThanEquals", "10", "10", True),
    ("NumericGreaterThan", "10", None, False),
    ("DateEquals", "2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", True),
    ("DateNotEquals", "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", True),
    ("DateLessThan", "2026-06-01T00:00:00Z", "2026-05-31T23:59:59Z", True),
    ("DateLessThan", "2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", False),
    ("DateLessThanEquals", "2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", True),
    ("DateGreaterThan", "2026-06-01T00:00:00Z", "2026-06-01T00:00:01Z", True),
    ("DateGreaterThan", "1780272000", "2026-06-01T00:00:01Z", True),  # epoch seconds compare with ISO dates
    ("DateGreaterThanEquals", "2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", True),
    ("DateGreaterThan", "2026-06-01T00:00:00Z", None, False),
    ("Bool", "true", "true", True),
    ("Bool", True, "true", True),  # a JSON boolean in the policy
    ("Bool", "true", "false", False),
    ("Bool", "false", None, False),
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", True),
    ("BinaryEquals", "QmluYXJ5", "T3RoZXI=", False),
    ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", "203.0.113.0/24", "198.51.100.7", False),
    ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
    ("IpAddress", "203.0.113.0/24", None, False),
    ("NotIpAddress", "203.0.113.0/24", "198.51.100.7", True),
    ("NotIpAddress", "203.0.113.0/24", "203.0.113.7", False),
    ("NotIpAddress", "203.0.113.0/24", None, True),
    ("ArnEquals", f"arn:aws:iam::{ACCOUNT}:role/ops", f"arn:aws:iam::{ACCOUNT}:role/ops", True),
    ("ArnLike", "arn:aws:iam::*:role/ops-*", f"arn:aws:iam::{ACCOUNT}:role/ops-east", True),
    ("ArnLike", "arn:aws:iam::*:role/ops-*", f"arn:aws:iam::{ACCOUNT}:user/ops-east", False),
    ("ArnLike", "arn:aws:*:role/ops", f"arn:aws:iam::{ACCOUNT}:role/ops", False),  # a `*` never spans ARN parts
    ("ArnLike", "arn:aws:iam::*:role/*", None, False),
    ("ArnNotEquals", f"arn:aws:iam::{ACCOUNT}:role/ops", f"arn:aws:iam::{ACCOUNT}:role/dev", True),
    ("ArnNotLike", "arn:aws:iam::*:role/ops-*", f"arn:aws:iam::{ACCOUNT}:role/ops-1", False),
    ("ArnNotLike", "arn:aws:iam::*:role/ops-*", None, True),
]


@pytest.mark.parametrize(("operator", "wanted", "actual", "expected"), OPERATOR_TABLE)
def test_condition_operators_as_iam_documents_them(operator: str, wanted: Any, actual: Any, expected: bool) -> None:
    context = {} if actual is None else {"k__key": actual}
    assert holds(operator, "k:key", wanted, **context) is expected


@pytest.mark.parametrize(("operator", "wanted", "actual", "expected"), OPERATOR_TABLE)
def test_if_exists_is_the_operator_when_the_key_is_there_and_true_when_it_is_not(
    operator: str, wanted: Any, actual: Any, expected: bool
) -> None:
    context = {} if actual is None else {"k__key": actual}
    assert holds(f"{operator}IfExists", "k:key", wanted, **context) is (True if actual is None else expected)


def test_null_tests_presence_alone() -> None:
    assert holds("Null", "aws:SourceIp", "true") is True  # missing: "is null" holds
    assert holds("Null", "aws:SourceIp", "false") is False
    assert holds("Null", "aws:SourceIp", "true", aws__sourceip="203.0.113.1") is False
    assert holds("Null", "aws:SourceIp", "false", aws__sourceip="203.0.113.1") is True


def test_condition_keys_are_case_insensitive() -> None:
    assert holds("StringEquals", "AWS:PrincipalAccount", ACCOUNT, aws__principalaccount=ACCOUNT)


def test_set_operators_on_multivalued_keys() -> None:
    # ForAllValues: every request value is in the policy's set; true when the key is missing
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env"], aws__tagkeys=["team"])
    assert not holds("ForAllValues:StringEquals", "aws:TagKeys", ["team"], aws__tagkeys=["team", "owner"])
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["team"])
    # ForAnyValue: at least one request value is in the set; false when the key is missing
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", ["owner"], aws__tagkeys=["team", "owner"])
    assert not holds("ForAnyValue:StringEquals", "aws:TagKeys", ["x"], aws__tagkeys=["team"])
    assert not holds("ForAnyValue:StringEquals", "aws:TagKeys", ["team"])
    # negated with a set operator: no value of the request may be one of the policy's
    assert holds("ForAllValues:StringNotLike", "aws:TagKeys", ["secret*"], aws__tagkeys=["team", "env"])
    assert not holds("ForAllValues:StringNotLike", "aws:TagKeys", ["secret*"], aws__tagkeys=["team", "secret-x"])


def test_unknown_operators_never_hold() -> None:
    assert not holds("StringSortOf", "k:key", "x", k__key="x")
    assert not holds("SomeValues:StringEquals", "k:key", "x", k__key="x")


def test_policy_variables_take_the_requests_values_and_missing_ones_match_nothing() -> None:
    context = {"aws:username": ("alice",)}
    assert substitute("arn:aws:iam::*:user/${aws:username}", context) == "arn:aws:iam::*:user/alice"
    assert substitute("${aws:PrincipalTag/team}", context) is None
    assert substitute("${aws:PrincipalTag/team, 'none'}", context) == "none"
    assert substitute("literal-${*}", context) == "literal-*"


# Statements and the evaluation order


def request(action: str = "backup:DeleteRecoveryPoint", resource: str = VAULT, **context: str) -> Request:
    return Request(action, resource, USER, ACCOUNT, {k.lower(): (v,) for k, v in context.items()})


def allow(**statement: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", **statement}]}


def test_no_statement_is_an_implicit_deny_and_an_allow_allows() -> None:
    assert evaluate([], request()) == Decision.IMPLICIT_DENY
    assert evaluate([allow(Action="backup:*", Resource="*")], request()) == Decision.ALLOWED


def test_an_explicit_deny_wins_over_any_allow_in_any_policy() -> None:
    policies = [
        allow(Action="*", Resource="*"),
        {"Statement": {"Effect": "Deny", "Action": "backup:Delete*", "Resource": "*"}},
    ]
    assert evaluate(policies, request()) == Decision.EXPLICIT_DENY
    assert evaluate(policies, request("backup:ListBackupJobs", "*")) == Decision.ALLOWED


def test_actions_match_case_insensitively_resources_case_sensitively() -> None:
    assert evaluate([allow(Action="BACKUP:deleterecoverypoint", Resource=VAULT)], request()) == Decision.ALLOWED
    assert evaluate([allow(Action="backup:*", Resource=VAULT.upper())], request()) == Decision.IMPLICIT_DENY


def test_not_action_and_not_resource_grant_everything_else() -> None:
    everything_but_deletes = allow(NotAction="backup:Delete*", Resource="*")
    assert evaluate([everything_but_deletes], request()) == Decision.IMPLICIT_DENY
    assert evaluate([everything_but_deletes], request("backup:ListBackupJobs", "*")) == Decision.ALLOWED
    outside_prod = allow(Action="backup:*", NotResource="arn:aws:backup:*:*:backup-vault:prod*")
    assert evaluate([outside_prod], request()) == Decision.IMPLICIT_DENY
    assert evaluate([outside_prod], request(resource=VAULT.replace("prod", "dev"))) == Decision.ALLOWED


def test_a_statement_with_a_condition_applies_only_when_it_holds() -> None:
    office_hours_deny = {
        "Statement": [
            {"Effect": "Allow", "Action": "backup:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "backup:DeleteRecoveryPoint",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            },
        ]
    }
    assert evaluate([office_hours_deny], request(**{"aws:SourceIp": "10.1.2.3"})) == Decision.ALLOWED
    assert evaluate([office_hours_deny], request(**{"aws:SourceIp": "203.0.113.9"})) == Decision.EXPLICIT_DENY
    assert evaluate([office_hours_deny], request()) == Decision.EXPLICIT_DENY  # unknown source: NotIpAddress holds


def test_resource_policies_match_principals_and_their_role_sessions() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/team/ops"
    session = Request("backup:DeleteRecoveryPoint", VAULT, f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/me", ACCOUNT)
    deny_role = {"Statement": [{"Effect": "Deny", "Principal": {"AWS": role}, "Action": "backup:*", "Resource": "*"}]}
    assert evaluate([deny_role], session, resource_policy=True) == Decision.EXPLICIT_DENY
    assert evaluate([deny_role], request(), resource_policy=True) == Decision.IMPLICIT_DENY
    # the account (number or :root) stands for every principal of the account
    deny_account = {"Statement": [{"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "*", "Resource": "*"}]}
    assert evaluate([deny_account], request(), resource_policy=True) == Decision.EXPLICIT_DENY
    # NotPrincipal: everyone but the named principal
    all_but_alice = {"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "*", "Resource": "*"}]}
    assert evaluate([all_but_alice], request(), resource_policy=True) == Decision.IMPLICIT_DENY
    assert evaluate([all_but_alice], session, resource_policy=True) == Decision.EXPLICIT_DENY


# Properties

_text = st.text(alphabet="abcXYZ09-_:/.[]", max_size=12)


@given(_text)
def test_every_string_matches_itself_and_star(value: str) -> None:
    assert glob_matches(value.replace("*", "").replace("?", ""), value.replace("*", "").replace("?", ""))
    assert glob_matches("*", value)
    assert arn_matches(f"arn:aws:backup:us-east-1:{ACCOUNT}:*", f"arn:aws:backup:us-east-1:{ACCOUNT}:{value or 'x'}")


@given(_text, _text)
def test_a_negated_operator_is_the_opposite_when_the_key_is_present(wanted: str, actual: str) -> None:
    for positive, negative in [
        ("StringEquals", "StringNotEquals"),
        ("StringLike", "StringNotLike"),
        ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
        ("ArnLike", "ArnNotLike"),
    ]:
        context = {"k:key": (actual,)}
        assert condition_test_holds(positive, "k:key", wanted, context) != condition_test_holds(
            negative, "k:key", wanted, context
        )


@given(st.lists(_text, max_size=4), st.lists(_text, max_size=4))
def test_a_deny_statement_added_to_any_policy_is_never_overridden(allowed_actions: list[str], extra: list[str]) -> None:
    policies = [
        allow(Action=[*allowed_actions, "backup:*"], Resource="*"),
        allow(Action=extra or ["*"], Resource="*"),
        {"Statement": [{"Effect": "Deny", "Action": "backup:DeleteRecoveryPoint", "Resource": VAULT}]},
    ]
    assert evaluate(policies, request()) == Decision.EXPLICIT_DENY
