"""Code tables of the domain, each code with its Chinese and English label.

Defined once here and used everywhere (readers, store, reports, API, maps). Parsing functions accept
the spellings registries really use and return ``None`` for what they cannot read, so that the caller
decides whether that refuses the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a table: its value and its labels."""

    code: int | str
    zh: str
    en: str


def _table(*codes: Code) -> dict[int | str, Code]:
    return {c.code: c for c in codes}


# -- point class (监控点位类型) ------------------------------------------------------------------
POINT_CLASSES: Final = _table(
    Code(1, "一类", "class I (public security, key public areas)"),
    Code(2, "二类", "class II (key industries and sectors)"),
    Code(3, "三类", "class III (social resources)"),
    Code(4, "公安内部", "police internal"),
    Code(9, "其他", "other"),
)

_CLASS_WORDS: Final = {
    "1": 1,
    "一": 1,
    "i": 1,
    "一类": 1,
    "一类点": 1,
    "一类点位": 1,
    "1类": 1,
    "一类监控": 1,
    "2": 2,
    "二": 2,
    "ii": 2,
    "二类": 2,
    "二类点": 2,
    "二类点位": 2,
    "2类": 2,
    "二类监控": 2,
    "3": 3,
    "三": 3,
    "iii": 3,
    "三类": 3,
    "三类点": 3,
    "三类点位": 3,
    "3类": 3,
    "三类监控": 3,
    "4": 4,
    "公安内部": 4,
    "内部": 4,
    "iv": 4,
    "4类": 4,
    "9": 9,
    "其他": 9,
    "其它": 9,
    "other": 9,
}


def parse_point_class(value: object) -> int | None:
    """Point class 1/2/3/4/9 from ``1``, ``"I"``, ``"一类"``, ``"一类点"``, ``"class II"`` …; ``None`` if unreadable."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip().lower().replace("class", "").replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    return _CLASS_WORDS.get(text)


# -- camera type (摄像机类型) ---------------------------------------------------------------------
CAMERA_TYPES: Final = _table(
    Code(1, "球机", "dome (PTZ dome)"),
    Code(2, "半球", "half-dome"),
    Code(3, "固定枪机", "fixed bullet"),
    Code(4, "遥控枪机", "PTZ bullet"),
    Code(5, "卡口枪机", "checkpoint bullet"),
    Code(99, "未知", "unknown"),
)

#: GB/T 28181 ``PTZType``: 1 球机, 2 半球, 3 固定枪机, 4 遥控枪机, 5 遥控半球, 6 多目设备全景/拼接通道, 7 多目设备选择通道.
PTZTYPE_TO_CAMERA_TYPE: Final = {1: 1, 2: 2, 3: 3, 4: 4, 5: 2, 6: 1, 7: 3}

_CAMERA_TYPE_WORDS: Final = {
    "球机": 1,
    "球型": 1,
    "球型摄像机": 1,
    "高速球": 1,
    "智能球": 1,
    "dome": 1,
    "ptz": 1,
    "ptzdome": 1,
    "半球": 2,
    "半球机": 2,
    "半球型": 2,
    "半球摄像机": 2,
    "half-dome": 2,
    "halfdome": 2,
    "固定枪机": 3,
    "枪机": 3,
    "枪型": 3,
    "固定": 3,
    "筒机": 3,
    "bullet": 3,
    "fixed": 3,
    "fixedbullet": 3,
    "遥控枪机": 4,
    "云台枪机": 4,
    "ptzbullet": 4,
    "卡口枪机": 5,
    "卡口": 5,
    "checkpoint": 5,
    "anpr": 5,
    "未知": 99,
    "unknown": 99,
}


def parse_camera_type(value: object) -> int | None:
    """Camera type 1–5/99 from a code or a word (球机, 枪机, dome, bullet …); ``None`` if unreadable."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip().lower().replace(" ", "").replace("_", "")
    if text.endswith(".0"):
        text = text[:-2]
    if text.isascii() and text.isdigit():
        n = int(text)
        return n if n in CAMERA_TYPES else None
    return _CAMERA_TYPE_WORDS.get(text)


