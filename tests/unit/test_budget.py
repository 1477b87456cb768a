"""amijson/budget.py: one budget for a fleet's run, each PBX sure of its own share."""

import pytest

from amijson.budget import Budget
from amijson.errors import AmijsonError

MIB = 1 << 20


def test_the_run_shares_one_budget_and_each_pbx_keeps_its_own_share():
    budget = Budget(8 * MIB, 4)  # 4 PBXes read at once: each is sure of 2 MiB
    hostile, honest = budget.share(), budget.share()
    hostile.take(8 * MIB, "reading")  # alone, a PBX may use the whole budget
    with pytest.raises(AmijsonError) as caught:
        hostile.take(1, "reading")  # past the budget and past its share
    assert caught.value.code == "protocol" and "the run's --max-size of 8 MiB" in caught.value.message
    assert "own share of 2.00 MiB" in caught.value.message
    honest.take(2 * MIB, "reading")  # the budget is used up, and its own share is still its
    with pytest.raises(AmijsonError):
        honest.take(1, "reading")
    assert budget.used == 10 * MIB


def test_a_pbx_that_failed_gives_back_all_it_took():
    budget = Budget(4 * MIB, 64)
    first, second = budget.share(), budget.share()
    first.take(4 * MIB, "reading")
    with pytest.raises(AmijsonError):
        second.take(MIB, "reading")
    first.release()
    assert budget.used == 0 and first.taken == 0
    second.take(4 * MIB, "reading")
