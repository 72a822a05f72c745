"""Chinese names, addresses, phones and registration codes for the demo data.

Every function takes the seeded ``random.Random`` so that a seed always gives the same city.
"""

import random

from baobao.validators import USCC_CHARSET, uscc_check_char
from entities.models import BusinessType, Grade

# Common surnames of eastern Guizhou (杨, 田, 龙, 吴 are frequent among Dong, Miao and Tujia).
SURNAMES = (
    "杨杨杨田田龙龙吴吴张张李李王王刘陈黄罗周冉姚石彭向胡徐安舒何代梁邓谢蒋唐肖任覃麻滕熊秦"
    "宋余付严侯汪曾袁谭雷"
)
GIVEN = (
    "建国华明军伟勇强平红芳丽敏静燕艳霞玲林波斌涛杰磊鹏超刚辉峰宇文武德志春秋海江云贵兴学忠"
    "琴梅兰英娟莉婷雪晓成光荣福永金松洪先正昌富万仕启廷顺祥家佳俊丹露琳慧媛飞鑫"
)

# Place-name roots: one character of each list, as in 石坪, 龙溪, 瓦寨.
PLACE_FIRST = "石板龙坝瓦桐木黄白青云凤茶杉花水大小高新老长平河溪岩马牛鱼竹桃梅金银铜盘乌红官中上下三双九五落甘沙冷塘坪寨"
PLACE_SECOND = "坪坝溪寨口场田岩屯湾桥塘关堡沟山坡阳林江河洞岗头庄坳营垭坎洲"
ROADS = (
    "锦江路",
    "解放路",
    "南长城路",
    "东太大道",
    "清水大道",
    "桃源大道",
    "滨江大道",
    "西门路",
    "北关路",
    "民主路",
    "中南门路",
    "文笔峰路",
)
BRANDS = (
    "鸿运",
    "福满楼",
    "梵净",
    "锦江",
    "兴旺",
    "和顺",
    "聚福",
    "金源",
    "华联",
    "佳惠",
    "合力",
    "乡味",
    "山珍",
    "苗乡",
    "侗寨",
    "土家",
    "百味",
    "荣华",
    "顺发",
    "天和",
    "丰源",
    "绿源",
    "黔东",
    "武陵",
    "佛顶山",
    "金鼎",
    "长寿",
    "乌江",
    "梵天",
    "盛世",
)
DISHES = (
    "羊肉粉",
    "牛肉粉",
    "锅巴粉",
    "绿豆粉",
    "米粉",
    "烙锅",
    "小吃",
    "面馆",
    "饺子馆",
    "包子铺",
    "烧烤",
    "豆花饭",
)
WORKSHOP_PRODUCTS = (
    "豆腐",
    "米粉",
    "糍粑",
    "红薯粉",
    "腊肉",
    "菜籽油",
    "米酒",
    "糕点",
    "社饭",
    "油茶",
)
STALL_GOODS = ("水果", "烧烤", "凉粉", "卤菜", "早餐", "炸洋芋", "米豆腐", "冰粉")
ORDINALS = "一二三四五六七八九十"

# Mainland mobile number segments (号段) in common use.
MOBILE_PREFIXES = tuple(
    f"1{n}" for n in (30, 31, 32, 33, 35, 36, 37, 38, 39, 50, 51, 52, 55, 57, 58, 59, 66)
) + tuple(f"1{n}" for n in (73, 77, 80, 81, 82, 83, 85, 86, 87, 88, 89, 91, 98, 99))


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def place_root(rng: random.Random, taken: set[str]) -> str:
    """A two-character place name not yet in ``taken`` (three characters once two run short)."""
    for attempt in range(200):
        root = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
        if attempt > 50:
            root = rng.choice(PLACE_FIRST) + root
        if root not in taken and len(set(root)) == len(root):
            taken.add(root)
            return root
    raise RuntimeError("ran out of place names")


def short(name: str) -> str:
    """The everyday short form of a county or city name: 玉屏侗族自治县 → 玉屏."""
    return name[:2]


def landline(rng: random.Random) -> str:
    return f"0856-{rng.randint(5200000, 6999999)}"


