"""A labelled set of occupation titles for measuring the "nearest" list of
``consult.workflow.similar``: pairs of a title staff might type for a new draft and a title
the registry holds, each labelled a near-duplicate (the draft would duplicate it) or
distinct.

How it was built:

- the registry is the seed history's published occupations by their English names
  (``seeds/batches/*.yaml``, read here) and, written by hand, the Chinese names of the first
  four batches as the ministry announced them;
- near-duplicates: every other name the seed history gives an occupation, against its name
  (the sources' own variants, e.g. "AI Engineering Technicians"); hand-written variants of
  registry names as staff type them: singular for plural, case, hyphens and spacing, a word
  dropped or added, "personnel" for "workers", full-width letters, and in Chinese 人员 for 员,
  师 for 员, a character dropped or added;
- distinct: pairs of registry occupations that share words (every pair of seed names with a
  word of four letters or more in common, e.g. "Drone Pilots" and "Drone Assembly and
  Maintenance Workers", or "Big Data Engineering Technicians" and "Blockchain Engineering
  Technicians", which the ministry published as different occupations, and every pair of the
  Chinese names with three characters in a row in common, e.g. 人工智能工程技术人员 and
  物联网工程技术人员), and hand-written titles of other work sharing a word or a character run
  with a registry name.

Every query is scored against the whole registry, as the admin does; a pair counts as found
when its registry title is in the query's nearest list.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# The Chinese names of the first four batches' occupations, as announced.
REGISTRY_ZH = [
    "人工智能工程技术人员",
    "物联网工程技术人员",
    "大数据工程技术人员",
    "云计算工程技术人员",
    "数字化管理师",
    "建筑信息模型技术员",
    "电子竞技运营师",
    "电子竞技员",
    "无人机驾驶员",
    "农业经理人",
    "物联网安装调试员",
    "工业机器人系统操作员",
    "工业机器人系统运维员",
    "智能制造工程技术人员",
    "工业互联网工程技术人员",
    "虚拟现实工程技术人员",
    "连锁经营管理师",
    "供应链管理师",
    "网约配送员",
    "人工智能训练师",
    "电气电子产品环保检测员",
    "全媒体运营师",
    "健康照护师",
    "呼吸治疗师",
    "出生缺陷防控咨询师",
    "康复辅助技术咨询师",
    "无人机装调检修工",
    "铁路综合维修工",
    "装配式建筑施工员",
    "区块链工程技术人员",
    "城市管理网格员",
    "互联网营销师",
    "信息安全测试员",
    "区块链应用操作员",
    "在线学习服务师",
    "社群健康助理员",
    "老年人能力评估师",
    "增材制造设备操作员",
    "集成电路工程技术人员",
    "企业合规师",
    "公司金融顾问",
    "易货师",
    "二手车经纪人",
    "汽车救援员",
    "调饮师",
    "食品安全管理师",
    "服务机器人应用技术员",
    "电子数据取证分析师",
    "职业培训师",
    "密码技术应用员",
    "建筑幕墙设计师",
    "碳排放管理员",
    "管廊运维员",
    "酒体设计师",
    "智能硬件装调员",
    "工业视觉系统运维员",
]

# (title staff type, registry title): near-duplicates written by hand.
NEAR_WRITTEN = [
    (
        "Artificial Intelligence Engineering Technician",
        "Artificial Intelligence Engineering Technicians",
    ),
    ("IoT Engineering Technician", "IoT Engineering Technicians"),
    ("Big-Data Engineering Technicians", "Big Data Engineering Technicians"),
    ("Cloud Computing Engineering Technician", "Cloud Computing Engineering Technicians"),
    ("Digital Management Professional", "Digital Management Professionals"),
    (
        "BIM Technicians (Building Information Modeling)",
        "Building Information Modeling Technicians",
    ),
    ("E-sports Operator", "Esports Operators"),
    ("E-Sports Players", "Esports Players"),
    ("Drone Pilot", "Drone Pilots"),
    ("Civil Drone Pilots", "Drone Pilots"),
    ("Agricultural Manager", "Agricultural Managers"),
    ("IoT Installation and Debugging Technician", "IoT Installation and Debugging Technicians"),
    ("Industrial Robot Operators", "Industrial Robot System Operators"),
    (
        "Industrial Robot System Maintenance Personnel",
        "Industrial Robot System Maintenance Workers",
    ),
    (
        "Intelligent Manufacturing Engineering Technician",
        "Intelligent Manufacturing Engineering Technicians",
    ),
    ("Industrial Internet Engineering Technician", "Industrial Internet Engineering Technicians"),
    ("VR Engineering Technicians (Virtual Reality)", "Virtual Reality Engineering Technicians"),
    ("Supply-Chain Manager", "Supply Chain Managers"),
    ("On-demand Delivery Workers", "On-Demand Delivery Personnel"),
    ("AI Trainer", "AI Trainers"),
    ("Artificial Intelligence Trainers", "AI Trainers"),
    ("Respiratory Therapist", "Respiratory Therapists"),
    ("Rehabilitation Technology Consultant", "Rehabilitation Technology Consultants"),
    ("Drone Assembly and Maintenance Worker", "Drone Assembly and Maintenance Workers"),
    (
        "Prefabricated Building Construction Personnel",
        "Prefabricated Building Construction Workers",
    ),
    ("Blockchain Engineering Technician", "Blockchain Engineering Technicians"),
    ("Urban Management Grid Workers", "Urban Management Grid Personnel"),
    ("Internet Marketing Specialist", "Internet Marketing Specialists"),
    ("Information Security Tester", "Information Security Testers"),
    ("Online Learning Service Workers", "Online Learning Service Personnel"),
    ("Elderly Capability Assessor", "Elderly Capability Assessors"),
    ("Integrated-Circuit Engineering Technicians", "Integrated Circuit Engineering Technicians"),
    ("Corporate Compliance Officer", "Corporate Compliance Officers"),
    ("Used Car Brokers", "Second-Hand Car Brokers"),
    ("Second Hand Car Broker", "Second-Hand Car Brokers"),
    ("Automotive Rescue Workers", "Automotive Rescue Personnel"),
    ("Food Safety Manager", "Food Safety Managers"),
    ("Carbon Emissions Managers", "Carbon Emission Managers"),
    ("Ｄｒｏｎｅ Ｐｉｌｏｔｓ", "Drone Pilots"),
    ("DATABASE ADMINISTRATOR", "Database Administrators"),
    ("Business Data Analyst", "Business Data Analysts"),
    ("Homestay Manager", "Homestay Managers"),
    ("Study Tour Guide", "Study Tour Guides"),
    ("Family Education Instructor", "Family Education Instructors"),
    ("Exhibition Organizers", "Exhibition Organizer"),
    ("Oral Health Technicians", "Oral Health Technician"),
    ("人工智能工程技术员", "人工智能工程技术人员"),
    ("物联网工程技术员", "物联网工程技术人员"),
    ("大数据工程技术员", "大数据工程技术人员"),
    ("云计算工程技术员", "云计算工程技术人员"),
    ("数字化管理员", "数字化管理师"),
    ("建筑信息模型技术人员", "建筑信息模型技术员"),
    ("电子竞技运营员", "电子竞技运营师"),
    ("电子竞技运动员", "电子竞技员"),
    ("民用无人机驾驶员", "无人机驾驶员"),
    ("无人机驾驶人员", "无人机驾驶员"),
    ("农业职业经理人", "农业经理人"),
    ("物联网安装调试人员", "物联网安装调试员"),
    ("工业机器人操作员", "工业机器人系统操作员"),
    ("工业机器人系统运维人员", "工业机器人系统运维员"),
    ("智能制造工程技术员", "智能制造工程技术人员"),
    ("虚拟现实工程技术员", "虚拟现实工程技术人员"),
    ("供应链管理员", "供应链管理师"),
    ("网约配送人员", "网约配送员"),
    ("人工智能训练员", "人工智能训练师"),
    ("全媒体运营员", "全媒体运营师"),
    ("康复辅助技术咨询员", "康复辅助技术咨询师"),
    ("区块链工程技术员", "区块链工程技术人员"),
    ("城市管理网格人员", "城市管理网格员"),
    ("互联网营销人员", "互联网营销师"),
    ("信息安全测试人员", "信息安全测试员"),
    ("在线学习服务人员", "在线学习服务师"),
    ("老年人能力评估员", "老年人能力评估师"),
    ("增材制造设备操作人员", "增材制造设备操作员"),
    ("集成电路工程技术员", "集成电路工程技术人员"),
    ("企业合规管理师", "企业合规师"),
    ("二手车经纪人员", "二手车经纪人"),
    ("汽车救援人员", "汽车救援员"),
    ("食品安全管理员", "食品安全管理师"),
    ("电子数据取证分析员", "电子数据取证分析师"),
    ("碳排放管理师", "碳排放管理员"),
    ("智能硬件装调人员", "智能硬件装调员"),
]

# (title staff type, registry title): distinct, written by hand.
DISTINCT_WRITTEN = [
    ("Drone Instructors", "Drone Pilots"),
    ("Agricultural Machinery Repairers", "Agricultural Managers"),
    ("Cloud Kitchen Managers", "Cloud Computing Engineering Technicians"),
    ("Esports Referees", "Esports Players"),
    ("Data Labelers", "Big Data Engineering Technicians"),
    ("Health Insurance Adjusters", "Health Care Workers"),
    ("Respiratory Equipment Salespeople", "Respiratory Therapists"),
    ("Railway Ticket Inspectors", "Railway Comprehensive Maintenance Workers"),
    ("Blockchain Lawyers", "Blockchain Engineering Technicians"),
    ("Urban Planners", "Urban Management Grid Personnel"),
    ("Online Game Designers", "Online Learning Service Personnel"),
    ("Security Guards", "Information Security Testers"),
    ("Compliance Auditors", "Corporate Compliance Officers"),
    ("Car Wash Attendants", "Second-Hand Car Brokers"),
    ("Food Delivery Riders", "Food Safety Managers"),
    ("Carbon Fibre Workers", "Carbon Emission Managers"),
    ("Wine Sommeliers", "Wine Body Designers"),
    ("Pipeline Welders", "Pipeline Operation and Maintenance Personnel"),
    ("Tour Bus Drivers", "Study Tour Guides"),
    ("Family Doctors", "Family Education Instructors"),
    ("Oral Surgeons", "Oral Health Technician"),
    ("Exhibition Security Staff", "Exhibition Organizer"),
    ("Robot Vacuum Repairers", "Service Robot Application Technicians"),
    ("Digital Artists", "Digital Solution Designers"),
    ("Hotel Managers", "Homestay Managers"),
    ("无人机教员", "无人机驾驶员"),
    ("农业机械维修工", "农业经理人"),
    ("云厨房经理", "云计算工程技术人员"),
    ("电子竞技裁判员", "电子竞技员"),
    ("数据标注员", "大数据工程技术人员"),
    ("健康保险理赔员", "健康照护师"),
    ("铁路客运员", "铁路综合维修工"),
    ("区块链律师", "区块链工程技术人员"),
    ("城市规划师", "城市管理网格员"),
    ("网络游戏设计师", "在线学习服务师"),
    ("保安员", "信息安全测试员"),
    ("合规审计师", "企业合规师"),
    ("洗车工", "二手车经纪人"),
    ("外卖骑手", "网约配送员"),
    ("碳纤维制造工", "碳排放管理员"),
    ("葡萄酒侍酒师", "酒体设计师"),
    ("管道焊工", "管廊运维员"),
    ("旅游大巴司机", "汽车救援员"),
    ("家庭医生", "健康照护师"),
    ("口腔外科医师", "呼吸治疗师"),
    ("展会保安员", "汽车救援员"),
    ("扫地机器人维修工", "服务机器人应用技术员"),
    ("数字艺术家", "数字化管理师"),
    ("酒店经理", "连锁经营管理师"),
    ("工业设计师", "建筑幕墙设计师"),
]


@dataclass(frozen=True)
class Pair:
    query: str
    registry: str
    near: bool
    origin: str  # "seed other name", "written", "seed pair"


def seed_names() -> list[tuple[str, list[str]]]:
    """(name, other names) of every published occupation of the seed history."""
    names = []
    for path in sorted((ROOT / "seeds" / "batches").glob("*.yaml")):
        for occupation in yaml.safe_load(path.read_text(encoding="utf-8"))["occupations"]:
            names.append((occupation["name"], list(occupation.get("alternative_names") or [])))
    return names


def registry() -> list[str]:
    """The registry's titles: the seed history's names and the Chinese names above."""
    return [name for name, _others in seed_names()] + REGISTRY_ZH


def _words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", title.casefold()) if len(w) >= 4}


def _runs(title: str) -> set[str]:
    return {title[i : i + 3] for i in range(len(title) - 2)}


def labelled_pairs() -> list[Pair]:
    names = seed_names()
    held = set(registry())
    pairs = [
        Pair(other, name, True, "seed other name")
        for name, others in names
        for other in others
        # An other name that is itself an occupation's name is no query.
        if other not in held
    ]
    pairs += [Pair(q, r, True, "written") for q, r in NEAR_WRITTEN]
    pairs += [Pair(q, r, False, "written") for q, r in DISTINCT_WRITTEN]
    for (a, _x), (b, _y) in itertools.combinations(names, 2):
        if _words(a) & _words(b):
            pairs.append(Pair(a, b, False, "seed pair"))
    for a, b in itertools.combinations(REGISTRY_ZH, 2):
        if _runs(a) & _runs(b):
            pairs.append(Pair(a, b, False, "seed pair"))
    for title in (*(q for q, _r in NEAR_WRITTEN), *(q for q, _r in DISTINCT_WRITTEN)):
        if title in held:
            raise ValueError(f"query {title!r} is a registry title")
    for pair in pairs:
        if pair.registry not in held:
            raise ValueError(f"{pair.registry!r} is not a registry title")
    return pairs


@dataclass
class Quality:
    pairs: int
    near: int
    distinct: int
    found: int  # near pairs found
    wrongly_found: int  # distinct pairs found
    precision: float
    recall: float
    misses: list[Pair]
    false_alarms: list[Pair]


def measure(*, floor: float) -> Quality:
    """Precision and recall of the nearest list on the labelled pairs, each query scored
    against the whole registry; a pair is found when its registry title is in the list
    (``consult.workflow.similar.nearest`` with ``floor``)."""
    from consult.workflow.similar import Candidate, Texts, nearest

    titles = registry()
    pairs = labelled_pairs()
    listed: dict[str, set[str]] = {}
    for query in {p.query for p in pairs}:
        candidates = [Candidate("occupation", None, t, "", Texts((t,))) for t in titles]
        # A seed name is not its own duplicate: it is the record.
        candidates = [c for c in candidates if c.name != query]
        listed[query] = {c.name for c in nearest(Texts((query,)), candidates, floor=floor)}
    found = [p for p in pairs if p.registry in listed[p.query]]
    tp = sum(p.near for p in found)
    fp = sum(not p.near for p in found)
    near = sum(p.near for p in pairs)
    return Quality(
        pairs=len(pairs),
        near=near,
        distinct=len(pairs) - near,
        found=tp,
        wrongly_found=fp,
        precision=round(tp / (tp + fp), 3) if tp + fp else 1.0,
        recall=round(tp / near, 3) if near else 1.0,
        misses=[p for p in pairs if p.near and p not in found],
        false_alarms=[p for p in pairs if not p.near and p in found],
    )
