"""Quarter rules in one place (季度督导). Quarters are calendar quarters in Asia/Shanghai local time.

- A visit counts for the quarter its local date falls in (23:59:59 on 31 March is Q1).
- An entity is due in a quarter for the cadre who holds it on the quarter's reference day: the last
  day of a past quarter, or today for the current one. So a business registered mid-quarter is due
  in that quarter, a business closed mid-quarter is not due (it has left the register), and after a
  mid-quarter transfer the business is due for the new holder only.
- A due entity counts as visited when it has any visit dated in the quarter, whoever made it: the
  business was supervised, and a visit by the previous holder before a transfer is not lost.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, day: datetime.date | datetime.datetime) -> "Quarter":
        """The quarter a local date, or an aware datetime in local time, falls in."""
        if isinstance(day, datetime.datetime):
            day = timezone.localdate(day)
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """'2026Q3' → Quarter(2026, 3); ValueError otherwise."""
        year, _, number = text.strip().upper().partition("Q")
        quarter = cls(int(year), int(number))
        if not 1 <= quarter.number <= 4:
            raise ValueError(text)
        return quarter

    @property
    def code(self) -> int:
        """A sortable integer stored on visits: 20263 for 2026 Q3."""
        return self.year * 10 + self.number

    @classmethod
    def from_code(cls, code: int) -> "Quarter":
        return cls(code // 10, code % 10)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    def next(self) -> "Quarter":
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def reference_day(self, today: datetime.date) -> datetime.date:
        """The day whose holdings decide what is due: today inside the quarter, else its last day."""
        return min(max(today, self.first_day), self.last_day)

    def days_left(self, today: datetime.date) -> int:
        """Days from today to the quarter's last day, both counted; 0 once it is over."""
        today = max(today, self.first_day)
        return max((self.last_day - today).days + 1, 0)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"
