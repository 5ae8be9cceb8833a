"""Labelled near-duplicate campaigns, in Chinese and English, for measuring the campaign
clustering (``consult.clustering``) and for the load data.

A campaign is a template letter that many people send, each copy edited the way people edit
them: the sender's name and city changed, a few words swapped for synonyms, a sentence of their
own inserted, punctuation and spacing changed. Independent comments are written from other
sentence pools with their own details. Every text carries its label: the campaign's number, or
None for an independent comment. Pure functions of one ``random.Random``: the same seed gives
the same texts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from bench.wordpools import FIELDS, OBJECTS, ROLES
from consult.clustering import SHINGLE
from consult.models import normalised_text

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建波宁欣文斌志浩宇凯晨婷雪琳"
CITIES_ZH = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "成都",
    "武汉",
    "西安",
    "南京",
    "杭州",
    "重庆",
    "天津",
    "苏州",
    "长沙",
    "郑州",
    "沈阳",
    "青岛",
    "合肥",
    "昆明",
    "大连",
    "厦门",
]
FIRST_EN = [
    "James",
    "Mary",
    "Wei",
    "Li",
    "Anna",
    "David",
    "Sarah",
    "Chen",
    "Ming",
    "John",
    "Laura",
    "Peter",
    "Emma",
    "Lucas",
    "Grace",
    "Daniel",
    "Olivia",
    "Tom",
    "Nina",
    "Paul",
]
LAST_EN = [
    "Smith",
    "Wang",
    "Zhang",
    "Brown",
    "Liu",
    "Johnson",
    "Chen",
    "Taylor",
    "Lee",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Green",
    "Scott",
    "Baker",
    "Adams",
    "Hill",
    "Moore",
]
CITIES_EN = [
    "Beijing",
    "Shanghai",
    "Guangzhou",
    "Shenzhen",
    "Chengdu",
    "Wuhan",
    "Xi'an",
    "Nanjing",
    "Hangzhou",
    "Chongqing",
    "Tianjin",
    "Suzhou",
]

# Sentences of campaign letters; {occ} the occupation, {n} a number, {y} years.
ZH_CAMPAIGN_SENTENCES = [
    "我们强烈支持将{occ}列入新职业目录。",
    "目前全国从事{occ}相关工作的人员已超过{n}人，并且还在快速增长。",
    "这一职业的工作内容与现有职业有明显区别，不能简单合并。",
    "建议尽快发布{occ}的国家职业技能标准，为培训和评价提供依据。",
    "希望有关部门明确该职业的主要工作任务，特别是安全操作方面的要求。",
    "从业人员普遍认为，职业认定对提高社会认可度非常重要。",
    "我们所在的行业已经形成了{y}年以上的稳定用人需求。",
    "建议在职业定义中增加数据分析和设备维护的相关内容。",
    "希望尽快开展职业技能等级认定工作，让从业人员有清楚的发展通道。",
    "企业在招聘中长期找不到合适的人才，职业标准的缺失是重要原因之一。",
    "我们认为该职业应当归入第四大类，而不是第六大类。",
    "恳请在最终公布的目录中保留这一职业，并认真考虑一线从业者的意见。",
    "职业院校已经开设相关专业{y}年，毕业生需要一个明确的职业名称。",
    "建议将工种划分为初级、中级和高级三个方向，便于企业使用。",
    "我们非常希望这一职业能够早日得到国家的正式认可。",
    "该职业对推动相关产业发展具有重要作用。",
]
EN_CAMPAIGN_SENTENCES = [
    "We strongly support adding {occ} to the national classification of occupations.",
    "More than {n} people across the country already work as {occ}, and the number keeps "
    "growing every year.",
    "The work is clearly different from any existing occupation and should not simply be "
    "merged with one.",
    "We ask that a national skill standard for {occ} be published quickly, so that training "
    "and assessment have a basis.",
    "Please make the main tasks of this occupation clear, especially the requirements for safe "
    "operation.",
    "Workers in the field believe that official recognition is very important for the "
    "standing of the profession.",
    "Our industry has had a stable demand for these skills for more than {y} years.",
    "The definition should mention data analysis and the maintenance of equipment.",
    "We hope that skill level assessment can start soon and give workers a clear career path.",
    "Employers have struggled for years to hire qualified people, and the lack of a standard "
    "is one of the main reasons.",
    "In our view this occupation belongs in major group four rather than major group six.",
    "We urge you to keep this occupation in the final list and to listen to the people who "
    "actually do the work.",
    "Vocational colleges have taught this subject for {y} years, and their graduates need a "
    "recognised occupational title.",
    "The job types could be divided into junior, intermediate and senior directions to help "
    "employers.",
    "We very much hope that this occupation will soon receive official recognition.",
    "This occupation plays an important role in the development of the industry.",
]
# Word swaps people make when they retype a template.
ZH_SWAPS = [
    ("支持", "赞成"),
    ("建议", "提议"),
    ("尽快", "早日"),
    ("明确", "清楚"),
    ("相关", "有关"),
    ("非常", "十分"),
    ("希望", "期望"),
    ("认为", "觉得"),
    ("重要", "关键"),
    ("目前", "现在"),
    ("企业", "单位"),
    ("人员", "工作者"),
]
EN_SWAPS = [
    ("support", "back"),
    ("quickly", "soon"),
    ("important", "essential"),
    ("believe", "think"),
    ("people", "workers"),
    ("ask", "request"),
    ("strongly", "firmly"),
    ("clear", "explicit"),
    ("hope", "trust"),
    ("Employers", "Companies"),
    ("keep", "retain"),
    ("very much", "really"),
]
# Sentences a sender adds of their own.
ZH_INSERTS = [
    "我本人在这个岗位上已经工作了{y}年。",
    "我们公司有{n}名员工从事这项工作。",
    "这件事关系到我们每一个从业者的切身利益。",
    "我们单位的同事都同意这个意见。",
    "请认真考虑我们的意见，谢谢！",
    "我是一名刚毕业的学生，正在找这方面的工作。",
]
EN_INSERTS = [
    "I have worked in this job myself for {y} years.",
    "Our company employs {n} people in this kind of work.",
    "This matters to every one of us who does this work.",
    "All my colleagues agree with this letter.",
    "Please take our views seriously, thank you.",
    "I am a recent graduate looking for work in this field.",
]
# Independent comments: their own sentences, on their own subjects.
ZH_OWN = [
    "第{t}项主要工作任务的表述过于笼统，建议写明使用的{obj}。",
    "职业名称中的“{role}”不够准确，建议改为“{field}{role2}”。",
    "定义中没有提到{field}领域的{obj}，与实际工作不符。",
    "编码{code}与已有职业重复，请核实。",
    "我在{city}从事{field}工作，日常工作主要是{obj}的检查和记录。",
    "建议增加“{field}{obj}{role}”这一工种。",
    "该职业是否应标注为绿色职业值得商榷。",
    "第{t}项和第{t2}项任务内容重叠，可以合并。",
    "数字职业标识应当保留，因为工作离不开{field}平台。",
    "建议参考国际标准职业分类中对应的{obj}岗位。",
    "{role}与{role2}的职责边界需要说明。",
    "请补充对{field}{obj}安全管理的要求。",
    "从事{field}{obj}工作需要哪些证书，目录里没有写清楚。",
    "第{t}项任务提到的{obj}相关工作在小企业里通常由{role}兼做。",
    "建议把“{field}”改为更通用的说法，几年后这个词可能就过时了。",
    "在{city}，做{obj}的人大多是从{role}转岗过来的。",
    "定义里“{obj}的运行维护”和第{t}项任务是一回事，建议删去一处。",
    "能否说明{role}和现有的{field}类职业如何区分？",
    "希望技能等级分为{k}级，并写明每一级对{obj}的要求。",
    "职业编码的第{t}位数字和相近职业冲突，请再核对。",
    "{field}行业的{role}工作时间长、流动性大，希望标准里有所体现。",
    "任务描述中“{obj}”一词出现了{k}次，意思却不完全一样。",
    "我们培训机构每年培养约{n}名{role}，很关心培训大纲何时出台。",
    "这个职业名称在{city}的招聘网站上几乎搜不到，建议用行业里的叫法。",
]
EN_OWN = [
    "Task {t} is worded too vaguely; it should name the {obj} that is used.",
    "The title '{role}' is not accurate; '{field} {role2}' would describe the work better.",
    "The definition does not mention {field} {obj}, which is most of the actual work.",
    "Code {code} duplicates an existing occupation, please check it.",
    "I work in {field} in {city}, and my day is mostly the inspection and logging of {obj}.",
    "Please add a job type for {field} {obj}.",
    "I doubt this occupation should carry the green marker.",
    "Tasks {t} and {t2} overlap and could be merged.",
    "The digital marker should stay, since the work depends on {field} platforms.",
    "The international standard classification has a close match under {obj} occupations.",
    "The line between {role}s and {role2}s needs to be explained.",
    "Please add requirements on the safe management of {field} {obj}.",
    "Which certificates does {field} {obj} work require? The list does not say.",
    "In small firms the {role} usually also looks after the {obj} named in task {t}.",
    "'{field}' may sound dated in a few years; a more general term would age better.",
    "In {city} most people who work on {obj} used to work as {role}s.",
    "The definition's 'running and maintaining {obj}' repeats task {t}; one of the two could go.",
    "How are {role}s told apart from the existing {field} occupations?",
    "Skill levels could be split into {k} grades, each saying what it requires for work on {obj}.",
    "Digit {t} of the code clashes with a neighbouring occupation; please check again.",
    "In {field}, {role}s work long hours and change jobs often; the standard should say so.",
    "The word '{obj}' appears {k} times in the tasks and does not always mean the same.",
    "Our centre trains about {n} {role}s a year and would like to know when the syllabus is out.",
    "Job sites in {city} hardly use this title; a name the trade itself uses would be found.",
]


@dataclass(frozen=True)
class LabelledText:
    body: str
    campaign: int | None  # None: an independent comment


@dataclass(frozen=True)
class Template:
    number: int
    language: str  # "zh" or "en"
    sentences: tuple[str, ...]


def _occupation(rng: random.Random, language: str) -> str:
    field, object_, role = rng.choice(FIELDS), rng.choice(OBJECTS), rng.choice(ROLES)
    if language == "zh":
        return f"“{field[0]}{object_[0]}{role[0]}”"
    return f"{field[1]} {object_[1]} {role[1]}s"


def template(rng: random.Random, number: int, language: str, occupation: str = "") -> Template:
    """A campaign letter of 7 to 10 sentences about one occupation (``occupation``, or one
    made up from the word pools)."""
    pool = ZH_CAMPAIGN_SENTENCES if language == "zh" else EN_CAMPAIGN_SENTENCES
    values = {
        "occ": occupation or _occupation(rng, language),
        "n": rng.randint(2, 90) * 1000,
        "y": rng.randint(3, 20),
    }
    chosen = rng.sample(pool, k=rng.randint(7, 10))
    return Template(number, language, tuple(s.format(**values) for s in chosen))


def _sender(rng: random.Random, language: str) -> tuple[str, str]:
    if language == "zh":
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        return name, rng.choice(CITIES_ZH)
    return f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}", rng.choice(CITIES_EN)


def _swap_words(rng: random.Random, text: str, swaps: list[tuple[str, str]], k: int) -> str:
    present = [pair for pair in swaps if pair[0] in text]
    for old, new in rng.sample(present, k=min(k, len(present))):
        text = text.replace(old, new, 1)
    return text


def _punctuate(rng: random.Random, text: str, language: str) -> str:
    """Spacing and punctuation as people retype them."""
    roll = rng.random()
    if roll < 0.2:
        return text.replace("，", ",").replace("。", ". ") if language == "zh" else text.lower()
    if roll < 0.4:
        return "  " + text.replace(" ", "  ", rng.randint(1, 4)) + "  "
    if roll < 0.6:
        return text.rstrip("。.") + ("！！" if language == "zh" else "!!")
    return text


def variant(rng: random.Random, letter: Template) -> str:
    """One sender's copy of ``letter``: signed with their name (and sometimes introduced with
    their city), up to two word swaps, sometimes a sentence of their own, their punctuation."""
    zh = letter.language == "zh"
    name, city = _sender(rng, letter.language)
    sentences = list(letter.sentences)
    if rng.random() < 0.25:
        insert = rng.choice(ZH_INSERTS if zh else EN_INSERTS)
        sentences.insert(
            rng.randint(0, len(sentences)),
            insert.format(y=rng.randint(1, 30), n=rng.randint(5, 900)),
        )
    joiner = "" if zh else " "
    text = joiner.join(sentences)
    text = _swap_words(rng, text, ZH_SWAPS if zh else EN_SWAPS, rng.choice((0, 1, 1, 2)))
    introduced = rng.random() < 0.2
    if zh:
        text = f"我是{city}的{name}。{text}" if introduced else f"{text}——{name}"
    else:
        text = f"My name is {name} from {city}. {text}" if introduced else f"{text} {name}"
    return _punctuate(rng, text, letter.language)


ZH_SELF = [
    "我在{city}的一家{size}人的单位工作，从事这一行已经{y}年。",
    "本人是{city}某{field}企业的{role}，工号{no}。",
    "我们单位去年招了{n}名新人，其中{m}人做{obj}相关的工作。",
]
EN_SELF = [
    "I work at a firm of {size} people in {city} and have done this job for {y} years.",
    "I work as one of the {role}s at a {field} company in {city}, staff number {no}.",
    "Last year we hired {n} new people, {m} of whom work on {obj}.",
]


def _own_details(rng: random.Random, zh: bool, city: str) -> dict[str, object]:
    """The details one sentence of an independent comment is about; the sender's ``city``."""
    field, object_ = rng.choice(FIELDS), rng.choice(OBJECTS)
    role, role2 = rng.sample(ROLES, k=2)
    hired = rng.randint(2, 400)
    i = 0 if zh else 1
    return {
        "t": rng.randint(1, 8),
        "t2": rng.randint(1, 8),
        "k": rng.randint(2, 6),
        "obj": object_[i],
        "role": role[i],
        "role2": role2[i],
        "field": field[i],
        "code": f"{rng.randint(1, 8)}-{rng.randint(1, 99):02d}-{rng.randint(1, 99):02d}",
        "city": city,
        "size": rng.randint(3, 5000),
        "y": rng.randint(1, 35),
        "no": rng.randint(1000, 99999),
        "n": hired,
        "m": rng.randint(1, min(hired, 60)),
    }


