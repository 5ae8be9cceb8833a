"""Word pools of the load-data generator (``bench.loaddata``): occupation names, tasks and
job types, and comment sentences, in Chinese and English."""

# Word pools for occupation names: field + object + role, in Chinese and English.
FIELDS = [
    ("智能制造", "intelligent manufacturing"),
    ("工业互联网", "industrial internet"),
    ("人工智能", "artificial intelligence"),
    ("区块链", "blockchain"),
    ("云计算", "cloud computing"),
    ("物联网", "internet of things"),
    ("大数据", "big data"),
    ("数字孪生", "digital twin"),
    ("低空飞行", "low-altitude flight"),
    ("氢能", "hydrogen energy"),
    ("储能", "energy storage"),
    ("碳排放", "carbon emission"),
    ("碳汇", "carbon sink"),
    ("新能源汽车", "new energy vehicle"),
    ("集成电路", "integrated circuit"),
    ("虚拟现实", "virtual reality"),
    ("康复辅助", "rehabilitation aid"),
    ("健康照护", "health care"),
    ("城市轨道交通", "urban rail transit"),
    ("农业经理", "agricultural management"),
    ("电子竞技", "e-sports"),
    ("网络直播", "live streaming"),
    ("供应链", "supply chain"),
    ("无人机", "drone"),
    ("家庭教育", "family education"),
    ("建筑信息模型", "building information modelling"),
    ("数据安全", "data security"),
    ("智慧养老", "smart elderly care"),
]
OBJECTS = [
    ("装备", "equipment"),
    ("系统", "systems"),
    ("平台", "platform"),
    ("数据", "data"),
    ("服务", "services"),
    ("工程", "engineering"),
    ("运营", "operations"),
    ("测试", "testing"),
    ("应用", "applications"),
    ("网络", "networks"),
]
ROLES = [
    ("工程技术人员", "engineering technician"),
    ("运维员", "maintenance worker"),
    ("操作员", "operator"),
    ("管理师", "manager"),
    ("设计师", "designer"),
    ("技术员", "technician"),
    ("分析师", "analyst"),
    ("检验员", "inspector"),
    ("调试员", "commissioning worker"),
    ("咨询师", "consultant"),
    ("培训师", "trainer"),
    ("安全员", "safety officer"),
]
TASK_VERBS = [
    ("负责", "Be responsible for"),
    ("开展", "Carry out"),
    ("组织", "Organise"),
    ("参与", "Take part in"),
    ("制定", "Draw up"),
]
TASK_OBJECTS = [
    ("{f}{o}的安装、调试与维护", "installing, commissioning and maintaining {fe} {oe}"),
    ("{f}{o}的需求分析与方案设计", "requirements analysis and design of {fe} {oe}"),
    ("{f}{o}运行数据的采集、监测与分析", "collecting, monitoring and analysing {fe} data"),
    ("{f}{o}的质量检验与故障诊断", "quality inspection and fault diagnosis of {fe} {oe}"),
    ("{f}相关标准、规范和操作规程", "standards and operating procedures for {fe}"),
    ("{f}{o}的技术培训与咨询", "training and advice on {fe} {oe}"),
    ("{f}项目的进度、成本和安全管理", "schedule, cost and safety of {fe} projects"),
    ("{f}{o}的网络与数据安全防护", "network and data security of {fe} {oe}"),
]
JOB_TYPES = ["运维", "研发", "测试", "实施", "管理", "设计", "操作", "培训"]

# Comment text: sentences in Chinese and in English, combined with numbers and names.
ZH_OPENINGS = [
    "建议将“{name}”的名称调整为“{alt}”。",
    "“{name}”的定义过于宽泛，建议补充具体的工作对象。",
    "我单位约有{n}名从业人员从事“{name}”相关工作，支持列入目录。",
    "主要工作任务第{t}项与现有职业存在交叉，建议删除或合并。",
    "建议在“{name}”下增设{jt}工种。",
    "该职业与{field}行业发展密切相关，建议尽快发布。",
    "从业人员规模估计在{n}人左右，建议补充职业技能等级划分。",
    "建议将“{name}”归入第{g}大类。",
]
# Every individual comment opens with its writer's context, which carries a number: texts
# written one by one rarely coincide, so only campaigns share a fingerprint.
ZH_CONTEXTS = [
    "我在{field}领域工作了{y}年，所在单位有{n}名员工。",
    "本单位是{field}企业，现有相关从业人员{n}人。",
    "作为{field}专业教师，我已培养学生{n}名。",
    "我们协会覆盖{field}企业{n}家。",
]
EN_CONTEXTS = [
    "I have worked in {fe} for {y} years, at a firm of {n} people.",
    "We are a {fe} company with {n} staff in related roles.",
    "As a {fe} lecturer I have trained {n} students.",
    "Our association represents {n} {fe} firms.",
]
ZH_CLOSINGS = [
    "以上意见供参考。",
    "望予以采纳。",
    "请在技能标准中予以体现。",
    "建议听取行业协会的意见。",
    "",
]
EN_OPENINGS = [
    'Consider renaming "{alt}" to better match industry usage.',
    "Task {t} overlaps with an occupation already in the classification.",
    "Our organisation employs about {n} people in this role and supports its inclusion.",
    "The definition should name the equipment the worker operates.",
    "Please add a {jte} job type under this occupation.",
    "The {fe} sector needs this occupation recognised as soon as possible.",
    "The draft should state the skill levels expected for about {n} workers.",
    "This occupation belongs in major group {g}, not where it is now.",
]
EN_CLOSINGS = [
    "Thank you for the opportunity to comment.",
    "We would welcome a reply.",
    "Industry associations should be consulted.",
    "",
]
ORGANISATIONS = [
    "{field}产业联盟",
    "{field}行业协会",
    "某职业技术学院",
    "某市人力资源服务中心",
    "{fe} industry association",
    "Vocational training centre",
    "",
    "",
]
