"""Profile department2020: 部门整体支出绩效自评表, the form a department files once a year beside
its project forms (domain a.3): funds split by 基本支出 (人员经费, 公用经费) and 项目支出, the
year's overall goal, the 一级/二级/三级 indicators (产出/效益/满意度, often 履职效能, 管理效率),
总分 and 自评等次. Scored 10 (预算执行率) + 90, or 20 + 80."""

from __future__ import annotations

from perfxl.spec import Column, Const, Default, Field, Formula, Profile, Sheet, Table
from perfxl.spec.lists import COMMON_LISTS
from perfxl.spec.national2020 import INDICATORS as NATIONAL_INDICATORS
from perfxl.spec.national2020 import closing_fields

PROFILE_ID = "department2020"

FUNDS_HEADER = 5
FUNDS_FIRST = FUNDS_HEADER + 1  # 6: 资金总额
BASIC_ROW = FUNDS_FIRST + 1  # 7: 基本支出 = 人员经费 + 公用经费
PERSONNEL_ROW, PUBLIC_ROW, PROJECT_ROW = BASIC_ROW + 1, BASIC_ROW + 2, BASIC_ROW + 3
GOAL_ROW = PROJECT_ROW + 1  # 11: 预期目标 | 实际完成情况 labels, their texts in row 12
IND_HEADER = GOAL_ROW + 2  # 13
IND_FIRST, IND_ROWS = IND_HEADER + 1, 40
IND_LAST = IND_FIRST + IND_ROWS - 1  # 53
TOTAL_ROW = IND_LAST + 1  # 54
GRADE_ROW = TOTAL_ROW + 1

# 一级 blocks of a department-wide form: the project form's four and the department's own two
DEPARTMENT_LISTS: dict[str, tuple[str, ...]] = {
    **COMMON_LISTS,
    "level1_dept": ("履职效能", "管理效率", "产出指标", "效益指标", "满意度指标", "成本指标"),
    "level2_dept": (
        "重点工作履行情况",
        "履职目标实现",
        "履职效果",
        *COMMON_LISTS["level2_2020"],
        "预算编制",
        "预算执行",
        "预算管理",
        "资产管理",
        "绩效管理",
        "财务管理",
        "运行成本",
    ),
}


def _rate(r: int) -> Formula:
    return Formula(f'=IF(N(E{r})>0,F{r}/E{r},"")')


def _measure_sums(rows: str) -> dict[str, Formula]:
    """The three amounts of a line that adds up other lines (the D/E/F columns)."""
    return {
        key: Formula(f"=SUM({rows.format(c=col)})")
        for key, col in (("initial_budget", "D"), ("annual_budget", "E"), ("executed", "F"))
    }