class Phones:
    """Mobile numbers, unique across everything the seed creates and what is already stored."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = taken

    def any(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def unique(self) -> str:
        while True:
            phone = self.any()
            if phone not in self.taken:
                self.taken.add(phone)
                return phone


def _base31(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, 31)
        chars.append(USCC_CHARSET[r])
    return "".join(reversed(chars))


# Multipliers coprime with the moduli make the serial → code maps bijections: codes look random
# yet never repeat.
_ORG_MOD = 31**7
_ORG_MUL = 1_000_003
_DIGIT_MOD = 10**9
_DIGIT_MUL = 7_919


class Codes:
    """Unified social credit codes and licence numbers, unique and with valid check characters."""

    def __init__(self, taken_uscc: set[str], taken_licences: set[str]):
        self.serial = 0
        self.licence_serial = 0
        self.taken_uscc = taken_uscc
        self.taken_licences = taken_licences

    def uscc(self, *, county_code: str, business_type: str, grade: str) -> str:
        if business_type == BusinessType.STALL:
            return ""
        while True:
            self.serial += 1
            if business_type == BusinessType.SCHOOL_CANTEEN:
                # A public school is a 事业单位 registered by the 编办: 12 + digits.
                head, org = "12", f"{(self.serial * _DIGIT_MUL + 4_296_000) % _DIGIT_MOD:09d}"
            else:
                # Enterprises 91, individual businesses (个体工商户) 92.
                head = "91" if grade in (Grade.A, Grade.B) or self.serial % 3 == 0 else "92"
                org = "MA" + _base31((self.serial * _ORG_MUL + 987_654) % _ORG_MOD, 7)
            body = head + county_code + org
            code = body + uscc_check_char(body)
            if code not in self.taken_uscc:
                self.taken_uscc.add(code)
                return code

    def licence(self, *, county_code: str, business_type: str) -> str:
        prefix = {
            BusinessType.FOOD_PRODUCTION: "SC1",
            BusinessType.CENTRAL_KITCHEN: "JY2",
            BusinessType.CATERING: "JY2",
            BusinessType.MEAL_DELIVERY: "JY2",
            BusinessType.SCHOOL_CANTEEN: "JY3",
            BusinessType.FOOD_SALES: "JY1",
            BusinessType.MARKET: "JY1",
            BusinessType.SMALL_WORKSHOP: "XZF",
            BusinessType.SMALL_EATERY: "XCY",
        }.get(business_type)
        if prefix is None:
            return ""  # a stall holds only a registration card
        while True:
            self.licence_serial += 1
            number = f"{prefix}{county_code}{self.licence_serial:07d}"
            if number not in self.taken_licences:
                self.taken_licences.add(number)
                return number


def entity_name(
    rng: random.Random, *, business_type: str, grade: str, city: str, county: str, place: str
) -> str:
    """A business name that fits its type and grade; ``place`` is the township's root name."""
    brand = rng.choice(BRANDS)
    match business_type:
        case BusinessType.SCHOOL_CANTEEN:
            school = rng.choice(
                (
                    f"{county}第{rng.choice(ORDINALS[:6])}中学",
                    f"{county}民族中学",
                    f"{county}实验小学",
                    f"{county}第{rng.choice(ORDINALS[:4])}幼儿园",
                    f"{county}中等职业学校",
                    f"{place}中学",
                    f"{place}中心完小",
                )
            )
            return f"{school}食堂"
        case BusinessType.CENTRAL_KITCHEN:
            return rng.choice(
                (f"{county}学生营养餐中央厨房", f"{city}{brand}餐饮管理有限公司中央厨房")
            )
        case BusinessType.MEAL_DELIVERY:
            return f"{city}{brand}团餐配送有限公司"
        case BusinessType.FOOD_PRODUCTION if grade in (Grade.A, Grade.B):
            kind = rng.choice(("食品", "茶业", "酒业", "农产品开发", "饮用水", "肉制品"))
            return (
                f"贵州{brand}{kind}有限公司"
                if grade == Grade.A
                else f"{county}{brand}{kind}有限公司"
            )
        case BusinessType.FOOD_PRODUCTION:
            return f"{county}{place}{rng.choice(('食品厂', '茶叶加工厂', '米粉厂', '酱菜厂'))}"
        case BusinessType.CATERING if grade == Grade.B:
            return f"{county}{brand}{rng.choice(('大酒店', '酒楼', '餐饮有限公司', '国际酒店'))}"
        case BusinessType.CATERING:
            return f"{place}{brand}{rng.choice(('饭店', '火锅店', '农家乐', '餐馆', '酸汤鱼馆'))}"
        case BusinessType.FOOD_SALES if grade == Grade.B:
            return (
                f"{county}{brand}{rng.choice(('购物中心有限公司', '超市有限公司', '商贸有限公司'))}"
            )
        case BusinessType.FOOD_SALES:
            return f"{place}{brand}{rng.choice(('超市', '便利店', '副食店', '食品商行', '小卖部'))}"
        case BusinessType.MARKET:
            return f"{county}{place}农贸市场"
        case BusinessType.SMALL_EATERY:
            return f"{rng.choice(SURNAMES)}记{rng.choice(DISHES)}"
        case BusinessType.SMALL_WORKSHOP:
            return f"{place}{rng.choice(SURNAMES)}氏{rng.choice(WORKSHOP_PRODUCTS)}加工坊"
        case _:
            return f"{person(rng)}{rng.choice(STALL_GOODS)}摊"