# -- GB/T 28181 device type codes (ID digits 11–13) ---------------------------------------------
DEVICE_TYPES: Final = _table(
    Code(111, "DVR", "digital video recorder"),
    Code(112, "视频服务器", "video server / encoder"),
    Code(113, "编码器", "encoder"),
    Code(114, "解码器", "decoder"),
    Code(115, "视频切换矩阵", "video switching matrix"),
    Code(116, "音频切换矩阵", "audio switching matrix"),
    Code(117, "报警控制器", "alarm controller"),
    Code(118, "NVR", "network video recorder"),
    Code(119, "混合硬盘录像机", "hybrid recorder"),
    Code(130, "视频/图像采集设备", "video/image capture device"),
    Code(131, "摄像机", "camera"),
    Code(132, "网络摄像机", "IP camera"),
    Code(133, "显示器", "display"),
    Code(134, "报警输入设备", "alarm input"),
    Code(135, "报警输出设备", "alarm output"),
    Code(136, "语音输入设备", "audio input"),
    Code(137, "语音输出设备", "audio output"),
    Code(138, "移动传输设备", "mobile transmission device"),
    Code(139, "其他外围设备", "other peripheral"),
    Code(200, "中心信令控制服务器", "platform / SIP server"),
    Code(201, "Web应用服务器", "web application server"),
    Code(202, "媒体分发服务器", "media distribution server"),
    Code(203, "代理服务器", "proxy server"),
    Code(204, "安全服务器", "security server"),
    Code(205, "报警服务器", "alarm server"),
    Code(206, "数据库服务器", "database server"),
    Code(207, "GIS服务器", "GIS server"),
    Code(208, "管理服务器", "management server"),
    Code(209, "接入网关", "access gateway"),
    Code(210, "媒体存储服务器", "media storage server"),
    Code(211, "信令安全路由网关", "signalling security gateway"),
    Code(215, "业务分组", "business group"),
    Code(216, "虚拟组织", "virtual organisation"),
)

#: Type codes that are cameras (video capture devices), the rest are recorders, servers, groups.
CAMERA_DEVICE_TYPES: Final = frozenset({130, 131, 132})

# -- GB/T 28181 network identifier (ID digit 14) -------------------------------------------------
NETWORK_IDS: Final = _table(
    Code(0, "监控报警专网", "monitoring private network"),
    Code(1, "监控报警专网", "monitoring private network"),
    Code(2, "监控报警专网", "monitoring private network"),
    Code(3, "监控报警专网", "monitoring private network"),
    Code(4, "监控报警专网", "monitoring private network"),
    Code(5, "公安信息网", "public-security information network"),
    Code(6, "政务网", "e-government network"),
    Code(7, "Internet网", "internet"),
    Code(8, "社会资源接入网", "social-resource access network"),
    Code(9, "预留", "reserved"),
)

# -- status (设备状态) -----------------------------------------------------------------------------
STATUSES: Final = _table(
    Code("in_use", "在用", "in use"),
    Code("repair", "维修", "under repair"),
    Code("removed", "拆除", "removed"),
    Code("planned", "在建", "planned / under construction"),
    Code("unknown", "未知", "unknown"),
)

_STATUS_WORDS: Final = {
    "在用": "in_use",
    "正常": "in_use",
    "使用": "in_use",
    "使用中": "in_use",
    "on": "in_use",
    "online": "in_use",
    "in_use": "in_use",
    "inuse": "in_use",
    "active": "in_use",
    "启用": "in_use",
    "维修": "repair",
    "故障": "repair",
    "维护": "repair",
    "repair": "repair",
    "off": "repair",
    "offline": "repair",
    "拆除": "removed",
    "停用": "removed",
    "removed": "removed",
    "报废": "removed",
    "在建": "planned",
    "规划": "planned",
    "planned": "planned",
    "建设中": "planned",
    "未知": "unknown",
    "unknown": "unknown",
}


def parse_status(value: object) -> str | None:
    """Status key from 在用/维修/拆除, ON/OFF (GB/T 28181 ``Status``) and English words; ``None`` if unreadable."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _STATUS_WORDS.get(str(value).strip().lower())


# -- networked (联网属性) ---------------------------------------------------------------------------
_TRUE_WORDS: Final = frozenset(
    {"已联网", "联网", "是", "yes", "y", "true", "t", "networked", "在网", "√"}
)
_FALSE_WORDS: Final = frozenset(
    {"未联网", "不联网", "否", "no", "n", "false", "f", "not networked", "×"}
)


def parse_networked(value: object, *, one_means_networked: bool = True) -> bool | None:
    """Networked flag from text (已联网/未联网/是/否/yes/no) or 0/1.

    Vendors code 0/1 in opposite directions: ``one_means_networked`` says which way a source codes
    it (default: 1 = networked, as most contractor sheets do; the source mapping can flip it).
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    if text in {"0", "1"}:
        return (text == "1") == one_means_networked
    return None


