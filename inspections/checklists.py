"""The default checklists (督导清单) seeded from DOMAIN.md, and the choice of a business's checklist.

The content is data: the seed migration copies it into ChecklistTemplate rows, which the system
admin then edits. Texts are stored in Chinese, as the cadres read them on site.
"""

from inspections.models import ChecklistArea, ChecklistTemplate, IssueCategory

# The four areas of the task list (任务清单), asked of every business.
TASK_AREA_ITEMS = [
    (ChecklistArea.MANAGEMENT, "食品安全总监、食品安全员在岗履职"),
    (ChecklistArea.MANAGEMENT, "食品安全管理制度健全，主体责任落实"),
    (ChecklistArea.ROUTINE, "落实日管控、周排查、月调度"),
    (ChecklistArea.ROUTINE, "从业人员健康证明齐全有效"),
    (ChecklistArea.EMERGENCY, "食品安全事故应急预案健全，责任人明确"),
    (ChecklistArea.TRAINING, "从业人员食品安全培训和考核到位"),
]

GENERAL_ON_SITE_ITEMS = [
    (ChecklistArea.ON_SITE, "许可证件公示"),
    (ChecklistArea.ON_SITE, "场所环境卫生整洁"),
]

CATERING_TYPES = ["catering", "small_eatery", "school_canteen", "central_kitchen", "meal_delivery"]
PRODUCTION_TYPES = ["food_production", "small_workshop"]
SALES_TYPES = ["food_sales", "market", "stall"]

# name, business types, grades, on-site items beyond the general ones.
DEFAULT_TEMPLATES = [
    ("通用督导清单", [], [], []),
    (
        "餐饮服务督导清单",
        CATERING_TYPES,
        [],
        [
            (ChecklistArea.ON_SITE, "餐饮具清洗消毒"),
            (ChecklistArea.ON_SITE, "原料进货查验和索证索票"),
            (ChecklistArea.ON_SITE, "加工制作生熟分开，留样规范"),
        ],
    ),
    (
        "食品生产督导清单",
        PRODUCTION_TYPES,
        [],
        [
            (ChecklistArea.ON_SITE, "原辅料进货查验记录完整"),
            (ChecklistArea.ON_SITE, "生产过程控制和出厂检验落实"),
            (ChecklistArea.ON_SITE, "食品添加剂使用规范"),
        ],
    ),
    (
        "食品销售督导清单",
        SALES_TYPES,
        [],
        [
            (ChecklistArea.ON_SITE, "进货查验和索证索票"),
            (ChecklistArea.ON_SITE, "临近保质期和过期食品处置"),
            (ChecklistArea.ON_SITE, "食品贮存条件符合要求"),
        ],
    ),
]


def default_items(on_site_items) -> list[tuple[str, str]]:
    """The items of a default template: the task areas, the general checks, then its own."""
    return [*TASK_AREA_ITEMS, *GENERAL_ON_SITE_ITEMS, *on_site_items]


def _specificity(template: ChecklistTemplate) -> tuple[int, int]:
    return (bool(template.business_types), bool(template.grades))


def checklist_for(entity) -> ChecklistTemplate | None:
    """The most specific active template for ``entity``: type and grade beat type alone, which
    beats grade alone, which beats the general one; the oldest wins a tie."""
    candidates = [
        template
        for template in ChecklistTemplate.objects.filter(is_active=True).order_by("id")
        if template.applies_to(entity)
    ]
    if not candidates:
        return None
    return max(candidates, key=_specificity)


# The issue category a problem on a check proposes (the cadre may change it): the first keyword
# of the check's text that names one, else by the check's area.
_CATEGORY_KEYWORDS = [
    ("健康", IssueCategory.HEALTH_CERTIFICATES),
    ("许可", IssueCategory.LICENCE),
    ("证件", IssueCategory.LICENCE),
    ("消毒", IssueCategory.DISINFECTION),
    ("进货", IssueCategory.STORAGE),
    ("原料", IssueCategory.STORAGE),
    ("原辅料", IssueCategory.STORAGE),
    ("贮存", IssueCategory.STORAGE),
    ("保质期", IssueCategory.STORAGE),
    ("卫生", IssueCategory.HYGIENE),
    ("生熟", IssueCategory.HYGIENE),
]


def issue_category_for(item) -> str:
    """The category an issue raised on ``item`` most likely has."""
    for keyword, category in _CATEGORY_KEYWORDS:
        if keyword in item.text:
            return category
    if item.area == ChecklistArea.ON_SITE:
        return IssueCategory.OTHER
    return IssueCategory.MANAGEMENT
