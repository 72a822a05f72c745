from django.db import migrations

# 每日食品安全检查 items (editable in the admin); empty business types = every type.
ITEMS = [
    ([], "证照：许可证在有效期内并悬挂公示"),
    ([], "人员健康：从业人员健康证有效、晨检正常"),
    ([], "原料进货查验：索证索票、查验记录完整，无过期变质原料"),
    (["catering", "school_canteen", "central_kitchen", "meal_delivery", "small_eatery"], "加工制作：生熟分开，烧熟煮透，操作规范"),
    (["food_production", "small_workshop"], "生产过程：投料、工艺参数、出厂检验按规定执行"),
    ([], "环境卫生：场所清洁，防鼠防蝇防虫设施有效"),
    (["catering", "school_canteen", "central_kitchen", "meal_delivery", "small_eatery"], "餐具消毒：餐用具清洗消毒并保洁存放"),
    (["school_canteen", "central_kitchen", "meal_delivery"], "留样：每餐次留样不少于125克、冷藏48小时以上"),
]
# Small shops and stalls follow simplified rules (Order 60 leaves them to local practice).
POLICIES = [
    ("stall", "", "exempt", "摊贩免于记录"),
    ("small_eatery", "", "daily_only", "小餐饮仅日管控"),
    ("small_workshop", "", "daily_only", "小作坊仅日管控"),
    ("", "D", "daily_only", "D级仅日管控"),
]


def forwards(apps, schema_editor):
    Item = apps.get_model("enterprises", "DailyCheckItem")
    Policy = apps.get_model("enterprises", "RecordPolicy")
    for order, (types, text) in enumerate(ITEMS):
        Item.objects.get_or_create(text=text, defaults={"business_types": types, "order": order})
    for business_type, grade, requirement, note in POLICIES:
        Policy.objects.get_or_create(
            business_type=business_type,
            grade=grade,
            defaults={"requirement": requirement, "note": note},
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_enterprise_records")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