# -- direction (监视方位, GB/T 28181-2022 DirectionType) --------------------------------------------
#: DirectionType 1–8 → heading in degrees (0 = north, clockwise); 9 全向 (omnidirectional) → None.
DIRECTIONS: Final = _table(
    Code(1, "东", "east"),
    Code(2, "西", "west"),
    Code(3, "南", "south"),
    Code(4, "北", "north"),
    Code(5, "东南", "south-east"),
    Code(6, "东北", "north-east"),
    Code(7, "西南", "south-west"),
    Code(8, "西北", "north-west"),
    Code(9, "全向", "omnidirectional"),
)
DIRECTION_HEADING_DEG: Final = {
    1: 90.0,
    2: 270.0,
    3: 180.0,
    4: 0.0,
    5: 135.0,
    6: 45.0,
    7: 225.0,
    8: 315.0,
}
_DIRECTION_WORDS: Final = {c.zh: int(c.code) for c in DIRECTIONS.values()} | {
    "东向": 1,
    "西向": 2,
    "南向": 3,
    "北向": 4,
    "e": 1,
    "w": 2,
    "s": 3,
    "n": 4,
    "se": 5,
    "ne": 6,
    "sw": 7,
    "nw": 8,
    "east": 1,
    "west": 2,
    "south": 3,
    "north": 4,
    "360": 9,
    "全景": 9,
    "全方位": 9,
}