FUNDS = Table(
    key="funds",
    title="部门资金",
    header_row=FUNDS_HEADER,
    header_rows=1,
    first_row=FUNDS_FIRST,
    n_rows=5,
    side_label="年度预算执行情况（万元）",
    side_col="A",
    row_key="source",
    columns=(
        Column(
            "source",
            "支出类别",
            "B",
            span_to="C",
            width=10,
            aliases=("资金来源", "资金类别", "支出性质", "项目", "科目", "类别"),
        ),
        Column(
            "initial_budget",
            "年初预算数",
            "D",
            kind="money",
            help="年初部门预算批复数（万元），保留两位小数。",
            aliases=("年初预算", "年初预算数（万元）"),
        ),
        Column(
            "annual_budget",
            "全年预算数",
            "E",
            kind="money",
            required=True,
            help="年初预算加调整、结转后的全年预算数（万元）。执行率以此为分母。",
            aliases=("全年预算", "调整后预算数", "全年预算数（A）", "全年预算数(A)"),
        ),
        Column(
            "executed",
            "全年执行数",
            "F",
            kind="money",
            required=True,
            help="全年实际支出数（万元）。",
            aliases=("全年执行", "执行数", "全年执行数（B）", "全年执行数(B)"),
        ),
        Column(
            "weight",
            "分值",
            "G",
            kind="score",
            help="预算执行率分值：10分（指标90分）或20分（指标80分）。",
        ),
        Column(
            "rate",
            "执行率",
            "H",
            kind="percent",
            help="自动计算：全年执行数 ÷ 全年预算数。",
            aliases=("执行率（B/A）", "执行率(B/A)", "执行率%"),
        ),
        Column("score", "得分", "I", kind="score", help="自动计算：分值 × 执行率（最高为分值）。"),
        Column(
            "note",
            "说明",
            "J",
            kind="textarea",
            span_to="K",
            help="预算调整、结余或执行率偏低、超预算的原因。",
            aliases=("备注", "情况说明"),
        ),
    ),
    presets=(
        {
            "source": Const("资金总额"),
            **_measure_sums("{c}" + str(BASIC_ROW) + ",{c}" + str(PROJECT_ROW)),
            "weight": Default(10),
            "rate": _rate(FUNDS_FIRST),
            "score": Formula(
                f'=IF(N(E{FUNDS_FIRST})>0,G{FUNDS_FIRST}*MIN(1,F{FUNDS_FIRST}/E{FUNDS_FIRST}),"")'
            ),
        },
        {
            "source": Const("基本支出"),
            **_measure_sums("{c}" + str(PERSONNEL_ROW) + ":{c}" + str(PUBLIC_ROW)),
            "weight": Const("—"),
            "rate": _rate(BASIC_ROW),
            "score": Const("—"),
        },
        {
            "source": Const("其中：人员经费"),
            "weight": Const("—"),
            "rate": _rate(PERSONNEL_ROW),
            "score": Const("—"),
        },
        {
            "source": Const("公用经费"),
            "weight": Const("—"),
            "rate": _rate(PUBLIC_ROW),
            "score": Const("—"),
        },
        {
            "source": Const("项目支出"),
            "weight": Const("—"),
            "rate": _rate(PROJECT_ROW),
            "score": Const("—"),
        },
    ),
    help="填写人员经费、公用经费和项目支出；基本支出、资金总额、执行率、得分自动计算。",
)


def _indicator_columns() -> tuple[Column, ...]:
    """The project form's indicator columns, with the department's 一级/二级 lists."""
    out = []
    for c in NATIONAL_INDICATORS.columns:
        if c.key == "level1":
            c = Column(
                "level1",
                "一级指标",
                "A",
                kind="choice",
                choices="level1_dept",
                width=11,
                required=True,
                help="履职效能 / 管理效率，或 产出指标 / 效益指标 / 满意度指标。",
            )
        elif c.key == "level2":
            c = Column(
                "level2",
                "二级指标",
                "B",
                kind="choice",
                choices="level2_dept",
                width=13,
                required=True,
                help="如 重点工作履行情况、预算执行、数量指标、社会效益指标、服务对象满意度指标。",
            )
        out.append(c)
    return tuple(out)


INDICATORS = Table(
    key="indicators",
    title="年度绩效指标",
    header_row=IND_HEADER,
    header_rows=1,
    first_row=IND_FIRST,
    n_rows=IND_ROWS,
    fill_down=("level1", "level2"),
    end_labels=("总分", "合计"),
    columns=_indicator_columns(),
    help="每行一个三级指标；分值合计加预算执行率分值应为100。",
)

