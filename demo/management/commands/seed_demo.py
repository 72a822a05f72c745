"""``manage.py seed_demo``: the demo city and its logins; running it again changes nothing."""

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from baobao.models import Level
from demo.seed import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    demo_logins,
    seed_demo,
)

LEVEL_LABELS = {
    Level.CITY: "市级",
    Level.COUNTY: "县级",
    Level.TOWNSHIP: "乡镇级",
    Level.VILLAGE: "村级",
}
MAX_SCALE = 100
COLUMN_WIDTHS = (11, 20, 12, 10, 0)


class Command(BaseCommand):
    help = (
        "生成演示数据：铜仁市规模的区划、包保主体、包保干部、协保员/联络员、包保关系和台账，"
        "并列出演示账号。演示城市已有数据时不作任何改动。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="规模：1 为铜仁市实际数量（39,269 家主体、8,844 名干部）；大于 1 时增加示范市",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"演示账号的密码（默认 {DEFAULT_PASSWORD}）",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"随机数种子（默认 {DEFAULT_SEED}）"
        )

    def handle(self, *args, scale, password, seed, **options):
        if not 0 < scale <= MAX_SCALE:
            raise CommandError(f"--scale 须大于 0 且不超过 {MAX_SCALE}（收到 {scale}）")
        if not password:
            raise CommandError("--password 不能为空")
        started = time.monotonic()
        totals = seed_demo(scale=scale, password=password, seed=seed, progress=self._progress)
        if totals is None:
            self.stdout.write("演示数据已存在（铜仁市已有包保主体），未作任何改动。")
        else:
            self._summary(totals, scale, time.monotonic() - started)
        self._logins(
            password if totals else None, skipped=totals["skipped_users"] if totals else ()
        )

    def _progress(self, line: str) -> None:
        """One line per city, shown at once: a large seed runs for minutes."""
        self.stdout.write(line)
        self.stdout.flush()

    def _summary(self, totals: dict, scale: float, seconds: float) -> None:
        grades, levels = totals["grades"], totals["levels"]
        out = self.stdout.write
        out(
            self.style.SUCCESS(
                f"演示数据已生成：{totals['cities']} 个市，规模 {scale:g}，用时 {seconds:.1f} 秒"
            )
        )
        out(
            f"包保主体 {sum(grades.values()):,} 家："
            + " / ".join(f"{g} {n:,}" for g, n in grades.items())
            + f"（停业 {totals['suspended']:,}，关停 {totals['closed']:,}）"
        )
        out(
            f"包保干部 {sum(levels.values()):,} 人："
            + " / ".join(f"{LEVEL_LABELS[lvl]} {n:,}" for lvl, n in levels.items())
            + f"（离岗 {totals['left']:,}）；协保员、联络员 {totals['aides']:,} 人"
        )
        out(
            f"包保关系 {totals['holdings']:,} 条，其中提级包保 {totals['escalated']:,} 条；"
            f"分片包保片区 {totals['zones']:,} 个"
        )
        out(
            f"覆盖缺口：未落实包保干部 {totals['unheld']:,} 家，"
            f"包保干部已离岗未调整 {totals['held_by_left']:,} 家"
        )
        for username in totals["skipped_users"]:
            out(self.style.WARNING(f"用户名 {username} 已被占用，未创建该演示账号"))

    def _logins(self, password: str | None, *, skipped=()) -> None:
        """The logins table; ``password`` is None when this run did not set it."""
        out = self.stdout.write
        out("")
        out(
            "演示账号"
            + ("：" if password else f"（密码为首次生成时设定的密码，默认 {DEFAULT_PASSWORD}）：")
        )
        out("  " + _row("用户名", "角色", "范围", "姓名", "密码"))
        for login in demo_logins():
            shown = password if password and login.username not in skipped else "—"
            out("  " + _row(login.username, login.role, login.scope, login.name, shown))


def _row(*cells: str) -> str:
    return "".join(_pad(c, w) for c, w in zip(cells, COLUMN_WIDTHS, strict=True))


def _pad(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns; Chinese characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0 if width == 0 else 1, width - used)
