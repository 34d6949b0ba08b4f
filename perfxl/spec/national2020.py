"""Profile national2020: 项目支出绩效自评表 (财预〔2020〕10号 附件1)."""

from __future__ import annotations

from perfxl.spec import Column, Const, Default, Field, Formula, Profile, Sheet, Table
from perfxl.spec.lists import COMMON_LISTS

IND_FIRST, IND_ROWS = 14, 40
IND_LAST = IND_FIRST + IND_ROWS - 1
TOTAL_ROW = IND_LAST + 1  # 54
GRADE_ROW = TOTAL_ROW + 1


def grade_formula(total_row: int) -> str:
    """The 自评等次 the template computes from the 总分 in column I."""
    t = f"I{total_row}"
    return f'=IF(ISNUMBER({t}),IF({t}>=90,"优",IF({t}>=80,"良",IF({t}>=60,"中","差"))),"")'


def closing_fields(
    exec_row: int, ind_first: int, ind_last: int, total_row: int, grade_row: int
) -> tuple[Field, ...]:
    """总分 (weight and score), 自评等次 and 存在问题及改进措施 under the indicator table: the same
    on every scored form of the 2020 family, only the rows differ."""
    return (
        Field(
            "weight_total",
            "总分",
            f"H{total_row}",
            f"A{total_row}",
            label_span=f"A{total_row}:G{total_row}",
            kind="score",
            formula=Formula(f"=N(G{exec_row})+SUM(H{ind_first}:H{ind_last})"),
        ),
        Field(
            "total_reported",
            "总分",
            f"I{total_row}",
            f"A{total_row}",
            label_span=f"A{total_row}:G{total_row}",
            kind="score",
            formula=Formula(f"=N(I{exec_row})+SUM(I{ind_first}:I{ind_last})"),
            aliases=("合计", "总得分"),
        ),
        Field(
            "grade_reported",
            "自评等次",
            f"H{grade_row}",
            f"A{grade_row}",
            span=f"H{grade_row}:K{grade_row}",
            label_span=f"A{grade_row}:G{grade_row}",
            formula=Formula(grade_formula(total_row)),
            aliases=("自评等级", "评价等次", "评价等级", "自评结果", "评价结论"),
        ),
        Field(
            "problems",
            "存在问题及改进措施",
            f"B{grade_row + 1}",
            f"A{grade_row + 1}",
            span=f"B{grade_row + 1}:K{grade_row + 1}",
            kind="textarea",
            # not 其他需要说明事项: "无" is a normal answer there, not a missing account of problems
            aliases=("存在问题", "改进措施"),
        ),
    )


def _rate(r: int) -> Formula:
    return Formula(f'=IF(N(E{r})>0,F{r}/E{r},"")')


