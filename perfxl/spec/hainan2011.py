"""Profile hainan2011: 财政支出项目绩效评价报告 (the seed's Hainan layout, 20/25/55 scoring table)."""

from __future__ import annotations

from perfxl.spec import Column, Const, Field, Formula, Profile, Sheet, Table
from perfxl.spec.lists import HAINAN_LISTS

# The fixed three-level scoring table (domain a.1 A4): (一级, w1, 二级, w2, 三级, w3).
SCORING_ROWS: tuple[tuple[str, int, str, int, str, int], ...] = (
    ("项目决策", 20, "项目目标", 4, "目标内容", 4),
    ("项目决策", 20, "决策过程", 8, "决策依据", 3),
    ("项目决策", 20, "决策过程", 8, "决策程序", 5),
    ("项目决策", 20, "资金分配", 8, "分配办法", 2),
    ("项目决策", 20, "资金分配", 8, "分配结果", 6),
    ("项目管理", 25, "资金到位", 5, "到位率", 3),
    ("项目管理", 25, "资金到位", 5, "到位时效", 2),
    ("项目管理", 25, "资金管理", 10, "资金使用", 7),
    ("项目管理", 25, "资金管理", 10, "财务管理", 3),
    ("项目管理", 25, "组织实施", 10, "组织机构", 1),
    ("项目管理", 25, "组织实施", 10, "管理制度", 9),
    ("项目绩效", 55, "项目产出", 15, "产出数量", 5),
    ("项目绩效", 55, "项目产出", 15, "产出质量", 4),
    ("项目绩效", 55, "项目产出", 15, "产出时效", 3),
    ("项目绩效", 55, "项目产出", 15, "产出成本", 3),
    ("项目绩效", 55, "项目效益", 40, "经济效益", 8),
    ("项目绩效", 55, "项目效益", 40, "社会效益", 8),
    ("项目绩效", 55, "项目效益", 40, "环境效益", 8),
    ("项目绩效", 55, "项目效益", 40, "可持续影响", 8),
    ("项目绩效", 55, "项目效益", 40, "服务对象满意度", 8),
)

# Narrative outline (domain a.1 A6): (path, heading).
REPORT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("1.1", "一、项目概况 （一）项目单位基本情况"),
    ("1.2", "一、项目概况 （二）项目基本性质、用途和主要内容、涉及范围"),
    ("1.3", "一、项目概况 （三）跨年度项目的预期总目标及阶段性目标"),
    ("2.1", "二、项目资金使用及管理情况 （一）项目资金到位情况"),
    ("2.2", "二、项目资金使用及管理情况 （二）项目资金使用情况分析"),
    ("2.3", "二、项目资金使用及管理情况 （三）项目资金管理情况分析"),
    ("3", "三、项目组织实施情况"),
    ("4.1.1", "四、项目绩效情况 （一）1.项目的经济性分析"),
    ("4.1.2", "四、项目绩效情况 （一）2.项目的效率性分析"),
    ("4.1.3", "四、项目绩效情况 （一）3.项目的效益性分析"),
    ("4.1.4", "四、项目绩效情况 （一）4.项目的可持续性分析"),
    ("4.1.5", "四、项目绩效情况 （一）5.项目预算批复的绩效目标完成情况分析"),
    ("4.2", "四、项目绩效情况 （二）项目绩效目标未完成原因分析"),
    ("5", "五、综合评价情况及评价结论"),
    ("6", "六、主要经验及做法、存在的问题和建议"),
    ("7", "七、其他需说明的问题"),
)

SC_FIRST = 3
SC_LAST = SC_FIRST + len(SCORING_ROWS) - 1  # 22
SC_TOTAL = SC_LAST + 1
SC_GRADE = SC_TOTAL + 1

