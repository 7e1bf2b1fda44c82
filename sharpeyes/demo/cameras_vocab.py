"""The demo inventory's constants: counts per class, registry (source) names, the RTSP stream's
credentials, and the synthetic vocabulary (streets, spots, compounds, shops, sectors) names are made of."""

from __future__ import annotations

from typing import Final

import numpy as np

#: Cameras per class at ``scale=1.0``: Tieling's class I, Huludao's class II and III.
CLASS_COUNTS: Final = {1: 4205, 2: 6385, 3: 23984}
#: Share of villages (村) left without a networked camera.
DARK_VILLAGE_SHARE: Final = 0.17

#: Registry (``source``) each camera is written to; see :mod:`sharpeyes.demo.registries`.
SOURCE_CATALOG: Final = "市公安局视频专网平台目录(一类点)"
SOURCE_GIS: Final = "市局科信GIS图层(卡口与视频巡检试点)"
SOURCE_INDUSTRY: Final = "行业单位报送二类点位台账"
SOURCE_SOCIAL: Final = "社会资源三类点位台账"
SOURCE_VILLAGES: Final = "乡镇综治中心雪亮工程三类点位台账"

#: Stream of the cameras whose URL carries credentials (masked everywhere sharpeyes shows it).
RTSP_HOST: Final = "10.12.0.1:554"
RTSP_USER: Final = "admin"
RTSP_PASSWORD: Final = "Demo2024"

_DEG_PER_M: Final = 1.0 / 111_320.0
_LON_SCALE: Final = float(np.cos(np.radians(42.6)))

_STREETS: Final = (
    "人民路", "银州路", "广裕街", "柴河街", "工人街", "南马路", "北马路", "新华路", "市府路",
    "金沙江路", "黄河路", "长江路", "岭东街", "中央大街", "站前街", "解放街", "建设街", "和平路",
    "胜利街", "光荣街", "文化路", "迎宾路", "开发区大街", "凡河路", "龙山路", "滨河路", "兴工街",
    "幸福街", "团结路", "振兴街",
)  # fmt: skip
_CORNERS: Final = ("东北角", "东南角", "西北角", "西南角", "路口东", "路口西", "路口南", "路口北")
_VILLAGE_SPOTS: Final = (
    "村委会门前", "村口", "东头路口", "西头路口", "文化广场", "小学门口", "主街", "十字路口",
    "桥头", "卫生室门前", "粮库门前", "南出口", "北出口",
)  # fmt: skip
_COMPOUNDS: Final = (
    "幸福家园", "银州花园", "阳光小区", "锦绣华庭", "龙首家园", "凡河新城", "金色家园", "和谐小区",
    "书香名邸", "御景湾", "滨河花园", "万和城", "盛世华城", "碧水蓝天", "新世纪小区", "丽景园",
)  # fmt: skip
_SHOPS: Final = (
    ("超市", "53"), ("宾馆", "50"), ("饭店", "50"), ("加油站", "53"), ("网吧", "55"),
    ("药店", "53"), ("五金建材", "53"), ("物流园", "47"), ("机械厂", "42"), ("粮油加工厂", "42"),
)  # fmt: skip
_SHOP_BRANDS: Final = (
    "兴隆", "华联", "福源", "宏达", "鑫源", "金鼎", "顺发", "恒通", "永盛", "天成", "佳和", "聚福",
)  # fmt: skip
#: Class II sectors: (key, industry code of the GB/T 28181 ID, owner-name patterns, weight).
_SECTORS: Final = (
    ("education", "11", ("{county}第{n}中学", "{town}中心小学", "{town}中心幼儿园"), 0.30),
    ("health", "09", ("{county}人民医院", "{county}中医院", "{town}卫生院"), 0.15),
    (
        "finance",
        "51",
        (
            "中国工商银行{county}支行",
            "中国农业银行{town}分理处",
            "中国建设银行{county}支行",
            "中国邮政储蓄银行{town}营业所",
            "铁岭农村商业银行{town}支行",
        ),
        0.25,
    ),
    ("transport", "07", ("{county}汽车客运站", "{town}公交枢纽站", "{county}火车站"), 0.10),
    (
        "utility",
        "44",
        ("国网{county}供电分公司{town}供电所", "{county}自来水公司", "{county}燃气公司"),
        0.10,
    ),
    ("city", "08", ("{county}城市管理综合行政执法局", "{town}农贸市场"), 0.10),
)
_SITE_SPOTS: Final = (
    "大门",
    "北门",
    "南门",
    "东门",
    "西门",
    "停车场",
    "大厅",
    "周界",
    "操场",
    "营业厅",
)