FUNDS = Table(
    key="funds",
    title="项目资金",
    header_row=6,
    header_rows=1,
    first_row=7,
    n_rows=4,
    side_label="项目资金（万元）",
    side_col="A",
    row_key="source",
    columns=(
        Column("source", "资金来源", "B", span_to="C", width=10),
        Column(
            "initial_budget",
            "年初预算数",
            "D",
            kind="money",
            help="年初批复的预算数（万元），保留两位小数。",
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
        Column("weight", "分值", "G", kind="score", help="预算执行率分值，原则上为10分。"),
        Column(
            "rate",
            "执行率",
            "H",
            kind="percent",
            help="自动计算：全年执行数 ÷ 全年预算数。",
            aliases=("执行率（B/A）", "执行率(B/A)", "执行率%"),
        ),
        Column(
            "score",
            "得分",
            "I",
            kind="score",
            help="自动计算：分值 × 执行率（最高为分值）。",
        ),
        Column(
            "note",
            "说明",
            "J",
            kind="textarea",
            span_to="K",
            help="预算调整、结余或执行率低于90%的原因。",
            aliases=("备注", "情况说明"),
        ),
    ),
    presets=(
        {
            "source": Const("年度资金总额"),
            "initial_budget": Formula("=SUM(D8:D10)"),
            "annual_budget": Formula("=SUM(E8:E10)"),
            "executed": Formula("=SUM(F8:F10)"),
            "weight": Default(10),
            "rate": _rate(7),
            "score": Formula('=IF(N(E7)>0,G7*MIN(1,F7/E7),"")'),
        },
        {
            "source": Const("其中：当年财政拨款"),
            "weight": Const("—"),
            "rate": _rate(8),
            "score": Const("—"),
        },
        {
            "source": Const("上年结转资金"),
            "weight": Const("—"),
            "rate": _rate(9),
            "score": Const("—"),
        },
        {
            "source": Const("其他资金"),
            "weight": Const("—"),
            "rate": _rate(10),
            "score": Const("—"),
        },
    ),
    help="按资金来源填写；年度资金总额、执行率、得分自动计算。",
)

INDICATORS = Table(
    key="indicators",
    title="绩效指标",
    header_row=13,
    header_rows=1,
    first_row=IND_FIRST,
    n_rows=IND_ROWS,
    fill_down=("level1", "level2"),
    end_labels=("总分", "合计"),
    columns=(
        Column(
            "level1",
            "一级指标",
            "A",
            kind="choice",
            choices="level1_2020",
            width=11,
            required=True,
            help="产出指标 / 效益指标 / 满意度指标 / 成本指标。",
        ),
        Column(
            "level2",
            "二级指标",
            "B",
            kind="choice",
            choices="level2_2020",
            width=13,
            required=True,
            help="如 数量指标、质量指标、时效指标、社会效益指标、服务对象满意度指标。",
        ),
        Column(
            "name",
            "三级指标",
            "C",
            width=22,
            required=True,
            help="具体、可衡量的指标名称。",
            aliases=("指标名称", "三级指标名称"),
        ),
        Column(
            "direction",
            "指标方向",
            "D",
            kind="choice",
            choices="direction",
            width=8,
            help="正向（越大越好）、反向（越小越好）、等于、区间、定性。",
            aliases=("指标性质", "方向", "运算符号", "符号"),
        ),
        Column(
            "target",
            "年度指标值",
            "E",
            kind="target",
            width=12,
            required=True,
            help="如 ≥95%、≤5%、100、47-51、达成年度指标。",
            aliases=(
                "指标值",
                "年度目标值",
                "预期指标值",
                "目标值",
                "全年指标值",
                "年度指标值（A）",
            ),
        ),
        Column(
            "unit",
            "计量单位",
            "F",
            width=8,
            help="如 %、个、条、人次、万元。",
            aliases=("度量单位", "单位", "计量 单位"),
        ),
        Column(
            "actual",
            "实际完成值",
            "G",
            kind="actual",
            width=12,
            required=True,
            help="实际完成的数值，或定性结论（达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差）。",
            aliases=("全年实际值", "实际值", "完成值", "实际完成值（B）"),
        ),
        Column("weight", "分值", "H", kind="score", width=7, required=True, aliases=("权重",)),
        Column("score", "得分", "I", kind="score", width=7, required=True, aliases=("自评得分",)),
        Column(
            "deviation",
            "偏差原因分析及改进措施",
            "J",
            kind="textarea",
            span_to="K",
            width=24,
            help="扣分、未完成或大幅超额完成的指标必须说明原因和改进措施。",
            aliases=(
                "偏差原因分析及改进措施",
                "偏差原因",
                "未完成原因分析及改进措施",
                "偏差原因分析",
            ),
        ),
    ),
    help="每行一个三级指标；分值合计（含预算执行率10分）应为100。",
)

SELF_EVAL = Sheet(
    key="self_eval",
    name="项目支出绩效自评表",
    title="项目支出绩效自评表",
    aliases=("自评表", "绩效自评表", "Sheet1"),
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
            "project_name",
            "项目名称",
            "B3",
            "A3",
            span="B3:F3",
            required=True,
            # units filing a 专项资金 print its name under their own words
            aliases=("专项资金名称", "资金名称", "项目（资金）名称", "项目(资金)名称", "专项名称"),
        ),
        Field(
            "project_code",
            "项目编码",
            "H3",
            "G3",
            span="H3:K3",
            help="预算系统中的项目编码，用于识别重复提交。",
            aliases=("项目代码", "项目编号"),
        ),
        Field(
            "dept",
            "主管部门",
            "B4",
            "A4",
            span="B4:F4",
            required=True,
            aliases=("主管部门及代码", "部门", "主管单位"),
        ),
        Field(
            "unit",
            "实施单位",
            "H4",
            "G4",
            span="H4:K4",
            required=True,
            aliases=("项目实施单位", "项目单位", "单位名称"),
        ),
        Field("unit_code", "单位编码", "B5", "A5", span="B5:F5", aliases=("单位代码",)),
        Field(
            "submit_date",
            "填报日期",
            "H5",
            "G5",
            span="H5:K5",
            kind="date",
            help="如 2025-03-15。同一项目多次提交时以最新填报日期为准。",
            aliases=("填表日期", "报送日期"),
        ),
        Field(
            "goal_expected",
            "预期目标",
            "B12",
            "B11",
            span="B12:F12",
            label_span="B11:F11",
            kind="textarea",
            required=True,
            help="年度总体目标：按预算批复填列。",
        ),
        Field(
            "goal_actual",
            "实际完成情况",
            "G12",
            "G11",
            span="G12:K12",
            label_span="G11:K11",
            kind="textarea",
            required=True,
        ),
        *closing_fields(7, IND_FIRST, IND_LAST, TOTAL_ROW, GRADE_ROW),
        Field(
            "filler",
            "填报人",
            f"B{GRADE_ROW + 2}",
            f"A{GRADE_ROW + 2}",
            span=f"B{GRADE_ROW + 2}:C{GRADE_ROW + 2}",
            aliases=("填表人",),
        ),
        Field(
            "filler_phone",
            "联系电话",
            f"E{GRADE_ROW + 2}",
            f"D{GRADE_ROW + 2}",
            span=f"E{GRADE_ROW + 2}:G{GRADE_ROW + 2}",
            kind="phone",
        ),
    ),
    tables=(FUNDS, INDICATORS),
    notes=(("A11:A12", "年度总体目标"),),
)