COVER = Sheet(
    key="cover",
    name="封面",
    title="财政支出项目绩效评价报告",
    last_col="F",
    title_span="A1:F1",
    col_widths={"A": 18, "B": 16, "C": 16, "D": 16, "E": 16, "F": 16},
    fields=(
        Field(
            "eval_type",
            "评价类型",
            "B3",
            "A3",
            span="B3:F3",
            kind="choice",
            choices="eval_type",
            required=True,
        ),
        Field("project_name", "项目名称", "B4", "A4", span="B4:F4", required=True),
        Field(
            "project_code",
            "项目编码",
            "B5",
            "A5",
            span="B5:F5",
            help="预算系统中的项目编码，用于识别重复提交。",
            aliases=("项目代码", "项目编号"),
        ),
        Field(
            "unit",
            "项目单位",
            "B6",
            "A6",
            span="B6:F6",
            required=True,
            help="如单位曾更名，可写作“现名(原…)”。",
            aliases=("项目实施单位", "实施单位"),
        ),
        Field("unit_code", "单位编码", "B7", "A7", span="B7:F7", aliases=("单位代码",)),
        Field("dept", "主管部门", "B8", "A8", span="B8:F8", required=True),
        Field(
            "fiscal_year",
            "评价年度",
            "B9",
            "A9",
            span="B9:F9",
            kind="year",
            required=True,
            help="被评价资金所属的预算年度，如 2018。",
            aliases=("年度", "预算年度"),
        ),
        Field(
            "eval_date",
            "评价时间",
            "B10",
            "A10",
            span="B10:F10",
            kind="text",
            required=True,
            help="如 2019年6月11日，或 2019年2月10日至2019年4月25日。",
        ),
        Field(
            "org_mode",
            "组织方式",
            "B11",
            "A11",
            span="B11:F11",
            kind="choice",
            choices="org_mode",
            required=True,
        ),
        Field(
            "eval_agency",
            "评价机构",
            "B12",
            "A12",
            span="B12:F12",
            kind="choice",
            choices="eval_agency",
            required=True,
        ),
        Field(
            "eval_org",
            "评价单位（盖章）",
            "B13",
            "A13",
            span="B13:F13",
            aliases=("评价单位",),
        ),
        Field(
            "submit_date",
            "上报时间",
            "B14",
            "A14",
            span="B14:F14",
            kind="date",
            required=True,
            help="如 2019-06-11。同一项目多次提交时以最新上报时间为准。",
            aliases=("报送时间", "填报日期"),
        ),
    ),
)

TARGETS = Table(
    key="targets",
    title="项目绩效目标",
    header_row=3,
    header_rows=2,
    first_row=5,
    n_rows=20,
    fill_down=("target_type",),
    columns=(
        Column(
            "target_type",
            "指标类型",
            "A",
            kind="choice",
            choices="target_type",
            width=11,
            required=True,
        ),
        Column("name", "指标名称", "B", width=20, required=True),
        Column("unit", "计量单位", "C", width=8, aliases=("单位", "度量单位")),
        Column(
            "direction",
            "指标方向",
            "D",
            kind="choice",
            choices="direction",
            width=8,
            aliases=("指标性质",),
        ),
        Column(
            "target",
            "绩效目标",
            "E",
            kind="target",
            width=11,
            required=True,
            help="以预算批复的绩效目标为准填列。",
            aliases=("年度绩效目标", "绩效目标值", "年初绩效目标"),
        ),
        Column("tier_excellent", "优", "F", kind="target", width=11, group="绩效标准"),
        Column("tier_good", "良", "G", kind="target", width=11, group="绩效标准"),
        Column("tier_fair", "中", "H", kind="target", width=11, group="绩效标准"),
        Column("tier_poor", "差", "I", kind="target", width=11, group="绩效标准"),
        Column(
            "actual",
            "实际完成值",
            "J",
            kind="actual",
            width=11,
            required=True,
            aliases=("实际完成情况", "完成值"),
        ),
        Column(
            "explanation",
            "完成情况说明",
            "K",
            kind="textarea",
            width=26,
            aliases=("偏差原因", "说明"),
        ),
    ),
    help="每行一个绩效指标；绩效标准按优、良、中、差填写区间，如 47（含）-51、≥95%、85%以下。",
)

GOALS = Sheet(
    key="goals",
    name="项目绩效目标表",
    title="项目绩效目标表",
    last_col="K",
    landscape=True,
    title_span="A1:K1",
    fields=(
        Field(
            "project_name_link",
            "项目名称",
            "B2",
            "A2",
            span="B2:K2",
            formula=Formula('=IF(封面!B4="","",封面!B4)'),
        ),
    ),
    tables=(TARGETS,),
    notes=(
        (
            "A25:K25",
            "注：以预算批复的绩效目标为准填列。实际完成值填写数值，或定性结论“达成年度指标”等。",
        ),
    ),
)

FUND_SOURCES = (
    ("total", "合计"),
    ("central", "其中：中央财政"),
    ("provincial", "省财政"),
    ("county", "市县财政"),
    ("other", "其他"),
)

