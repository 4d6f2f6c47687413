"""The demo charity: its projects, pages and texts. Figures are quoted from the seed reports.

Everything here is demo data: the organisation, certificate and filing numbers are invented and
say so; the programme figures (e.g. 126 名超龄在校孤儿、94.5万元) are the ones those reports publish.
"""

from datetime import date
from decimal import Decimal

DEMO_NOTICE = "演示站点:机构信息、项目与金额均为演示数据,数字引自公开的民政工作报告,请勿向本站捐款。"

ORGANISATION = {
    "name": "示范市慈善总会(演示)",
    "certificate_number": "演示-公募证书-370300-0001",
    "credit_code": "51370300DEMO00001X",
    "phone": "0533-0000000",
    "email": "info@charity.example.org",
    "address": "示范市民生路 1 号慈善大厦(演示地址)",
    "lookup_url": "https://cszg.mca.gov.cn",
    "demo_notice": DEMO_NOTICE,
}

HOME = {
    "title": "首页",
    "hero_title": "让每一份善款都看得见",
    "intro": (
        "我们是一家具有公开募捐资格的慈善总会,联合民政部门开展医疗救助、孤儿助学、临时救助等慈善项目。"
        "每一笔捐赠和支出都记入公开账本,任何人都可以核验。"
    ),
}

PROJECT_INDEX = {
    "title": "慈善项目",
    "slug": "projects",
    "intro": "按类别和状态查看正在筹款、正在执行和已经结项的慈善项目。",
}

STANDARD_PAGES = [
    {
        "slug": "about",
        "title": "关于我们",
        "intro": "示范市慈善总会是在民政部门登记、具有公开募捐资格的社会团体(演示)。",
        "paragraphs": [
            "我们聚焦困难群众的急难愁盼,开展医疗救助、助学、助老、助残和临时救助,"
            "与民政部门的低保、特困供养、临时救助制度衔接,做到政府救助与慈善帮扶互补。",
            "我们的每一笔收入和支出都以复式记账方式写入只增不改的公开账本,并定期发布签名的账本树根,"
            "捐赠人和公众可以独立核验某一笔捐赠是否被如实记账。",
        ],
    },
    {
        "slug": "contact",
        "title": "联系我们",
        "intro": "欢迎来电、来信或来访。",
        "paragraphs": [
            "地址:示范市民生路 1 号慈善大厦(演示地址)。电话:0533-0000000。电子邮箱:info@charity.example.org。",
            "办公时间:周一至周五 9:00–17:00(法定节假日除外)。",
        ],
    },
    {
        "slug": "disclosure",
        "title": "信息公开",
        "intro": "依照《慈善法》和《慈善组织信息公开办法》公开的信息。",
        "paragraphs": [
            "我们每年在全国慈善信息公开平台「慈善中国」发布年度工作报告和财务会计报告。"
            "持续时间超过六个月的募捐项目,至少每三个月公开一次募捐和项目实施情况,项目结束后三个月内全面公开。",
            "公开账本、年度透明度报告和开放数据将在本栏目发布。",
        ],
    },
]

SEED_SOURCES = {
    "zibo": "淄博市民政局2022年工作报道(演示引用)",
    "guangan": "广安市民政局2021年工作报道(演示引用)",
    "hechuan": "合川区政协社会福利界2022年履职报道(演示引用)",
}

