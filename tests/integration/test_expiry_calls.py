"""Expiry at the floor: the hourly lifecycle run deletes each expired point with one native call and batches the
rest (the due index, the vaults and the legal holds read once a page, the points saved in transactions, the
events ten to a PutEvents). Counting calls is deterministic: this is not a timing."""

from __future__ import annotations

from collections import Counter

MAX_CALLS_PER_POINT = 1.2  # issue 13: the floor is about 1.05 (one deletion each, plus the batched calls)


def test_given_200_expired_ebs_points_when_the_lifecycle_runs_then_it_makes_at_most_1_2_aws_calls_per_point() -> None:
    from benchmarks.expiry import count_expiry_calls

    # Given 200 EBS points in two vaults past their DeleteAt, When one lifecycle run deletes them
    deleted, calls = count_expiry_calls(200)

    # Then every point is deleted with one native deletion each, and everything else is batched
    assert deleted == 200
    assert calls[("ec2", "DeleteSnapshot")] == 200
    assert calls[("events", "PutEvents")] == 20  # ten events a call
    per_point = Counter({operation: count / deleted for (_, operation), count in calls.items()})
    assert sum(calls.values()) / deleted <= MAX_CALLS_PER_POINT, per_point
    # And no read or write is made once per point any more
    assert all(count < deleted / 10 for (service, _), count in calls.items() if service == "dynamodb"), calls