def independent(rng: random.Random, language: str) -> str:
    """A comment of one's own: a sentence about the sender and two to four more, each on
    details of its own (numbers, fields, roles; the sender's city is one), so that two senders
    rarely write alike.

    Drawn from 24 sentences a language, each with its own details: from 12 sentences sharing
    one set of details, the 700,000 independent comments of a million included many near
    copies of each other (the same sentences and details, other numbers), which the
    clustering rightly links and the labels called independent (bench/README.md)."""
    zh = language == "zh"
    city = rng.choice(CITIES_ZH if zh else CITIES_EN)
    pool = ZH_OWN if zh else EN_OWN
    sentences = [
        s.format(**_own_details(rng, zh, city)) for s in rng.sample(pool, k=rng.randint(2, 4))
    ]
    own = rng.choice(ZH_SELF if zh else EN_SELF).format(**_own_details(rng, zh, city))
    sentences.insert(rng.randint(0, len(sentences)), own)
    return ("" if zh else " ").join(sentences)


def campaign_sizes(
    rng: random.Random, campaigns: int, budget: int, *, low: int = 20, high: int = 2000
) -> list[int]:
    """``campaigns`` sizes drawn log-uniformly from ``low`` to ``high``, scaled down (never
    below ``low``) when they would exceed ``budget`` comments."""
    sizes = [round(math.exp(rng.uniform(math.log(low), math.log(high)))) for _ in range(campaigns)]
    total = sum(sizes)
    if total > budget:
        sizes = [max(low, size * budget // total) for size in sizes]
    return sizes


# Two campaigns' letters share less than this of their character runs. Drawn from 16 sentences
# a language, the letters of a few hundred campaigns otherwise include pairs of near copies
# (26 pairs at or above 0.7 among the 300 letters of a million comments), which are one
# campaign by their text whatever their labels say, and which the pairwise precision then
# counts as errors of the clustering.
DISTINCT_LETTERS = 0.6


def _runs(letter: Template) -> set[str]:
    """The letter's runs of characters, as the clustering compares texts."""
    text = normalised_text("".join(letter.sentences))
    return {text[i : i + SHINGLE] for i in range(max(len(text) - SHINGLE + 1, 1))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def plan(
    rng: random.Random, *, campaigns: int, independents: int, budget: int, high: int = 2000
) -> tuple[list[Template], list[int | None]]:
    """The letters of ``campaigns`` campaigns (half Chinese, half English; together about
    ``budget`` comments, each of 20 to ``high``) and the shuffled label of every comment
    (None for each of the ``independents``). Small: the texts are written one by one from it
    (``text_for``), so a million of them need not be held at once."""
    letters: list[Template] = []
    runs: list[set[str]] = []
    labels: list[int | None] = []
    for number, size in enumerate(campaign_sizes(rng, campaigns, budget, high=high)):
        letter = template(rng, number, "zh" if number % 2 == 0 else "en")
        while any(_jaccard(_runs(letter), other) >= DISTINCT_LETTERS for other in runs):
            letter = template(rng, number, letter.language)
        letters.append(letter)
        runs.append(_runs(letter))
        labels.extend([number] * size)
    labels.extend([None] * independents)
    rng.shuffle(labels)
    return letters, labels


def text_for(rng: random.Random, label: int | None, letters: list[Template]) -> str:
    """A copy of campaign ``label``'s letter, or an independent comment (60% Chinese)."""
    if label is None:
        return independent(rng, "zh" if rng.random() < 0.6 else "en")
    return variant(rng, letters[label])


def labelled_set(
    rng: random.Random, *, campaigns: int, independents: int, budget: int, high: int = 2000
) -> list[LabelledText]:
    """``plan``'s comments written out, in their shuffled order."""
    letters, labels = plan(
        rng, campaigns=campaigns, independents=independents, budget=budget, high=high
    )
    return [LabelledText(text_for(rng, label, letters), label) for label in labels]


def pairwise_quality(labels: list[int | None], clusters: list[int]) -> tuple[float, float]:
    """Precision and recall of the same-campaign decisions over all pairs of comments:
    ``labels`` the true campaigns (None: alone), ``clusters`` the found ones, in one order."""
    from collections import Counter

    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    keyed = [(label if label is not None else ("alone", i)) for i, label in enumerate(labels)]
    true_pairs = pairs(Counter(keyed))
    found_pairs = pairs(Counter(clusters))
    both = pairs(Counter(zip(keyed, clusters, strict=True)))
    precision = both / found_pairs if found_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return precision, recall
