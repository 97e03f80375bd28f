"""Column names and vocabularies shared by every module (one place, no string literals elsewhere)."""

from __future__ import annotations

# identity -------------------------------------------------------------------------------------
ADCODE = "adcode"  # int, 6-digit administrative code (GB/T 2260)
NAME_ZH = "name_zh"
NAME_EN = "name_en"
PROVINCE = "province"  # Chinese province name, e.g. 河南省
PROVINCE_EN = "province_en"
PROVINCE_ADCODE = "province_adcode"
REGION = "region"  # one of REGIONS
EAST_LESS_DEVELOPED = "east_less_developed"  # bool: eastern prefecture counted as less developed
LON = "lon"  # representative point, WGS84 degrees
LAT = "lat"
GEOMETRY = "geometry"
SOURCE = "source"
SOURCE_YEAR = "source_year"
FLAG = "flag"  # free-text caveat; empty when the row is clean

# bonded zones -----------------------------------------------------------------------------------
ZONE_TYPE = "zone_type"
CITY_ADCODE = "city_adcode"
APPROVAL_YEAR = "approval_year"

# hubs -------------------------------------------------------------------------------------------
HUB_ID = "hub_id"
HUB_TYPE = "hub_type"

# labour / economy -------------------------------------------------------------------------------
POPULATION = "population"  # persons
POPULATION_SOURCE = "population_source"

# regions (the policy's four macro-regions) -----------------------------------------------------
CENTRAL = "central"
WESTERN = "western"
NORTHEAST = "northeast"
EASTERN = "eastern"
REGIONS = (CENTRAL, WESTERN, NORTHEAST, EASTERN)

ZONE_TYPES = ("综合保税区", "保税港区", "出口加工区", "保税物流园区", "保税物流中心B")
HUB_TYPES = ("sea_gateway", "river_port", "cargo_airport", "crex_centre", "dry_port")

# EPSG codes -------------------------------------------------------------------------------------
WGS84 = "EPSG:4326"
# China-wide equal-area projection for areas and distances (Albers, standard parallels 25N/47N)
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