SELF_EVAL = Sheet(
    key="self_eval",
    name="部门整体支出绩效自评表",
    title="部门整体支出绩效自评表",
    aliases=("部门整体支出绩效自评", "部门整体绩效自评表", "整体支出自评表", "自评表", "Sheet1"),
    landscape=True,
    last_col="K",
    title_span="A1:K1",
    col_widths={"A": 12.5, "B": 13, "C": 22, "D": 9, "E": 12, "F": 9, "G": 12, "H": 8, "I": 8},
    fields=(
        Field(
            "fiscal_year",
            "年度",
            "B2",
            "A2",
            kind="year",
            required=True,
            help="评价的预算年度，如 2024。",
            aliases=("评价年度", "预算年度", "所属年度"),
        ),
        Field(
            "submit_date",
            "填报日期",
            "H2",
            "G2",
            span="H2:K2",
            kind="date",
            help="如 2025-03-15。同一部门多次提交时以最新填报日期为准。",
            aliases=("填表日期", "报送日期"),
        ),
        Field(
            "dept",
            "部门名称",
            "B3",
            "A3",
            span="B3:F3",
            required=True,
            help="预算部门（主管部门）全称。",
            aliases=(
                "主管部门",
                "部门（单位）名称",
                "部门(单位)名称",
                "预算部门",
                "部门",
                "单位名称",
                "预算单位",
            ),
        ),
        Field(
            "dept_code",
            "部门编码",
            "H3",
            "G3",
            span="H3:K3",
            help="预算系统中的部门编码。",
            aliases=("部门代码", "单位编码", "预算单位编码"),
        ),
        Field(
            "filler",
            "联系人",
            "B4",
            "A4",
            span="B4:F4",
            aliases=("填报人", "填表人", "联系人姓名"),
        ),
        Field(
            "filler_phone",
            "联系电话",
            "H4",
            "G4",
            span="H4:K4",
            kind="phone",
            aliases=("电话", "联系方式"),
        ),
        Field(
            "goal_expected",
            "预期目标",
            f"B{GOAL_ROW + 1}",
            f"B{GOAL_ROW}",
            span=f"B{GOAL_ROW + 1}:F{GOAL_ROW + 1}",
            label_span=f"B{GOAL_ROW}:F{GOAL_ROW}",
            kind="textarea",
            required=True,
            help="年度总体目标：按部门预算批复的整体绩效目标填列。",
        ),
        Field(
            "goal_actual",
            "实际完成情况",
            f"G{GOAL_ROW + 1}",
            f"G{GOAL_ROW}",
            span=f"G{GOAL_ROW + 1}:K{GOAL_ROW + 1}",
            label_span=f"G{GOAL_ROW}:K{GOAL_ROW}",
            kind="textarea",
            required=True,
        ),
        *closing_fields(FUNDS_FIRST, IND_FIRST, IND_LAST, TOTAL_ROW, GRADE_ROW),
    ),
    tables=(FUNDS, INDICATORS),
    notes=((f"A{GOAL_ROW}:A{GOAL_ROW + 1}", "年度总体目标"),),
)

PROFILE = Profile(
    id=PROFILE_ID,
    title="部门整体支出绩效自评表",
    sheets=(SELF_EVAL,),
    lists=DEPARTMENT_LISTS,
    instructions=(
        "本表为部门整体支出绩效自评表，每个预算部门每年填写一份，与所属项目的项目支出绩效自评表一并报送。",
        "只需填写白色单元格；灰色单元格为表头或自动计算（基本支出、资金总额、执行率、得分、总分、自评等次），已锁定但无密码。",
        "金额单位统一为万元，保留两位小数；如原始资料为元，请除以10000后填写。",
        "资金按支出性质填列：基本支出 = 人员经费 + 公用经费，资金总额 = 基本支出 + 项目支出。",
        "预算执行率分值为10分（绩效指标合计90分）或20分（绩效指标合计80分），得分 = 分值 × 执行率（最高为分值）。执行率 = 全年执行数 ÷ 全年预算数。",
        "基本支出执行率原则上应在90%至100%之间；低于90%或超过100%的，请在“说明”栏写明原因。",
        "绩效指标一般设“履职效能”“管理效率”两类一级指标，或按“产出指标”“效益指标”“满意度指标”设置；分值合计加预算执行率分值应为100分。",
        "定量指标：完成指标值得满分；未完成的按完成值与指标值的比例计分。定性指标：实际完成值填写“达成年度指标”“部分达成年度指标并具有一定效果”或“未达成年度指标且效果较差”，分别在该指标分值的 100-80%（含）、80-60%（含）、60-0% 区间内计分。",
        "凡得分低于分值、或未完成指标值的，必须填写“偏差原因分析及改进措施”。",
        "评价等次：90（含）-100分为优，80（含）-90分为良，60（含）-80分为中，60分以下为差。",
        "可在指标区内插入行；请勿删除、重命名工作表，勿修改隐藏工作表。",
    ),
)