PROFILE = Profile(
    id="national2020",
    title="项目支出绩效自评表",
    sheets=(SELF_EVAL,),
    lists=COMMON_LISTS,
    instructions=(
        "本表依据《项目支出绩效评价管理办法》（财预〔2020〕10号）附件1“项目支出绩效自评表”制作，每个项目填写一份。",
        "只需填写白色单元格；灰色单元格为表头或自动计算（年度资金总额、执行率、得分、总分、自评等次），已锁定但无密码。",
        "金额单位统一为万元，保留两位小数；如原始资料为元，请除以10000后填写。",
        "预算执行率分值原则上为10分，得分 = 分值 × 执行率（最高为分值）。执行率 = 全年执行数 ÷ 全年预算数。",
        "一级指标分值原则上为：产出指标50分、效益指标30分、满意度指标10分，加预算执行率10分，合计100分。如有调整请在“存在问题及改进措施”中说明。",
        "定量指标：完成指标值得满分；未完成的按完成值与指标值的比例计分；完成值远超指标值（≥130%）的须说明原因。",
        "定性指标：实际完成值填写“达成年度指标”“部分达成年度指标并具有一定效果”或“未达成年度指标且效果较差”，分别在该指标分值的 100-80%（含）、80-60%（含）、60-0% 区间内计分。",
        "凡得分低于分值、或未完成指标值的，必须填写“偏差原因分析及改进措施”。",
        "评价等次：90（含）-100分为优，80（含）-90分为良，60（含）-80分为中，60分以下为差。",
        "可在指标区内插入行；请勿删除、重命名工作表，勿修改隐藏工作表。",
    ),
)
