"""Data for the import benchmark (``bench/import_gifts.py``): a year of offline gifts as a finance officer exports
them, with the headers of ``bulk.importers.gifts.GiftImporter`` — and the projects the rows name.

    .venv/bin/python bench/import_data.py [--rows 100000] [--seed 2025] [--out var/bench-import/gifts-100000.xlsx]
                                          [--csv]

What a file holds (deterministic: the same ``--rows`` and ``--seed`` give the same cells, byte for byte in CSV):
- every day of 2025 in order, as a bank statement reads; about 86 % 银行转账 with a unique 银行流水号 and the
  time of day, 10 % 现金 with a 凭证号 (XJ2025-000001…), 4 % 物资捐赠 with 物资名称 / 数量 / 单位 / 估值依据 and a
  凭证号 (WZ2025-00001…), the amount being the valued total;
- ~90 % of rows to one of five projects (``PROJECTS``), the rest blank (非限定性资金);
- ~18 % of rows name a donor by 统一社会信用代码 (120 organisations) or 手机号 (240 people; half of those cells are
  numbers, as Excel stores a typed phone number); every bank row has a 付款人, most others too;
- some 公开署名 and 附言; amounts from the usual presets and odd amounts with cents, Excel numbers (floats).

XLSX is written with openpyxl's write-only mode (constant memory); CSV is UTF-8 with the BOM Excel writes. Nothing
here needs Django except ``projects_ensure``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "var" / "bench-import"
YEAR = 2025
SEED = 2025

# The GiftImporter's template, in its order (bulk/importers/gifts.py; this generator runs without Django, so the
# list is written out: a changed header shows up as the benchmark's import failing with 无法识别的表头).
HEADERS = [
    "项目编号",
    "捐赠方式",
    "金额(元)",
    "到账日期",
    "银行流水号",
    "付款人",
    "统一社会信用代码",
    "手机号",
    "公开署名",
    "附言",
    "物资名称",
    "数量",
    "单位",
    "估值依据",
    "凭证号",
]

# (code, name, category, weight): the five funds the rows give to; a blank project code is 非限定性资金.
PROJECTS = [
    ("XT100", "新苗助学计划", "education", 30),
    ("YL200", "大病儿童救助", "medical", 25),
    ("ZH300", "灾害紧急救援", "emergency", 15),
    ("LN400", "关爱空巢老人", "elderly", 10),
    ("KF500", "残障儿童康复", "disability", 10),
]
UNRESTRICTED_WEIGHT = 10

BANKS = ["ICBC", "ABC", "CCB", "BOC", "CMB", "PSBC"]
PRESETS = [50, 100, 100, 200, 200, 500, 500, 1000, 1000, 2000, 5000, 10000]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕文博宇浩子涵欣怡思远"
COMPANY_PLACES = ["成都", "绵阳", "德阳", "乐山", "南充", "宜宾", "广安", "达州", "眉山", "遂宁"]
COMPANY_WORDS = ["锦程", "蜀道", "天府", "川信", "华西", "恒通", "博远", "金沙", "青城", "嘉禾", "瑞丰", "明德"]
COMPANY_KINDS = ["科技有限公司", "商贸有限公司", "建设工程有限公司", "食品有限公司", "医药有限公司", "实业有限公司"]
MESSAGES = ["助学", "祝孩子们学业进步", "一点心意", "愿早日康复", "支持灾区重建", "月捐", "年度公益捐赠", "党员捐款"]
DISPLAY = ["爱心人士", "一位母亲", "老兵", "热心市民", "某校师生"]
# (物资名称, 单位, unit price range in 元, 估值依据 weights: 发票, 报关单, 捐赠协议, 市场价格)
ITEMS = [
    ("大米(5kg装)", "袋", (45, 60)),
    ("食用油(5L)", "桶", (60, 90)),
    ("羽绒服", "件", (200, 500)),
    ("书包", "个", (50, 120)),
    ("笔记本电脑", "台", (3000, 6000)),
    ("医用口罩", "箱", (100, 300)),
    ("棉被", "床", (150, 300)),
    ("儿童图书", "册", (20, 60)),
]
BASES = ["发票"] * 10 + ["市场价格"] * 6 + ["捐赠协议"] * 3 + ["报关单"]

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # donations/validators.py (GB 32100-2015)
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(rng: random.Random) -> str:
    first = "91510100" + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    total = sum(CREDIT_ALPHABET.index(ch) * w for ch, w in zip(first, CREDIT_WEIGHTS, strict=True))
    return first + CREDIT_ALPHABET[(31 - total % 31) % 31]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def donors(seed: int = SEED) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(organisations as (name, credit code), people as (name, phone)): the same pool whatever the row count."""
    rng = random.Random(f"donors:{seed}")
    organisations, codes = [], set()
    while len(organisations) < 120:
        code = credit_code(rng)
        name = rng.choice(COMPANY_PLACES) + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS)
        if code not in codes:
            codes.add(code)
            organisations.append((name, code))
    people, phones = [], set()
    while len(people) < 240:
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        if phone not in phones:
            phones.add(phone)
            people.append((person_name(rng), phone))
    return organisations, people