PROJECTS = [
    {
        "code": "XT100",
        "name": "血透100",
        "slug": "xuetou-100",
        "category": "medical",
        "status": "fundraising",
        "is_restricted": True,
        "target_amount": Decimal("1000000.00"),
        "start_date": date(2022, 3, 1),
        "end_date": None,
        "filing_number": "演示备案-370300-2022-001",
        "eligibility": "本市户籍的低保、特困、低收入家庭成员,确诊尿毒症并需长期规律血液透析。",
        "funding_standard": "按医院结算单据每次透析资助 100 元,每人每年最高 1.2 万元,直接结算至定点医院(演示标准)。",
        "summary": "为困难尿毒症患者分担长期血液透析的自付费用,让他们透得起、不断透。",
        "colour": (164, 22, 26),
        "story": [
            (
                "paragraph",
                "尿毒症患者每周需透析两到三次,自付费用让许多低保和低收入家庭难以为继。"
                "「血透100」是淄博民政创设的「淄助你」救助体系中的慈善项目之一,为困难患者持续分担透析费用。",
            ),
            ("quote", "以前一个月透析要自己掏一千多,现在有了资助,终于不用在看病和吃饭之间二选一了。", "受助患者(化名)"),
            (
                "figures",
                "淄博「淄助你」救助体系",
                [
                    ("12", "个", "慈善项目"),
                    ("3", "万元", "「淄助你」救助最高标准"),
                    ("1.2", "亿元", "全年接收捐赠款物价值"),
                ],
                SEED_SOURCES["zibo"],
            ),
            (
                "paragraph",
                "定向捐赠只用于本项目。每一笔资助都在公开账本中记为本项目的业务活动成本,受助人姓名经脱敏处理后公开。",
            ),
        ],
        "updates": [
            (date(2022, 3, 1), "项目启动", "「血透100」纳入「淄助你」慈善救助体系,开始接受定向捐赠。"),
            (date(2025, 10, 28), "首批资助发放", "首批资助已按医院结算单据拨付至定点医院(演示)。"),
        ],
    },
    {
        "code": "GEZX",
        "name": "福彩圆梦·孤儿助学",
        "slug": "orphan-education",
        "category": "education",
        "status": "implementing",
        "is_restricted": True,
        "target_amount": Decimal("945000.00"),
        "start_date": date(2025, 9, 1),
        "end_date": date(2026, 8, 31),
        "filing_number": "演示备案-511600-2025-007",
        "eligibility": "年满 18 周岁仍在全日制高等院校、中职学校就读的孤儿(超龄在校孤儿),以及事实无人抚养儿童。",
        "funding_standard": "每人每学年助学金 7500 元,秋季学期开学后一次发放至本人账户(94.5 万元 ÷ 126 人)。",
        "summary": "为年满十八岁仍在读书的孤儿发放助学金,帮他们把书读完。",
        "colour": (27, 110, 58),
        "story": [
            (
                "paragraph",
                "孤儿年满十八周岁后不再享受孤儿基本生活费,但很多人仍在大学或职业学校读书。"
                "「福彩圆梦·孤儿助学」工程为这些超龄在校孤儿发放助学金。",
            ),
            (
                "figures",
                "广安市福彩圆梦·孤儿助学",
                [("126", "名", "超龄在校孤儿获得资助"), ("94.5", "万元", "发放助学基金")],
                SEED_SOURCES["guangan"],
            ),
            ("quote", "助学金让我安心读完了护理专业,明年我就能工作养活自己了。", "受助学生(化名)"),
        ],
        "updates": [
            (date(2025, 9, 1), "2025—2026学年资助名单确定", "126 名超龄在校孤儿通过审核,纳入本学年资助(演示)。"),
            (date(2025, 9, 15), "秋季学期助学金发放", "126 名学生每人 7500 元的学年助学金已发放到本人账户(演示)。"),
        ],
    },
    {
        "code": "AXFM",
        "name": "爱心复明",
        "slug": "cataract-surgery",
        "category": "medical",
        "status": "fundraising",
        "is_restricted": True,
        "target_amount": Decimal("300000.00"),
        "start_date": date(2022, 5, 1),
        "end_date": date(2023, 4, 30),
        "filing_number": "演示备案-370300-2022-004",
        "eligibility": "低保、特困、低收入家庭中患白内障的老年人,经定点医院诊断需手术治疗。",
        "funding_standard": "每例白内障复明手术资助最高 3000 元,直接结算至定点医院(演示标准)。",
        "summary": "资助困难家庭白内障患者接受复明手术,让老人重见光明。",
        "colour": (26, 86, 219),
        "story": [
            (
                "paragraph",
                "白内障是老年人致盲的首要原因,一台手术就能复明,但对困难家庭仍是不小的负担。"
                "「爱心复明」与定点医院合作,为困难老人免费实施复明手术。",
            ),
            ("quote", "做完手术第二天,我又能看清孙子的脸了。", "受助老人(化名)"),
        ],
        "updates": [(date(2022, 5, 20), "首批手术完成", "首批困难老人在定点医院完成复明手术(演示)。")],
    },
    {
        "code": "LSJZ",
        "name": "临时救助",
        "slug": "emergency-relief",
        "category": "emergency",
        "status": "fundraising",
        "is_restricted": True,
        "target_amount": Decimal("500000.00"),
        "start_date": date(2022, 1, 1),
        "end_date": None,
        "filing_number": "演示备案-500117-2022-002",
        "eligibility": "因火灾、交通事故、突发重病等原因导致基本生活暂时出现严重困难的家庭或个人。",
        "funding_standard": "根据困难程度一次性救助,最高 2 万元;与政府临时救助衔接,不重复资助(演示标准)。",
        "summary": "为遭遇突发急难的家庭送去应急的「雪中炭」,帮他们渡过难关。",
        "colour": (180, 83, 9),
        "story": [
            (
                "paragraph",
                "突发的灾祸和重病可能让一个家庭一夜之间陷入困境。临时救助项目在政府临时救助之外,"
                "用慈善资金为急难群众提供及时帮助。",
            ),
            (
                "figures",
                "合川区2022年临时救助",
                [("3869", "人次", "全年共计救助"), ("1208.2", "万元", "发放资金")],
                SEED_SOURCES["hechuan"],
            ),
        ],
        "updates": [(date(2022, 6, 30), "上半年救助情况公开", "上半年救助情况已按季度公开(演示)。")],
    },
    {
        "code": "CXHB",
        "name": "慈心红包",
        "slug": "red-envelope",
        "category": "other",
        "status": "closed",
        "is_restricted": True,
        "target_amount": Decimal("100000.00"),
        "start_date": date(2022, 1, 1),
        "end_date": date(2022, 2, 28),
        "filing_number": "演示备案-370300-2021-012",
        "eligibility": "孤儿、事实无人抚养儿童和困境儿童。",
        "funding_standard": "每名儿童春节慈心红包约 550 元(演示标准)。",
        "summary": "春节前为困难儿童送去「淄助你」慈心红包。",
        "colour": (122, 15, 18),
        "story": [
            ("paragraph", "春节前夕,为孤困儿童送去慈心红包和节日问候。"),
            (
                "figures",
                "淄博「淄助你」慈心红包",
                [("181", "名", "困难儿童"), ("近10", "万元", "发放慈心红包")],
                SEED_SOURCES["zibo"],
            ),
        ],
        "updates": [(date(2022, 2, 28), "项目结项", "红包已全部发放,项目结项,结余资金处理情况见信息公开(演示)。")],
    },
]