FUNDS = Table(
    key="funds",
    title="项目资金",
    header_row=8,
    header_rows=1,
    first_row=9,
    n_rows=5,
    row_key="source",
    columns=(
        Column("source", "资金来源", "A", width=18),
        Column(
            "planned",
            "计划投资额",
            "B",
            kind="money",
            required=True,
            aliases=("计划投资额（万元）",),
        ),
        Column(
            "arrived",
            "实际到位资金",
            "C",
            kind="money",
            required=True,
            aliases=("实际到位资金（万元）",),
        ),
        Column(
            "used",
            "实际使用情况",
            "D",
            kind="money",
            required=True,
            aliases=("实际使用情况（万元）",),
        ),
        Column("note", "说明", "E", kind="textarea", span_to="F", width=18, aliases=("备注",)),
    ),
    presets=tuple(
        {"source": Const(label)}
        | (
            {
                "planned": Formula("=SUM(B10:B13)"),
                "arrived": Formula("=SUM(C10:C13)"),
                "used": Formula("=SUM(D10:D13)"),
            }
            if key == "total"
            else {}
        )
        for key, label in FUND_SOURCES
    ),
    help="金额单位：万元。合计自动计算。",
)

BASIC = Sheet(
    key="basic",
    name="项目基本信息",
    title="项目基本信息",
    last_col="F",
    title_span="A1:F1",
    col_widths={"A": 18, "B": 16, "C": 16, "D": 16, "E": 14, "F": 14},
    fields=(
        Field("impl_unit", "项目实施单位", "B3", "A3", span="B3:C3", aliases=("实施单位",)),
        Field("basic_dept", "主管部门", "E3", "D3", span="E3:F3"),
        Field("leader", "项目负责人", "B4", "A4", span="B4:C4", required=True),
        Field("phone", "联系电话", "E4", "D4", span="E4:F4", kind="phone"),
        Field("address", "地址", "B5", "A5", span="B5:C5"),
        Field("postcode", "邮编", "E5", "D5", span="E5:F5"),
        Field(
            "project_type",
            "项目类型",
            "B6",
            "A6",
            span="B6:C6",
            kind="choice",
            choices="project_type",
            required=True,
        ),
        Field(
            "arrival_rate",
            "资金到位率",
            "B14",
            "A14",
            kind="percent",
            formula=Formula('=IF(N(B9)>0,C9/B9,"")'),
        ),
        Field(
            "exec_rate",
            "预算执行率",
            "D14",
            "C14",
            kind="percent",
            formula=Formula('=IF(N(C9)>0,D9/C9,"")'),
            aliases=("执行率",),
        ),
        Field(
            "balance",
            "结余（万元）",
            "F14",
            "E14",
            kind="money",
            formula=Formula('=IF(N(C9)>0,C9-D9,"")'),
        ),
    ),
    tables=(FUNDS,),
    notes=(("A2:F2", "一、项目基本情况"), ("A7:F7", "项目资金（单位：万元）")),
)

SCORING = Table(
    key="scoring",
    title="绩效评价指标评分",
    header_row=2,
    header_rows=1,
    first_row=SC_FIRST,
    n_rows=len(SCORING_ROWS),
    row_key="level3",
    fill_down=("level1", "w1", "level2", "w2"),
    merge_down=("level1", "w1", "level2", "w2"),
    end_labels=("总分",),
    columns=(
        Column("level1", "一级指标", "A", width=11),
        Column("w1", "分值", "B", kind="score", width=6),
        Column("level2", "二级指标", "C", width=11),
        Column("w2", "分值", "D", kind="score", width=6),
        Column("level3", "三级指标", "E", width=14),
        Column("w3", "分值", "F", kind="score", width=6),
        Column("score", "得分", "G", kind="score", width=7, required=True),
        Column(
            "note",
            "评分说明",
            "H",
            kind="textarea",
            width=34,
            help="扣分的项目请说明扣分原因。",
            aliases=("扣分原因", "评分依据", "说明"),
        ),
    ),
    presets=tuple(
        {
            "level1": Const(l1),
            "w1": Const(w1),
            "level2": Const(l2),
            "w2": Const(w2),
            "level3": Const(l3),
            "w3": Const(w3),
        }
        for l1, w1, l2, w2, l3, w3 in SCORING_ROWS
    ),
    help="分值已按模板印制，只填写得分；扣分项须填写评分说明。",
)

