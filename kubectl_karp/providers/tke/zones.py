"""TKE regions and zones: zone IDs are <region base> + <zone number>, nodes carry short
region names."""

from __future__ import annotations

# Zone IDs are <region base> + <zone number>: ap-guangzhou-3 is 100003. The bases are those the
# TKE provider itself uses to translate between the two (pkg/providers/zone).
REGION_ZONE_BASE: dict[str, int] = {
    "ap-guangzhou": 100000, "ap-shenzhen-fsi": 110000, "ap-guangzhou-open": 120000,
    "na-siliconvalley": 150000, "ap-chengdu": 160000, "eu-frankfurt": 170000,
    "ap-seoul": 180000, "ap-chongqing": 190000, "ap-shanghai": 200000, "ap-mumbai": 210000,
    "na-ashburn": 220000, "ap-bangkok": 230000, "ap-tokyo": 250000, "ap-hongkong": 300000,
    "ap-jinan-ec": 310000, "ap-hangzhou-ec": 320000, "ap-nanjing": 330000,
    "ap-fuzhou-ec": 340000, "ap-wuhan-ec": 350000, "ap-tianjin": 360000,
    "ap-shenzhen": 370000, "ap-taipei": 390000, "na-toronto": 400000,
    "ap-changsha-ec": 450000, "ap-beijing-fsi": 460000, "ap-shijiazhuang-ec": 530000,
    "ap-qingyuan": 540000, "ap-hefei-ec": 550000, "ap-shenyang-ec": 560000,
    "ap-xian-ec": 570000, "ap-xibei-ec": 580000, "ap-shanghai-fsi": 700000,
    "ap-zhengzhou-ec": 710000, "ap-jakarta": 720000, "sa-saopaulo": 740000,
    "ap-shanghai-adc": 780000, "ap-beijing": 800000, "ap-guangzhou-wxzf": 820000,
    "ap-shanghai-wxzf": 830000, "ap-singapore": 900000,
}
# TKE nodes carry short region names in topology.kubernetes.io/region.
SHORT_REGIONS: dict[str, str] = {
    "gz": "ap-guangzhou", "sh": "ap-shanghai", "bj": "ap-beijing", "cd": "ap-chengdu",
    "cq": "ap-chongqing", "hk": "ap-hongkong", "sg": "ap-singapore", "nj": "ap-nanjing",
    "tpe": "ap-taipei", "jkt": "ap-jakarta", "th": "ap-bangkok", "jp": "ap-tokyo",
    "kr": "ap-seoul", "in": "ap-mumbai", "de": "eu-frankfurt", "usw": "na-siliconvalley",
    "use": "na-ashburn", "sao": "sa-saopaulo", "szjr": "ap-shenzhen-fsi",
    "shjr": "ap-shanghai-fsi", "bjjr": "ap-beijing-fsi", "tsn": "ap-tianjin",
    "szx": "ap-shenzhen", "qy": "ap-qingyuan",
}


def zone_name_from_id(zone_id: str) -> str | None:
    if not zone_id.isdigit():
        return None
    number = int(zone_id)
    for region, base in REGION_ZONE_BASE.items():
        if base < number < base + 1000:
            return f"{region}-{number - base}"
    return None


def zone_id_from_name(zone_name: str) -> str | None:
    region, _, number = zone_name.rpartition("-")
    base = REGION_ZONE_BASE.get(region)
    if base is None or not number.isdigit():
        return None
    return str(base + int(number))


def region_of_zone(zone: str) -> str | None:
    """ap-guangzhou for 100003 or ap-guangzhou-3."""
    name = zone_name_from_id(zone) if zone.isdigit() else zone
    if not name:
        return None
    region = name.rpartition("-")[0]
    return region if region in REGION_ZONE_BASE else None


def normalize_region(value: str) -> str:
    return SHORT_REGIONS.get(value, value)