# Unit and post of a cadre by level, in the order a division's cadres are listed; past the end of
# the list the last entries repeat (there are several deputies). ``{d}`` is the division's name,
# ``{k}`` its kind (市/区/县/镇/乡), ``{p}`` the government head's title.
CITY_POSTS = (
    ("{d}人民政府", "副市长"),
    ("中共{d}委员会", "市委书记"),
    ("{d}人民政府", "市长"),
    ("{d}人大常委会", "主任"),
    ("政协{d}委员会", "主席"),
    ("中共{d}委员会", "市委副书记"),
    ("{d}人民政府", "常务副市长"),
    ("中共{d}委员会", "市委常委、组织部部长"),
    ("中共{d}委员会", "市委常委、宣传部部长"),
    ("中共{d}委员会", "市委常委、政法委书记"),
    ("中共{d}委员会", "市委常委、统战部部长"),
    ("中共{d}委员会", "市委常委、秘书长"),
    ("{d}中级人民法院", "院长"),
    ("{d}人民检察院", "检察长"),
    ("{d}人大常委会", "副主任"),
    ("政协{d}委员会", "副主席"),
    ("{d}人民政府", "副市长"),
)
COUNTY_POSTS = (
    ("{d}人民政府", "副{k}长"),
    ("中共{d}委员会", "{k}委书记"),
    ("{d}人民政府", "{k}长"),
    ("{d}人大常委会", "主任"),
    ("政协{d}委员会", "主席"),
    ("中共{d}委员会", "{k}委副书记"),
    ("{d}人民政府", "常务副{k}长"),
    ("中共{d}委员会", "{k}委常委、组织部部长"),
    ("中共{d}委员会", "{k}委常委、纪委书记"),
    ("{d}市场监督管理局", "局长"),
    ("{d}教育局", "局长"),
    ("{d}人大常委会", "副主任"),
    ("政协{d}委员会", "副主席"),
    ("{d}人民政府", "副{k}长"),
)
TOWNSHIP_POSTS = (
    ("中共{d}委员会", "党委书记"),
    ("{d}人民政府", "{p}"),
    ("{d}人大主席团", "主席"),
    ("中共{d}委员会", "党委副书记"),
    ("中共{d}委员会", "纪委书记"),
    ("{d}人民政府", "副{p}"),
    ("中共{d}委员会", "党委委员"),
    ("{d}人民政府", "副{p}"),
)
STREET_POSTS = (
    ("中共{d}工作委员会", "党工委书记"),
    ("{d}办事处", "主任"),
    ("{d}人大工委", "主任"),
    ("中共{d}工作委员会", "党工委副书记"),
    ("{d}办事处", "副主任"),
    ("中共{d}工作委员会", "党工委委员"),
    ("{d}办事处", "副主任"),
)
VILLAGE_POSTS = (
    ("{d}党支部", "党支部书记、村委会主任"),
    ("{d}村民委员会", "村委会副主任"),
    ("{d}党支部", "党支部副书记"),
    ("{d}村务监督委员会", "主任"),
    ("{d}村民委员会", "村委委员"),
)
COMMUNITY_POSTS = (
    ("{d}党支部", "党支部书记、居委会主任"),
    ("{d}居民委员会", "居委会副主任"),
    ("{d}党支部", "党支部副书记"),
    ("{d}居民委员会", "委员"),
)

# 协保员: the leader's deputy secretary-general, or a party-group member of market regulation or
# education (most A entities are schools); 联络员: a staff member of the leader's office.
ASSISTANT_POSTS = (
    ("{d}人民政府办公室", "副秘书长"),
    ("{d}市场监督管理局", "党组成员、副局长"),
    ("{d}教育局", "党组成员、副局长"),
    ("中共{d}委员会办公室", "副主任"),
)
LIAISON_POSTS = (
    ("{d}人民政府办公室", "秘书"),
    ("{d}人民政府办公室", "科员"),
    ("中共{d}委员会办公室", "科员"),
)


def post(posts: tuple, index: int, **fmt) -> tuple[str, str]:
    """The unit and post of the ``index``-th cadre of a division; deputies repeat at the end."""
    unit, title = posts[index] if index < len(posts) else posts[-1 - index % 3]
    return unit.format(**fmt), title.format(**fmt)