def gift_rows(n: int, seed: int = SEED) -> Iterator[list[object]]:
    """``n`` rows of cells in ``HEADERS`` order, in date order over ``YEAR``."""
    rng = random.Random(f"gifts:{n}:{seed}")
    organisations, people = donors(seed)
    codes = [code for code, *_ in PROJECTS] + [""]
    weights = [w for *_, w in PROJECTS] + [UNRESTRICTED_WEIGHT]
    days = (date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days
    cash_no = goods_no = 0
    for i in range(n):
        day = date(YEAR, 1, 1) + timedelta(days=i * days // n)
        project = rng.choices(codes, weights)[0]
        roll = rng.random()
        row: dict[str, object] = dict.fromkeys(HEADERS)
        row["项目编号"] = project or None
        who = rng.random()
        donor_org = donor_person = None
        if who < 0.06:
            donor_org = rng.choice(organisations)
        elif who < 0.18:
            donor_person = rng.choice(people)
        if roll < 0.86:  # bank transfer
            at = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))
            row["捐赠方式"] = "银行转账"
            row["到账日期"] = at
            row["银行流水号"] = f"{rng.choice(BANKS)}{day:%Y%m%d}{i:07d}"
            row["付款人"] = donor_org[0] if donor_org else (donor_person[0] if donor_person else person_name(rng))
            amount = _amount(rng, large=donor_org is not None)
        elif roll < 0.96:  # cash
            cash_no += 1
            row["捐赠方式"] = "现金"
            row["到账日期"] = day
            row["凭证号"] = f"XJ{YEAR}-{cash_no:06d}"
            if donor_org or donor_person or rng.random() < 0.7:
                row["付款人"] = (donor_org or donor_person or (person_name(rng),))[0]
            amount = Decimal(rng.choice((10, 20, 50, 100, 100, 200, 300, 500, 800, 1000, 2000)))
        else:  # in kind
            goods_no += 1
            item, unit, (low, high) = rng.choice(ITEMS)
            quantity = rng.randrange(10, 500) if high < 1000 else rng.randrange(2, 40)
            price = Decimal(rng.randrange(low * 100, high * 100)) / 100
            donor_org = donor_org or rng.choice(organisations)
            donor_person = None
            row["捐赠方式"] = "物资捐赠"
            row["到账日期"] = day
            row["付款人"] = donor_org[0]
            row["物资名称"] = item
            row["数量"] = quantity
            row["单位"] = unit
            row["估值依据"] = rng.choice(BASES)
            row["凭证号"] = f"WZ{YEAR}-{goods_no:05d}"
            amount = price * quantity
        row["金额(元)"] = float(amount)
        if donor_org:
            row["统一社会信用代码"] = donor_org[1]
        if donor_person:
            phone = donor_person[1]
            row["手机号"] = int(phone) if rng.random() < 0.5 else phone  # a number when typed into Excel
        if rng.random() < 0.3:
            row["公开署名"] = donor_org[0] if donor_org else rng.choice(DISPLAY)
        if rng.random() < 0.2:
            row["附言"] = rng.choice(MESSAGES)
        yield [row[h] for h in HEADERS]