def parse_direction(value: object) -> int | None:
    """DirectionType 1–9 from a code or a word (东, 东南, NE, 全向); ``None`` if unreadable."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isascii() and text.isdigit():
        n = int(text)
        return n if n in DIRECTIONS else None
    return _DIRECTION_WORDS.get(text)


# -- resolution -------------------------------------------------------------------------------
#: Default HD threshold: vertical resolution in lines (1080p and above is HD).
HD_MIN_LINES: Final = 1080

_NAMED_RESOLUTIONS: Final = {
    "d1": 576,
    "cif": 288,
    "qcif": 144,
    "960h": 576,
    "720p": 720,
    "1080p": 1080,
    "2k": 1440,
    "3mp": 1536,
    "4mp": 1440,
    "5mp": 1944,
    "4k": 2160,
    "8mp": 2160,
    "uhd": 2160,
    "fhd": 1080,
    "hd": 720,
    "sd": 576,
    "标清": 576,
    "高清": 1080,
    "超高清": 2160,
    "全高清": 1080,
}
_WXH = re.compile(r"(\d{3,5})\s*[x×*]\s*(\d{3,5})")
_LINES = re.compile(r"(\d{3,4})\s*[pP线]")
_MEGAPIXEL = re.compile(r"(\d+(?:\.\d+)?)\s*(?:mp|百万|万像素|megapixel)")
_MP_LINES: Final = {
    1.0: 720,
    1.3: 960,
    2.0: 1080,
    3.0: 1536,
    4.0: 1440,
    5.0: 1944,
    6.0: 2048,
    8.0: 2160,
}


def parse_resolution_lines(value: object) -> int | None:
    """Vertical resolution in lines from ``1920x1080``, ``1080P``, ``D1``, ``4MP``, ``200万`` …; ``None`` if unknown.

    GB/T 28181-2022 ``Resolution`` lists codes separated by ``/`` (1 QCIF, 2 CIF, 3 4CIF, 4 D1,
    5 720P, 6 1080P/I); the highest one counts.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if "/" in text and all(p.strip().isascii() and p.strip().isdigit() for p in text.split("/")):
        codes = {1: 144, 2: 288, 3: 576, 4: 576, 5: 720, 6: 1080}
        lines = [codes.get(int(p), 0) for p in text.split("/")]
        return max(lines) or None
    m = _WXH.search(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return min(a, b)
    m = _LINES.search(text)
    if m:
        return int(m.group(1))
    if text in _NAMED_RESOLUTIONS:
        return _NAMED_RESOLUTIONS[text]
    if (
        text.endswith("万")
        and text[:-1].replace(".", "", 1).isascii()
        and text[:-1].replace(".", "", 1).isdigit()
    ):
        return _MP_LINES.get(round(float(text[:-1]) / 100, 1))
    m = _MEGAPIXEL.search(text)
    if m:
        return _MP_LINES.get(round(float(m.group(1)), 1))
    if text.isascii() and text.isdigit() and 100 <= int(text) <= 4320:
        return int(text)
    return None


# -- health verdicts and faults ------------------------------------------------------------------
VERDICTS: Final = _table(
    Code("ok", "正常", "ok"),
    Code("degraded", "画面异常", "degraded picture"),
    Code("offline", "离线", "offline"),
    Code("unknown", "未知", "unknown"),
)

FAULTS: Final = _table(
    Code("black", "黑屏", "black screen"),
    Code("frozen", "画面冻结", "frozen picture"),
    Code("blur", "图像模糊", "blur"),
    Code("dark", "亮度过低", "too dark"),
    Code("bright", "亮度过高", "too bright"),
    Code("color_cast", "偏色", "colour cast"),
    Code("noise", "雪花噪声", "noise (snow)"),
    Code("stripes", "条纹干扰", "stripes (interference)"),
    Code("occlusion", "遮挡", "occlusion"),
    Code("scene_change", "场景变更", "scene change (view replaced or blocked)"),
    Code("moved", "位置偏移", "moved (off its preset or knocked askew)"),
)

#: Who fixes what a probe found: the carrier (network), the camera's contractor (stream, picture).
FAULT_KINDS: Final = _table(
    Code("network", "网络故障", "network fault (no TCP connection to the camera)"),
    Code("stream", "视频流故障", "stream fault (connected, but no usable stream)"),
    Code("picture", "图像故障", "picture fault"),
)

OFFLINE_REASONS: Final = _table(
    Code("refused", "连接被拒绝", "connection refused"),
    Code("timeout", "超时", "timeout"),
    Code("unauthorized", "认证失败(401)", "401 unauthorized"),
    Code("not_found", "资源不存在(404)", "404 not found"),
    Code("no_frames", "无视频帧", "no frames"),
    Code("decode_error", "解码错误", "decode error"),
    Code("no_signal", "无信号", "no signal"),
)

# -- administrative levels -----------------------------------------------------------------------
ADMIN_LEVELS: Final = _table(
    Code("city", "市", "city"),
    Code("county", "区县", "county"),
    Code("township", "乡镇街道", "township / street"),
    Code("village", "村社区", "village / community"),
)

#: Length of the statistical division code at each level (GB/T 2260 is the first 6 digits).
ADMIN_CODE_LENGTH: Final = {"city": 4, "county": 6, "township": 9, "village": 12}

# -- key places (重点部位) and roads --------------------------------------------------------------
PLACE_CATEGORIES: Final = _table(
    Code("school", "学校", "school"),
    Code("hospital", "医院", "hospital"),
    Code("station", "车站", "station"),
    Code("square", "广场", "square"),
    Code("mall", "商场", "mall"),
    Code("scenic", "景区", "scenic spot"),
    Code("bank", "银行", "bank"),
    Code("government", "党政机关", "government"),
    Code("market", "集贸市场", "market"),
    Code("other", "其他", "other"),
)

ROAD_CLASSES: Final = _table(
    Code("motorway", "高速公路", "motorway"),
    Code("trunk", "国道", "trunk / national road"),
    Code("primary", "省道/主干道", "primary"),
    Code("secondary", "县道/次干道", "secondary"),
    Code("tertiary", "乡道", "tertiary"),
    Code("residential", "村道/街巷", "residential / village road"),
    Code("other", "其他", "other"),
)

# -- network node kinds ---------------------------------------------------------------------------
NODE_KINDS: Final = _table(
    Code("camera", "摄像机", "camera"),
    Code("access", "接入交换机", "access switch"),
    Code("aggregation", "汇聚节点", "aggregation node"),
    Code("centre", "监控中心", "monitoring centre"),
    Code("platform", "平台", "platform"),
)


def label(table: dict[int | str, Code], code: object, *, lang: str = "zh") -> str:
    """The label of ``code`` in ``table`` (``lang`` ``"zh"`` or ``"en"``), or the code itself as text."""
    entry = table.get(code) if isinstance(code, (int, str)) else None
    if entry is None:
        return "" if code is None else str(code)
    return entry.zh if lang == "zh" else entry.en
