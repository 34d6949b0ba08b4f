"""Dropdown choice lists shared by the template writer and the reader."""

from __future__ import annotations

COMMON_LISTS: dict[str, tuple[str, ...]] = {
    "level1_2020": ("产出指标", "效益指标", "满意度指标", "成本指标"),
    "level2_2020": (
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
        "经济效益指标",
        "社会效益指标",
        "生态效益指标",
        "可持续影响指标",
        "服务对象满意度指标",
        "经济成本指标",
        "社会成本指标",
        "生态环境成本指标",
    ),
    "direction": ("正向", "反向", "等于", "区间", "定性"),
    "grade": ("优", "良", "中", "差"),
}

HAINAN_LISTS: dict[str, tuple[str, ...]] = {
    **COMMON_LISTS,
    "eval_type": ("实施过程评价", "完成结果评价"),
    "org_mode": ("财政部门", "主管部门", "项目单位"),
    "eval_agency": ("中介机构", "专家组", "项目单位评价组"),
    "project_type": ("经常性项目", "一次性项目"),
    "target_type": ("产出指标", "效益指标", "满意度指标", "成本指标", "成效指标"),
}

# Which 二级 categories belong under which 一级 (domain c.1 S09).
LEVEL2_PARENT: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
}