SCORE_SHEET = Sheet(
    key="scoring",
    name="绩效评价指标评分",
    title="二、绩效评价指标评分",
    last_col="H",
    title_span="A1:H1",
    fields=(
        Field(
            "weight_total",
            "总分",
            f"F{SC_TOTAL}",
            f"A{SC_TOTAL}",
            kind="score",
            formula=Formula(f"=SUM(F{SC_FIRST}:F{SC_LAST})"),
        ),
        Field(
            "total_reported",
            "总分",
            f"G{SC_TOTAL}",
            f"A{SC_TOTAL}",
            kind="score",
            formula=Formula(f"=SUM(G{SC_FIRST}:G{SC_LAST})"),
            aliases=("合计", "总得分"),
        ),
        Field(
            "grade_reported",
            "评价等次",
            f"B{SC_GRADE}",
            f"A{SC_GRADE}",
            span=f"B{SC_GRADE}:H{SC_GRADE}",
            formula=Formula(
                f'=IF(ISNUMBER(G{SC_TOTAL}),IF(G{SC_TOTAL}>=90,"优",IF(G{SC_TOTAL}>=80,"良",'
                f'IF(G{SC_TOTAL}>=60,"中","差"))),"")'
            ),
            aliases=("评价等级", "评价结论"),
        ),
    ),
    tables=(SCORING,),
    notes=((f"B{SC_TOTAL}", 100), (f"D{SC_TOTAL}", 100)),
)

EVALUATORS = Table(
    key="evaluators",
    title="评价人员",
    header_row=2,
    header_rows=1,
    first_row=3,
    n_rows=15,
    columns=(
        Column("name", "姓名", "A", width=12, required=True),
        Column("title", "职务/职称", "B", width=14, aliases=("职务", "职称")),
        Column("unit", "单位", "C", width=30, aliases=("工作单位",)),
        Column("score", "项目评分", "D", kind="score", width=10, aliases=("评分",)),
        Column("signed", "签字", "E", width=12, aliases=("签名",)),
    ),
)

EVAL_SHEET = Sheet(
    key="evaluators",
    name="评价人员",
    title="三、评价人员",
    last_col="E",
    title_span="A1:E1",
    fields=(
        Field(
            "team_leader",
            "评价工作组组长（签字）",
            "B18",
            "A18",
            span="B18:C18",
            aliases=("评价工作组组长",),
        ),
        Field(
            "unit_head",
            "项目单位负责人（签字并盖章）",
            "B19",
            "A19",
            span="B19:C19",
            aliases=("项目单位负责人",),
        ),
        Field("sign_date", "日期", "E18", "D18", kind="date"),
    ),
    tables=(EVALUATORS,),
)

REPORT = Table(
    key="narrative",
    title="评价报告正文",
    header_row=2,
    header_rows=1,
    first_row=3,
    n_rows=len(REPORT_SECTIONS),
    row_key="path",
    columns=(
        Column("path", "编号", "A", width=7),
        Column("section", "章节", "B", width=30),
        Column("text", "内容", "C", kind="textarea", width=90),
    ),
    presets=tuple({"path": Const(p), "section": Const(h)} for p, h in REPORT_SECTIONS),
    help="按章节填写评价报告正文；没有内容的章节写“无”。",
)

REPORT_SHEET = Sheet(
    key="report",
    name="评价报告",
    title="财政支出项目绩效评价报告（正文）",
    last_col="C",
    title_span="A1:C1",
    tables=(REPORT,),
)

PROFILE = Profile(
    id="hainan2011",
    title="财政支出项目绩效评价报告",
    sheets=(COVER, GOALS, BASIC, SCORE_SHEET, EVAL_SHEET, REPORT_SHEET),
    lists=HAINAN_LISTS,
    instructions=(
        "本模板依据海南省财政支出项目绩效评价报告格式（项目决策20分、项目管理25分、项目绩效55分）制作，每个项目填写一份。",
        "只需填写白色单元格；灰色单元格为表头、印制的分值或自动计算（合计、到位率、执行率、总分、评价等次），已锁定但无密码。",
        "封面：评价类型、组织方式、评价机构请从下拉列表中选择；评价年度填写被评价资金所属年度。",
        "项目绩效目标表：绩效目标以预算批复为准；绩效标准按优、良、中、差分别填写互不重叠、首尾相接的区间，如“47（含）-51”“≥95%”“85%以下”；必须填写实际完成值。",
        "项目基本信息：金额单位为万元，按资金来源分别填写计划投资额、实际到位资金、实际使用情况，合计自动计算。",
        "绩效评价指标评分：只填写得分，不得超过分值；扣分的项目须在评分说明中写明原因。",
        "评价等次：90（含）-100分为优，80（含）-90分为良，60（含）-80分为中，60分以下为差。",
        "评价人员：逐行填写评价工作组成员。评价报告：按章节填写正文。",
        "请勿删除、重命名工作表，勿修改隐藏工作表；可在绩效目标表、评价人员表中插入行。",
    ),
)
