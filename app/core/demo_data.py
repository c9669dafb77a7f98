"""Realistic fake customers and activities, shared by `flask demo-data` and the benchmark loader."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from faker import Faker
from stdnum.cn import ric, uscc

from app.core.privacy import encrypt_pfi, lookup_hash, mask
from app.customers.name_keys import search_key
from app.models import ActivityKind, Outcome, Source, Status

# Region codes python-stdnum knows (it refuses unknown ones).
REGIONS = ["110105", "110108", "310104", "440305", "330106", "320102", "420106", "610113", "370202", "350203"]
MOBILE_PREFIXES = [str(p) for p in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159,
                                     *range(180, 190), 166, 177, 198, 199)]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
OCCUPATIONS = ["教师", "医生", "工程师", "个体经营者", "公务员", "企业职员", "退休", "销售", "律师", "会计", "司机",
               "护士", "程序员", "厨师", "自由职业"]
INDUSTRIES = ["批发零售", "餐饮", "制造业", "建筑装饰", "物流运输", "农副产品", "教育培训", "软件信息", "商贸", "美容美发"]
NEEDS = ["咨询房贷", "理财产品到期转存", "经营贷资金周转", "信用卡提额", "定期存款", "子女教育金规划", "养老规划",
         "车贷", "保险配置", "代发工资", "对公开户", "结算服务", "大额存单", "基金定投", "贷款续贷"]
AREAS = ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区", "昌平区", "大兴区"]
NOTES = ["客户希望下周再联系", "对收益率比较敏感", "已发送产品资料", "家人也有需求", "需要准备收入证明",
         "比较认可我行服务", "价格敏感,对比了其他银行", "约了周末到网点"]

# Weights: most prospects are C, a few are A (domain.md: tiers by value and potential).
TIER_WEIGHTS = (("A", 1), ("B", 3), ("C", 6))
STATUS_WEIGHTS = ((Status.PROSPECT, 5), (Status.CUSTOMER, 3), (Status.DORMANT, 1), (Status.LOST, 1))
SOURCE_WEIGHTS = ((Source.WALK_IN, 4), (Source.PHONE, 2), (Source.CUSTOMER_REFERRAL, 2), (Source.PARTNER_REFERRAL, 1),
                  (Source.MARKET_OUTREACH, 2), (Source.ONLINE, 1), (Source.EVENT, 1))


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return str(rng.choices(values, weights)[0])


def fake_id_number(rng: random.Random, birthday: date, gender: str) -> str:
    seq = rng.randrange(0, 100) * 10 + (rng.choice((1, 3, 5, 7, 9)) if gender == "male" else rng.choice((0, 2, 4, 6, 8)))
    body = f"{rng.choice(REGIONS)}{birthday:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def fake_uscc(rng: random.Random, individual_business: bool) -> str:
    body = "9" + ("2" if individual_business else "1") + rng.choice(REGIONS) + "".join(
        rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


class UniqueMobiles:
    """Random valid mainland mobiles, never the same twice in one run."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
            if number not in self.used:
                self.used.add(number)
                return number


def customer_rows(*, branch_id: int, owner_ids: list[int], creator_id: int, count: int, rng: random.Random,
                  faker: Faker, mobiles: UniqueMobiles, now: datetime | None = None,
                  encrypt=encrypt_pfi, blind=lookup_hash) -> Iterator[dict]:
    """Rows for a bulk INSERT into customer: about 85% individuals, 15% small businesses."""
    now = now or datetime.now(UTC)
    for _ in range(count):
        business = rng.random() < 0.15
        created = now - timedelta(days=rng.randrange(0, 3 * 365), minutes=rng.randrange(0, 1440))
        updated = created + timedelta(days=rng.randrange(0, max(1, (now - created).days + 1)))
        updated = min(updated, now)
        mobile = mobiles()
        row = {
            "kind": "business" if business else "individual",
            "branch_id": branch_id,
            "owner_id": rng.choice(owner_ids),
            "mobile_enc": encrypt("mobile", mobile),
            "mobile_hash": blind("mobile", mobile),
            "mobile_last4": mobile[-4:],
            "mobile_masked": mask("mobile", mobile),
            "id_number_enc": None, "id_number_hash": None, "gender": None, "birthday": None,
            "occupation": None, "income_band": None, "asset_band": None,
            "uscc": None, "industry": None, "contact_name": None, "turnover_band": None,
            "area": rng.choice(AREAS),
            "address": faker.address().split(" ")[0][:200],
            "needs": rng.choice(NEEDS),
            "loan_need_amount": rng.choice([None, None, 100_000, 300_000, 500_000, 1_000_000, 3_000_000]),
            "products_held": rng.choice([0, 0, 1, 1, 2, 3, 4, 6]),
            "source": _weighted(rng, SOURCE_WEIGHTS),
            "status": _weighted(rng, STATUS_WEIGHTS),
            "tier": _weighted(rng, TIER_WEIGHTS),
            "marketing_consent": rng.random() < 0.6,
            # given when the customer was created, or recorded at the last update
            "marketing_consent_at": created if rng.random() < 0.6 else updated,
            "marketing_consent_by_id": creator_id,
            "sensitive_consent": False, "sensitive_consent_at": None, "sensitive_consent_by_id": None,
            "notes": rng.choice(NOTES) if rng.random() < 0.3 else None,
            "created_at": created, "created_by_id": creator_id,
            "updated_at": updated, "updated_by_id": creator_id,
            "archived_at": None, "archived_by_id": None,
            "version": 1,
        }
        if business:
            name = faker.company()[:100]
            row.update(name=name, uscc=fake_uscc(rng, rng.random() < 0.3), industry=rng.choice(INDUSTRIES),
                       contact_name=faker.name(), turnover_band=rng.choice(["lt_1m", "1m_10m", "10m_50m", "50m_200m"]))
        else:
            name = faker.name()
            gender = rng.choice(("male", "female"))
            birthday = date(rng.randrange(1950, 2003), rng.randrange(1, 13), rng.randrange(1, 29))
            row.update(name=name, gender=gender, occupation=rng.choice(OCCUPATIONS),
                       income_band=rng.choice(["lt_50k", "50k_100k", "100k_300k", "300k_1m", "ge_1m"]))
            if rng.random() < 0.5:
                number = fake_id_number(rng, birthday, gender)
                row.update(id_number_enc=encrypt("id_number", number), id_number_hash=blind("id_number", number),
                           birthday=birthday, sensitive_consent=True, sensitive_consent_at=created,
                           sensitive_consent_by_id=creator_id,
                           asset_band=rng.choice(["lt_50k", "50k_500k", "500k_3m", "3m_6m", "ge_6m"]))
        if not row["marketing_consent"]:
            row.update(marketing_consent_at=None, marketing_consent_by_id=None)
        row["name_search"] = search_key(name)
        yield row


def activity_rows(*, customer_id: int, branch_id: int, user_id: int, count: int, rng: random.Random,
                  since: datetime, now: datetime) -> Iterator[dict]:
    """Rows for a bulk INSERT into activity, spread between `since` and `now`."""
    span = max(60, int((now - since).total_seconds()))
    kinds = list(ActivityKind)
    outcomes = list(Outcome)
    for _ in range(count):
        yield {
            "customer_id": customer_id,
            "branch_id": branch_id,
            "user_id": user_id,
            "kind": rng.choice(kinds).value,
            "outcome": rng.choice(outcomes).value,
            "note": rng.choice(NOTES) if rng.random() < 0.4 else None,
            "at": since + timedelta(seconds=rng.randrange(0, span)),
        }
