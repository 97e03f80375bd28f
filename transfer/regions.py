"""Provinces of mainland China and the policy's four macro-regions (central, western, northeast, eastern)."""

from __future__ import annotations

from dataclasses import dataclass

from transfer import columns as C

__all__ = ["PROVINCES", "Province", "province_of", "region_of"]


@dataclass(frozen=True)
class Province:
    """A province-level division: adcode, names, macro-region, and whether it is a municipality."""

    adcode: int
    name_zh: str
    name_en: str
    region: str
    municipality: bool = False


# Macro-regions as used by the NBS and the processing-trade transfer policy:
# central 晋皖赣豫鄂湘; western 蒙桂渝川黔滇藏陕甘青宁新; northeast 辽吉黑; the rest eastern.
_ROWS = [
    (110000, "北京市", "Beijing", C.EASTERN, True),
    (120000, "天津市", "Tianjin", C.EASTERN, True),
    (130000, "河北省", "Hebei", C.EASTERN, False),
    (140000, "山西省", "Shanxi", C.CENTRAL, False),
    (150000, "内蒙古自治区", "Inner Mongolia", C.WESTERN, False),
    (210000, "辽宁省", "Liaoning", C.NORTHEAST, False),
    (220000, "吉林省", "Jilin", C.NORTHEAST, False),
    (230000, "黑龙江省", "Heilongjiang", C.NORTHEAST, False),
    (310000, "上海市", "Shanghai", C.EASTERN, True),
    (320000, "江苏省", "Jiangsu", C.EASTERN, False),
    (330000, "浙江省", "Zhejiang", C.EASTERN, False),
    (340000, "安徽省", "Anhui", C.CENTRAL, False),
    (350000, "福建省", "Fujian", C.EASTERN, False),
    (360000, "江西省", "Jiangxi", C.CENTRAL, False),
    (370000, "山东省", "Shandong", C.EASTERN, False),
    (410000, "河南省", "Henan", C.CENTRAL, False),
    (420000, "湖北省", "Hubei", C.CENTRAL, False),
    (430000, "湖南省", "Hunan", C.CENTRAL, False),
    (440000, "广东省", "Guangdong", C.EASTERN, False),
    (450000, "广西壮族自治区", "Guangxi", C.WESTERN, False),
    (460000, "海南省", "Hainan", C.EASTERN, False),
    (500000, "重庆市", "Chongqing", C.WESTERN, True),
    (510000, "四川省", "Sichuan", C.WESTERN, False),
    (520000, "贵州省", "Guizhou", C.WESTERN, False),
    (530000, "云南省", "Yunnan", C.WESTERN, False),
    (540000, "西藏自治区", "Tibet", C.WESTERN, False),
    (610000, "陕西省", "Shaanxi", C.WESTERN, False),
    (620000, "甘肃省", "Gansu", C.WESTERN, False),
    (630000, "青海省", "Qinghai", C.WESTERN, False),
    (640000, "宁夏回族自治区", "Ningxia", C.WESTERN, False),
    (650000, "新疆维吾尔自治区", "Xinjiang", C.WESTERN, False),
]

PROVINCES: dict[int, Province] = {r[0]: Province(*r) for r in _ROWS}


def province_of(adcode: int) -> Province:
    """The province of a 6-digit adcode; raises KeyError for codes outside mainland China."""
    return PROVINCES[int(adcode) // 10000 * 10000]


def region_of(adcode: int) -> str:
    """Macro-region (central / western / northeast / eastern) of a 6-digit adcode."""
    return province_of(adcode).region