def _amount(rng: random.Random, *, large: bool) -> Decimal:
    if large:
        return Decimal(rng.choice((10000, 20000, 50000, 100000, 200000))) + Decimal(rng.randrange(0, 100)) * 100
    if rng.random() < 0.7:
        return Decimal(rng.choice(PRESETS))
    return Decimal(rng.randrange(1000, 2_000_000)) / 100  # ¥10.00 – ¥19,999.99 with cents


def write_xlsx(path: Path, n: int, seed: int = SEED, *, first: int | None = None) -> Path:
    """The first ``first`` (default all) of ``n`` rows, with the header row, as a one-sheet workbook."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("线下捐赠")
    sheet.append(HEADERS)
    for count, row in enumerate(gift_rows(n, seed)):
        if first is not None and count >= first:
            break
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, n: int, seed: int = SEED, *, first: int | None = None) -> Path:
    """The same rows as CSV (UTF-8 with BOM); dates as 2025-01-31 or 2025-01-31 14:05:00, amounts as Excel shows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for count, row in enumerate(gift_rows(n, seed)):
            if first is not None and count >= first:
                break
            writer.writerow(["" if cell is None else _csv_cell(cell) for cell in row])
    return path


def _csv_cell(cell: object) -> object:
    if isinstance(cell, float):
        return f"{cell:.2f}"
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d %H:%M:%S}"
    return cell


def data_file(n: int, seed: int = SEED, *, fmt: str = "xlsx", first: int | None = None, fresh: bool = False) -> Path:
    """The file for ``n`` rows (its first ``first``), written under var/bench-import/ unless already there."""
    suffix = f"-first{first}" if first is not None else ""
    path = DATA_DIR / f"gifts-{n}-s{seed}{suffix}.{fmt}"
    if fresh or not path.exists():
        tmp = path.with_name(path.stem + ".tmp" + path.suffix)  # openpyxl and calamine look at the suffix
        (write_xlsx if fmt == "xlsx" else write_csv)(tmp, n, seed, first=first)
        tmp.replace(path)
    return path


def projects_ensure() -> list:
    """The five projects of ``PROJECTS`` with their ledger accounts, created when missing (Django set up)."""
    from projects.models import Project, Status
    from projects.services import project_fund_accounts

    projects = []
    for code, name, category, _weight in PROJECTS:
        project, _created = Project.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "status": Status.FUNDRAISING,
                "target_amount": Decimal("50000000.00"),
                "start_date": date(YEAR - 1, 1, 1),
                "is_restricted": True,
            },
        )
        project_fund_accounts(project=project)
        projects.append(project)
    return projects


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="default: var/bench-import/gifts-<rows>-s<seed>.xlsx (or .csv)")
    parser.add_argument("--csv", action="store_true", help="write CSV (UTF-8 with BOM) instead of XLSX")
    parser.add_argument("--first", type=int, help="only the first N of the --rows rows")
    args = parser.parse_args(argv)
    fmt = "csv" if args.csv else "xlsx"
    start = time.perf_counter()
    if args.out:
        (write_csv if args.csv else write_xlsx)(args.out, args.rows, args.seed, first=args.first)
        path = args.out
    else:
        path = data_file(args.rows, args.seed, fmt=fmt, first=args.first, fresh=True)
    size = path.stat().st_size
    print(f"{path}: {args.first or args.rows:,} rows, {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
