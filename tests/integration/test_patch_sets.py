"""The patch sets the local runtime applies (local/patch_sets.py), against the moto installed: every target is there
(a moto upgrade that moved one fails here, and at the runtime's start), each patch changes what it names while
applied, and undoing the whole list leaves moto exactly as it was."""

from __future__ import annotations

from typing import Any

from local import patch_sets
from local.patching import Patch, resolve

NOT_ITS_OWN = object()


def _own(patch: Patch) -> Any:
    return vars(resolve(patch.target)).get(patch.attribute, NOT_ITS_OWN)


def test_given_the_runtimes_sets_when_applied_and_undone_then_moto_is_exactly_as_before() -> None:
    runtime = patch_sets.runtime()
    declared = list(runtime.patches())
    before = [_own(patch) for patch in declared]

    undo = runtime.apply()
    try:
        # Then every declared patch is in place (the last one of an attribute patched twice is on top)
        changed = [patch.describe() for patch, was in zip(declared, before, strict=True) if _own(patch) is was]
        assert changed == []
    finally:
        undo()

    still_patched = [patch.describe() for patch, was in zip(declared, before, strict=True) if _own(patch) is not was]
    assert still_patched == []


def test_given_the_runtimes_sets_then_each_patch_says_which_aws_behaviour_it_matches() -> None:
    unexplained = [patch.describe() for patch in patch_sets.runtime().patches() if len(patch.why) < 20]
    assert unexplained == []


def test_given_the_generic_filter_bindings_then_every_ec2_module_is_patched_and_put_back() -> None:
    """The one set whose patches are listed when applied: moto's EC2 modules each bind generic_filter by name."""
    import moto.ec2.models.elastic_block_store as ebs
    from moto.ec2 import utils

    from local import ec2_gaps

    moto_filter = utils.generic_filter
    with ec2_gaps.PATCHES.applied():
        assert ebs.generic_filter is not moto_filter and utils.generic_filter is ebs.generic_filter
    assert ebs.generic_filter is moto_filter and utils.generic_filter is moto_filter
