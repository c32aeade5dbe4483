"""The desk's next opening (R19: 平日 9:00–18:00 JST), for telling a customer when staff answer."""

from __future__ import annotations

from datetime import datetime

import pytest

from knowledge.rules.calendar import JST
from knowledge.rules.desk import next_opening


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (datetime(2026, 12, 3, 10, 0), datetime(2026, 12, 3, 10, 0)),  # open: now
        (datetime(2026, 12, 3, 7, 30), datetime(2026, 12, 3, 9, 0)),  # early morning
        (datetime(2026, 12, 3, 18, 0), datetime(2026, 12, 4, 9, 0)),  # closing time
        (datetime(2026, 12, 4, 21, 0), datetime(2026, 12, 7, 9, 0)),  # Friday night → Monday
        (datetime(2026, 12, 28, 19, 0), datetime(2027, 1, 4, 9, 0)),  # the year-end break
        (datetime(2027, 1, 10, 12, 0), datetime(2027, 1, 12, 9, 0)),  # Sunday, then 成人の日
    ],
)
def test_the_next_opening_skips_nights_weekends_and_holidays(
    moment: datetime, opens: datetime
) -> None:
    assert next_opening(moment.replace(tzinfo=JST)) == opens.replace(tzinfo=JST)
