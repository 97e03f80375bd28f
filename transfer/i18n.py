"""One translation table for every label, legend and message: zh-CN by default, English on request."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from transfer.industries import CRITERIA

if TYPE_CHECKING:
    from transfer.scoring import Reason

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "PROVENANCE_ZH",
    "STRINGS",
    "Note",
    "criterion_label",
    "placeholders",
    "provenance_label",
    "render_reason",
    "t",
]

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"

_TYPED: dict[str, dict[str, str]] = {
    # app and tabs ---------------------------------------------------------------------------------
    "app.title": {"zh": "加工贸易梯度转移承接地匹配工具", "en": "Processing-trade transfer site matching"},
    "app.subtitle": {
        "zh": "沿海转出产业与中西部及东北承接地的匹配分析",
        "en": "Matching relocating coastal industries with central, western and northeastern receiving sites",
    },
    "tab.map": {"zh": "地图", "en": "Map"},
    "tab.shortlists": {"zh": "短名单", "en": "Shortlists"},
    "tab.workshop": {"zh": "情景工作坊", "en": "Scenario workshop"},
    "tab.firms": {"zh": "企业匹配", "en": "Firms"},
    "tab.data": {"zh": "数据与来源", "en": "Data & sources"},
    "overseas.inland_leg": {
        "zh": "自 {port} 起的 {km} 公里内陆段按直线计,不是道路距离",
        "en": "inland leg {km} km from {port} is a straight line, not a road",
    },
    "overseas.no_port": {
        "zh": "表中没有可用海港(内陆或港口不在港口索引中):运输时间未知",
        "en": "no sea port in the table (land-only or port not in the port index): transport unknown",
    },
    "overseas.no_location": {"zh": "位置无来源:没有坐标", "en": "location not sourced: no coordinates"},
    "overseas.host_city_point": {
        "zh": "坐标为所在城市,不是合作区本身",
        "en": "coordinates of the host city, not the zone",
    },
    "overseas.no_sector": {"zh": "产业方向无来源", "en": "sector focus not sourced"},
    "overseas.no_wage": {"zh": "{country}的美元最低工资无来源", "en": "{country} minimum wage in USD not sourced"},
    "overseas.customary_wage": {
        "zh": "{country}没有法定最低工资:{usd} 美元为惯常基本工资",
        "en": "{country} has no legal minimum wage: {usd} USD is the customary base",
    },
    "overseas.agoa_status": {
        "zh": "AGOA 资格为 {year} 年状态;AGOA 已于 2025-09-30 到期(延期待定)",
        "en": "AGOA eligibility as of {year}; AGOA lapsed 2025-09-30 (extension pending)",
    },
    "overseas.eba_partly": {
        "zh": "欧盟自 2020 年起部分撤销该国 EBA 待遇",
        "en": "EU EBA partly withdrawn for this country since 2020",
    },
    "overseas.not_confirmed": {"zh": "国家级确认未经核实", "en": "national confirmation not verified"},
    "overseas.unknown_counted": {"zh": "{criteria}未知:按 {value} 计", "en": "{criteria} unknown: counted {value}"},
    "overseas.sector_fit": {"zh": "产业方向包含该产业", "en": "sector focus includes the industry"},
    "overseas.sector_other": {"zh": "产业方向为其他产业", "en": "sector focus is other industries"},
    "overseas.days": {"zh": "到合作区 {days} 天(海运 {km} 公里)", "en": "{days} days to the zone ({km} km by sea)"},
    "overseas.wage": {
        "zh": "最低工资 {usd} 美元/月(比来源地低 {saving})",
        "en": "minimum wage {usd} USD/month ({saving} below the origin's)",
    },
    "overseas.access": {"zh": "市场准入:{eu}", "en": "market access: {eu}"},
    "overseas.access_agoa": {"zh": "市场准入:{eu},美国 AGOA", "en": "market access: {eu}, US AGOA"},
    "overseas.criterion.sector_fit": {"zh": "产业方向", "en": "sector focus"},
    "overseas.criterion.wage_saving": {"zh": "工资节省", "en": "wage saving"},
    "overseas.criterion.transport_days": {"zh": "运输天数", "en": "transport days"},
    "overseas.criterion.market_access": {"zh": "市场准入", "en": "market access"},
    "overseas.eu.EU": {"zh": "欧盟成员国", "en": "EU member"},
    "overseas.eu.EBA": {"zh": "欧盟 EBA", "en": "EU EBA"},
    "overseas.eu.GSP+": {"zh": "欧盟 GSP+", "en": "EU GSP+"},
    "overseas.eu.GSP": {"zh": "欧盟 GSP", "en": "EU GSP"},
    "overseas.eu.FTA": {"zh": "欧盟自贸协定", "en": "EU FTA"},
    "overseas.eu.none": {"zh": "无欧盟优惠", "en": "no EU preference"},
    "tab.cooperation": {"zh": "合作与境外", "en": "Cooperation & abroad"},
    "coop.intro": {
        "zh": "所选来源地的官方结对关系(东西部协作、省内对口帮扶、南北共建、对口合作)与共建园区;"
        "可选显示境外经贸合作区与边境经济合作区(单独排序,不混入国内排名)。",
        "en": "The chosen origin's official pairings (east–west cooperation, in-province counterpart support, "
        "north–south co-building, counterpart cooperation) and co-built parks; optionally the overseas economic and "
        "trade cooperation zones and border zones, ranked on their own, never mixed into the domestic ranking.",
    },
    "coop.pairs_title": {
        "zh": "{origin} 的结对承接地与共建园区",
        "en": "Sites and co-built parks paired with {origin}",
    },
    "coop.no_pairs": {"zh": "{origin} 在结对表中没有结对记录。", "en": "{origin} has no pairing in the pairing table."},
    "coop.legend_own": {"zh": "本市结对 / 共建园区所在地", "en": "the city's own pairs / park hosts"},
    "coop.legend_province": {"zh": "经本省结对(整省)", "en": "paired through its province (whole province)"},
    "coop.legend_park": {"zh": "共建园区(所在县或市驻地)", "en": "co-built park (seat of its county or city)"},
    "coop.col_partner": {"zh": "结对方", "en": "Partner"},
    "coop.col_scheme": {"zh": "机制", "en": "Scheme"},
    "coop.col_level": {"zh": "层级", "en": "Level"},
    "coop.col_since": {"zh": "起始年", "en": "Since"},
    "coop.col_status": {"zh": "状态", "en": "Status"},
    "coop.col_sites": {"zh": "承接地数", "en": "Sites"},
    "coop.level.city": {"zh": "市", "en": "city"},
    "coop.level.county": {"zh": "县", "en": "county"},
    "coop.level.province": {"zh": "省", "en": "province"},
    "coop.level.park": {"zh": "园区", "en": "park"},
    "coop.status.current": {"zh": "现行", "en": "current"},
    "coop.status.unconfirmed": {"zh": "待核实", "en": "unconfirmed"},
    "coop.status.superseded": {"zh": "已调整", "en": "superseded"},
    "coop.pairs_note": {
        "zh": "“待核实”为 2021 年调整后未再核实的旧结对;“已调整”者仅作记录,不会给任何承接地加分。",
        "en": "Unconfirmed: an older pair not re-checked after the 2021 adjustment. Superseded pairs are listed for "
        "the record and never favour a site.",
    },
    "coop.sources": {"zh": "来源", "en": "Sources"},
    "coop.show_overseas": {
        "zh": "显示境外经贸合作区与边境经济合作区",
        "en": "Show overseas cooperation zones and border zones",
    },
    "coop.overseas_title": {"zh": "境外经贸合作区 · {industry}", "en": "Overseas cooperation zones · {industry}"},
    "coop.overseas_note": {
        "zh": "自 {origin} 经 {gateway} 出海,航速 {knots} 节;工资对比来源地最低工资 {wage}。"
        "指标为本节自有指标(行业方向、工资节省、运输天数、欧美市场准入),未知值按 0.5 计并注明。",
        "en": "From {origin} via {gateway}, ships at {knots} knots; wages against the origin's minimum wage {wage}. "
        "Own criteria (sector focus, wage saving, transport days, EU/US market access); unknown values count 0.5 "
        "and are flagged.",
    },
    "coop.month": {"zh": "月", "en": "month"},
    "coop.col_zone": {"zh": "合作区", "en": "Zone"},
    "coop.col_country": {"zh": "国家", "en": "Country"},
    "coop.col_days": {"zh": "运输天数", "en": "Days"},
    "coop.col_wage": {"zh": "最低工资(美元/月)", "en": "Min. wage (USD/month)"},
    "coop.col_eu": {"zh": "欧盟准入", "en": "EU access"},
    "coop.col_why": {"zh": "理由", "en": "Why"},
    "coop.col_caveats": {"zh": "注意", "en": "Caveats"},
    "coop.border_title": {
        "zh": "边境与跨境经济合作区(中方一侧,所在城市的国内排名)",
        "en": "Border and cross-border economic cooperation zones (China side; their city's domestic rank)",
    },
    "coop.col_kind": {"zh": "类型", "en": "Type"},
    "coop.col_city_rank": {"zh": "所在城市国内排名", "en": "City's domestic rank"},
    "coop.zone_type.border_ecz": {"zh": "边境经济合作区", "en": "border economic cooperation zone"},
    "coop.zone_type.cross_border_ecz": {"zh": "跨境经济合作区", "en": "cross-border economic cooperation zone"},
    # sidebar ---------------------------------------------------------------------------------------
    "sidebar.language": {"zh": "语言", "en": "Language"},
    "sidebar.industry": {"zh": "产业", "en": "Industry"},
    "sidebar.scenario": {"zh": "情景", "en": "Scenario"},
    "sidebar.top_n": {"zh": "显示前 N 名", "en": "Top N"},
    "sidebar.province_filter": {"zh": "省份筛选", "en": "Province filter"},
    "sidebar.region_filter": {"zh": "区域筛选", "en": "Region filter"},
    "sidebar.min_score": {"zh": "最低得分", "en": "Minimum score"},
    "sidebar.must_have_bonded_zone": {
        "zh": "须有综合保税区或保税港区",
        "en": "Must have a comprehensive bonded zone",
    },
    "sidebar.direction": {"zh": "查询方向", "en": "Direction"},
    "sidebar.industry_to_sites": {"zh": "产业 → 承接地", "en": "Industry → sites"},
    "sidebar.site_to_industries": {"zh": "承接地 → 产业", "en": "Site → industries"},
    "sidebar.site": {"zh": "承接地", "en": "Site"},
    "sidebar.all": {"zh": "全部", "en": "All"},
    # map layers ------------------------------------------------------------------------------------
    "layer.sites": {"zh": "承接地范围", "en": "Site polygons"},
    "layer.bonded_zones": {"zh": "海关特殊监管区域", "en": "Bonded zones"},
    "layer.hubs": {"zh": "物流枢纽", "en": "Logistics hubs"},
    "layer.corridors": {"zh": "通道", "en": "Corridors"},
    "layer.origins": {"zh": "转出地", "en": "Origin clusters"},
    "layer.labour_pool": {"zh": "劳动力规模", "en": "Labour pool"},
    "layer.restricted": {"zh": "生态限制区域", "en": "Restricted areas"},
    "layer.route": {"zh": "运输线路", "en": "Route"},
    "layer.provinces": {"zh": "省级行政区", "en": "Provinces"},
    "layer.no_data": {"zh": "无数据 / 不符合条件", "en": "No data / ineligible"},
    "layer.census": {"zh": "人口普查指标(2010、2020)", "en": "Census indicators (2010, 2020)"},
    "layer.key_eco_counties": {"zh": "国家重点生态功能区县", "en": "Key ecological function zone counties"},
    "layer.key_eco_coverage": {"zh": "重点生态功能区名录完整度", "en": "Completeness of the ecological county list"},
    "layer.dev_zones": {"zh": "国家级开发区", "en": "National development zones"},
    "layer.min_wage": {"zh": "最低工资标准档次", "en": "Minimum-wage tiers"},
    "layer.industry_clusters": {"zh": "产业集群", "en": "Industrial clusters"},
    "layer.eco_restrictions": {"zh": "生态功能区县数(覆盖)", "en": "Ecological county counts (override)"},
    "layer.designations": {"zh": "政策认定", "en": "Policy designations"},
    "layer.province_economy": {"zh": "省级工资与人口", "en": "Provincial wages and population"},
    "profile.what_it_takes": {
        "zh": "进入前 {k} 名需要什么?",
        "en": "What would it take to reach the top {k}?",
    },
    "profile.what_it_takes_help": {
        "zh": "每次只改变一个指标,由模型重新计算排名,找出进入前 {k} 名所需的最小变化。",
        "en": "One criterion at a time, the engine re-scores and finds the smallest change that brings the site "
        "into the top {k}.",
    },
    "lever.not_lever": {"zh": "不可调:国家生态功能区划", "en": "not a lever: a national ecological designation"},
    "lever.bonded": {"zh": "设立一个综合保税区", "en": "a comprehensive bonded zone"},
    "lever.bonded_no": {"zh": "设立综合保税区仍不足以进入", "en": "a comprehensive bonded zone: not enough on its own"},
    "lever.cluster": {"zh": "在本市形成该产业的集群", "en": "a named cluster of this industry in the prefecture"},
    "lever.cluster_no": {"zh": "形成该产业集群仍不足以进入", "en": "a cluster of this industry: not enough on its own"},
    "lever.designation": {"zh": "每步增加一项国家级认定", "en": "one more national designation per step"},
    "lever.designation_no": {"zh": "增加国家级认定仍不足以进入", "en": "more designations: not enough on their own"},
    "lever.dev_zone": {"zh": "每步增加一个国家级开发区", "en": "one more national development zone per step"},
    "lever.dev_zone_no": {
        "zh": "增加国家级开发区仍不足以进入",
        "en": "more development zones: not enough on their own",
    },
    "lever.no_values": {"zh": "其他地区均无此数据", "en": "no other site has a value"},
    "lever.already_best": {"zh": "已是所有地区中最优", "en": "already the best of all sites"},
    "lever.best_not_enough": {
        "zh": "即使达到所有地区中的最优值也不足以进入",
        "en": "not enough on its own, even at the best value of any site",
    },
    "lever.unknown_start": {
        "zh": "现值未知,从其他地区的中位数开始计算",
        "en": "unknown today: searched from the median",
    },
    "profile.what_running": {"zh": "正在逐项重新计算…", "en": "Re-scoring one criterion at a time…"},
    "profile.what_button": {"zh": "计算", "en": "Compute"},
    "profile.in_top": {"zh": "已在前 {k} 名(第 {rank} 名)。", "en": "Already in the top {k} (rank {rank})."},
    "profile.no_single_change": {
        "zh": "没有任何单一指标的变化能使其进入前 {k} 名。",
        "en": "No single change brings the site into the top {k}.",
    },
    "profile.not_enough": {"zh": "单独改变不足以进入", "en": "not enough on its own"},
    "profile.industries_note": {
        "zh": "按该地在各产业候选地中的相对位置排序(百分位,同类集群加 0.10、相关集群加 0.05,"
        "“两高一资”减 0.10),而不是按不同权重算出的原始得分。",
        "en": "Ranked by the site's standing in each industry's list (percentile, +0.10 for a same-sector cluster, "
        "+0.05 for a related one, −0.10 for industries of the two-high-one-resource class), not by raw scores made "
        "with different weights.",
    },
    "data.coverage": {"zh": "各指标的数据覆盖(站点数)", "en": "Data coverage per criterion (number of sites)"},
    "data.coverage_note": {
        "zh": "实测 = 直接取自来源;推算 = 由来源数据计算;名录不全 = 来自不完整的名录(未列入不等于没有);未知 = 无数据。",
        "en": "measured = taken from the source; derived = computed from sources; partial list = from an incomplete "
        "list (absent is not proof of none); unknown = no value.",
    },
    "data.known_share": {"zh": "已知比例", "en": "Known"},
    "quality.measured": {"zh": "实测", "en": "measured"},
    "quality.derived": {"zh": "推算", "en": "derived"},
    "quality.partial list": {"zh": "名录不全", "en": "partial list"},
    "quality.unknown": {"zh": "未知", "en": "unknown"},
    "hub.sea_gateway": {"zh": "出海口", "en": "Sea gateway"},
    "hub.river_port": {"zh": "内河港口", "en": "River port"},
    "hub.cargo_airport": {"zh": "货运机场", "en": "Cargo airport"},
    "hub.crex_centre": {"zh": "中欧班列集结中心", "en": "China-Europe Railway Express centre"},
    "hub.dry_port": {"zh": "陆港口岸", "en": "Dry port"},
    "mode.rail": {"zh": "铁路", "en": "Railway"},
    "mode.road": {"zh": "公路", "en": "Road"},
    "mode.waterway": {"zh": "内河水运", "en": "Inland waterway"},
    "mode.rail_sea": {"zh": "铁海联运", "en": "Rail-sea intermodal"},
    "mode.crex": {"zh": "中欧班列", "en": "China-Europe Railway Express"},
    "mode.sea": {"zh": "海运", "en": "Sea"},
    "mode.transfer": {"zh": "换装接驳", "en": "Transfer"},
    "mode.corridor": {"zh": "通道铁路", "en": "Corridor rail"},
    # legends -----------------------------------------------------------------------------------------
    "legend.score": {"zh": "适宜性得分", "en": "Suitability score"},
    "legend.score_change": {"zh": "得分变化", "en": "Score change"},
    "legend.hub_type": {"zh": "枢纽类型", "en": "Hub type"},
    "legend.zone_type": {"zh": "监管区域类型", "en": "Bonded zone type"},
    "legend.labour_pool": {"zh": "常住人口(人)", "en": "Resident population (persons)"},
    "legend.restriction": {"zh": "重点生态功能区县占比", "en": "Share of counties in key ecological zones"},
    "legend.shortlisted": {"zh": "入选短名单(数字为排名)", "en": "Shortlisted (number = rank)"},
    "legend.no_data": {"zh": "无数据", "en": "No data"},
    # macro-regions -----------------------------------------------------------------------------------
    "region.central": {"zh": "中部", "en": "Central"},
    "region.western": {"zh": "西部", "en": "Western"},
    "region.northeast": {"zh": "东北", "en": "Northeast"},
    "region.eastern": {"zh": "东部", "en": "Eastern"},
    # table columns -----------------------------------------------------------------------------------
    "col.rank": {"zh": "排名", "en": "Rank"},
    "col.site": {"zh": "承接地", "en": "Site"},
    "col.industry": {"zh": "产业", "en": "Industry"},
    "col.adcode": {"zh": "行政区划代码", "en": "Admin code"},
    "col.province": {"zh": "省份", "en": "Province"},
    "col.region": {"zh": "区域", "en": "Region"},
    "col.score": {"zh": "得分", "en": "Score"},
    "col.eligible": {"zh": "是否符合", "en": "Eligible"},
    "col.reasons": {"zh": "理由", "en": "Reasons"},
    "col.contributions": {"zh": "贡献", "en": "Contributions"},
    "col.top_contributions": {"zh": "主要贡献指标", "en": "Main contributing criteria"},
    "col.robustness": {"zh": "稳健性(保持前 {k} 名的比例)", "en": "Robustness (share of draws in top {k})"},
    "col.firm": {"zh": "企业", "en": "Firm"},
    "col.position": {"zh": "在该产业中的位次", "en": "Position in the industry's list"},
    "col.percentile": {"zh": "百分位", "en": "Percentile"},
    "col.cluster_fit": {"zh": "集群契合", "en": "Cluster fit"},
    "col.position_score": {"zh": "相对位置得分", "en": "Position score"},
    "col.criterion": {"zh": "指标", "en": "Criterion"},
    "col.current": {"zh": "现值", "en": "Now"},
    "col.needed": {"zh": "所需值", "en": "Needed"},
    "col.change": {"zh": "变化", "en": "Change"},
    "col.unit": {"zh": "单位", "en": "Unit"},
    "col.new_rank": {"zh": "变化后排名", "en": "Rank after"},
    "col.note": {"zh": "说明", "en": "Note"},
    "col.jobs": {"zh": "就业岗位", "en": "Jobs"},
    "col.land_ha": {"zh": "用地(公顷)", "en": "Land (ha)"},
    "col.origin": {"zh": "转出地", "en": "Origin"},
    "col.capacity": {"zh": "承载能力(岗位)", "en": "Capacity (jobs)"},
    "col.utilisation": {"zh": "利用率", "en": "Utilisation"},
    "col.source": {"zh": "来源", "en": "Source"},
    "col.licence": {"zh": "许可", "en": "Licence"},
    "col.year": {"zh": "年份", "en": "Year"},
    "col.count": {"zh": "数量", "en": "Count"},
    "col.name_zh": {"zh": "名称(中文)", "en": "Name (Chinese)"},
    "col.name_en": {"zh": "名称(英文)", "en": "Name (English)"},
    "col.n_eligible": {"zh": "符合条件的承接地数", "en": "Eligible sites"},
    "col.contribution_of": {"zh": "贡献:{criterion}", "en": "Contribution: {criterion}"},
    "value.yes": {"zh": "是", "en": "Yes"},
    "value.no": {"zh": "否", "en": "No"},
    # downloads ---------------------------------------------------------------------------------------
    "download.csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "download.xlsx": {"zh": "下载 Excel (XLSX)", "en": "Download Excel (XLSX)"},
    "download.geojson": {"zh": "下载 GeoJSON", "en": "Download GeoJSON"},
    "download.brief": {"zh": "下载一页简报 (HTML)", "en": "Download one-page brief (HTML)"},
    "download.assignment": {"zh": "下载匹配结果", "en": "Download assignment"},
    # what an export was made with (transfer.export.ExportContext) ------------------------------------
    "export.about": {"zh": "说明", "en": "About"},
    "export.item": {"zh": "项目", "en": "Item"},
    "export.value": {"zh": "内容", "en": "Value"},
    "export.sheet": {"zh": "工作表:{name}", "en": "Sheet: {name}"},
    "export.rows": {"zh": "{n} 行", "en": "{n} rows"},
    "export.scenario": {"zh": "情景", "en": "Scenario"},
    "export.weights_edited": {"zh": "(权重已调整)", "en": " (weights edited)"},
    "export.scope": {"zh": "范围", "en": "Scope"},
    "export.scope_all": {
        "zh": "全部候选承接地(未按区域或省份筛选)",
        "en": "all candidate sites (no region or province filter)",
    },
    "export.scope_region": {"zh": "{regions}地区", "en": "{regions} region"},
    "export.scope_regions": {"zh": "{regions}地区", "en": "{regions} regions"},
    "export.eligible_only": {"zh": "仅限符合条件的承接地", "en": "Eligible sites only"},
    "export.layers_replaced": {"zh": "替换的数据图层", "en": "Replaced data layers"},
    "export.default_data": {"zh": "无(默认数据)", "en": "none (default data)"},
    "export.created_at": {"zh": "生成时间", "en": "Created"},
    "export.weight_of": {"zh": "权重:{criterion}", "en": "Weight: {criterion}"},
    # uploads -----------------------------------------------------------------------------------------
    "upload.prompt": {"zh": "上传文件(CSV、XLSX、GeoJSON)", "en": "Upload a file (CSV, XLSX, GeoJSON)"},
    "upload.too_large": {
        "zh": "文件过大:{size_mb:.1f} MB,上限为 {limit_mb:.0f} MB。",
        "en": "File too large: {size_mb:.1f} MB; the limit is {limit_mb:.0f} MB.",
    },
    "upload.validation_failed": {
        "zh": "文件校验未通过:{message}",
        "en": "The file failed validation: {message}",
    },
    "upload.loaded_ok": {
        "zh": "已载入 {rows} 行({name})。",
        "en": "Loaded {rows} rows ({name}).",
    },
    "upload.sheet": {"zh": "读取工作表", "en": "Sheet to read"},
    "upload.replace_layer": {"zh": "以上传文件替换图层", "en": "Replace layer with uploaded file"},
    "upload.unsupported_type": {
        "zh": "不支持的文件类型:{suffix}",
        "en": "Unsupported file type: {suffix}",
    },
    # error prefixes ----------------------------------------------------------------------------------
    "error.generic": {"zh": "出错了:", "en": "Error: "},
    "error.layer": {"zh": "图层数据错误:", "en": "Layer error: "},
    "error.scenario": {"zh": "情景设置错误:", "en": "Scenario error: "},
    "error.infeasible": {"zh": "无法求解:", "en": "No feasible solution: "},
    "error.network": {"zh": "交通网络错误:", "en": "Network error: "},
    "error.unknown_name": {"zh": "名称无法识别:", "en": "Unknown name: "},
    # scenario comparison -----------------------------------------------------------------------------
    "compare.title": {"zh": "情景比较", "en": "Compare scenarios"},
    "compare.base": {"zh": "基准情景", "en": "Base scenario"},
    "compare.alternative": {"zh": "比较情景", "en": "Alternative scenario"},
    "compare.entering": {"zh": "新进入", "en": "Entering"},
    "compare.leaving": {"zh": "退出", "en": "Leaving"},
    "compare.rank_change": {"zh": "排名变化", "en": "Rank change"},
    "compare.score_change": {"zh": "得分变化", "en": "Score change"},
    "compare.jobs_by_region": {"zh": "分区域就业流向", "en": "Jobs by region"},
    "compare.share_central_western": {"zh": "中西部占比", "en": "Share central + western"},
    "compare.unmatched": {"zh": "未匹配", "en": "Unmatched"},
    "compare.change_map": {"zh": "变化地图", "en": "Change map"},
    "workshop.weights": {"zh": "指标权重", "en": "Criterion weights"},
    "workshop.reset_weights": {"zh": "恢复默认权重", "en": "Reset weights"},
    "workshop.scenario_name": {"zh": "情景名称", "en": "Scenario name"},
    "workshop.edit_yaml": {"zh": "编辑情景文件 (YAML)", "en": "Edit scenario (YAML)"},
    # workspace ---------------------------------------------------------------------------------------
    "workspace.title": {"zh": "工作空间", "en": "Workspace"},
    "workspace.save": {"zh": "保存", "en": "Save"},
    "workspace.saved": {"zh": "已保存:{name}", "en": "Saved: {name}"},
    "workspace.status": {"zh": "跟进状态", "en": "Status"},
    "workspace.notes": {"zh": "备注", "en": "Notes"},
    "status.candidate": {"zh": "候选", "en": "Candidate"},
    "status.contacted": {"zh": "已联系", "en": "Contacted"},
    "status.visited": {"zh": "已考察", "en": "Visited"},
    "status.negotiating": {"zh": "洽谈中", "en": "Negotiating"},
    "status.signed": {"zh": "已签约", "en": "Signed"},
    "status.dropped": {"zh": "已放弃", "en": "Dropped"},
    # firms -------------------------------------------------------------------------------------------
    "firms.upload": {
        "zh": "上传转移企业名单(CSV 或 XLSX)",
        "en": "Upload a list of relocating firms (CSV or XLSX)",
    },
    "firms.template": {"zh": "模板下载", "en": "Download template"},
    "firms.per_firm_matches": {"zh": "逐企业匹配结果", "en": "Per-firm matches"},
    "firms.joint_assignment": {"zh": "统筹分配方案", "en": "Joint assignment"},
    "firms.site_load": {"zh": "承接地负荷", "en": "Site load"},
    "firms.count": {"zh": "共 {n} 家企业", "en": "{n} firms"},
    # site profile ------------------------------------------------------------------------------------
    "profile.title": {"zh": "承接地概况:{name}", "en": "Site profile: {name}"},
    "profile.key_figures": {"zh": "主要指标", "en": "Key figures"},
    "profile.criteria": {"zh": "指标得分(0–1)", "en": "Criterion scores (0–1)"},
    "profile.route_to_sea": {"zh": "至最近出海口线路", "en": "Route to nearest sea gateway"},
    "profile.route_to_origin": {"zh": "至转出地线路", "en": "Route to origin"},
    "profile.click_hint": {
        "zh": "点击地图中的承接地查看概况",
        "en": "Click a site on the map to see its profile",
    },
    # brief -------------------------------------------------------------------------------------------
    "brief.title": {"zh": "{industry}承接地短名单", "en": "Receiving-site shortlist: {industry}"},
    "brief.map": {"zh": "承接地适宜性分布", "en": "Site suitability"},
    "brief.table": {"zh": "推荐承接地", "en": "Recommended sites"},
    "brief.sources": {"zh": "数据来源", "en": "Data sources"},
    "brief.notes": {"zh": "说明", "en": "Notes"},
    "brief.generated": {"zh": "生成日期:{date}", "en": "Generated: {date}"},
    "brief.scenario": {"zh": "情景:{scenario}", "en": "Scenario: {scenario}"},
    "brief.print_hint": {"zh": "打印为 PDF:A4 纵向", "en": "Print to PDF: A4 portrait"},
    "brief.all_rows": {"zh": "适用于上表所有承接地:", "en": "Applies to every site above:"},
    "brief.no_rows": {"zh": "没有符合条件的承接地。", "en": "No site meets the conditions."},
    "brief.title_scoped": {"zh": "{title}(限{scope})", "en": "{title} ({scope} only)"},
    "brief.weights": {"zh": "所用权重", "en": "Weights used"},
    # data tab ----------------------------------------------------------------------------------------
    "data.layer": {"zh": "图层", "en": "Layer"},
    "data.rows": {"zh": "记录数", "en": "Rows"},
    "data.provenance": {"zh": "数据来源与年份", "en": "Source and year"},
    "data.crs_note": {
        "zh": "高德、天地图等国内瓦片采用 GCJ-02 坐标,叠加 WGS84 数据前须先转换,否则约偏移 500 米。",
        "en": "Chinese tile providers (AMap, Tianditu) use GCJ-02; WGS84 data would be misplaced by "
        "about 500 m unless converted.",
    },
    "data.offline_basemap": {
        "zh": "离线底图(由行政边界绘制)",
        "en": "Offline basemap (drawn from boundaries)",
    },
    "data.online_tiles": {"zh": "在线瓦片底图(需联网)", "en": "Online tile basemap (needs internet)"},
}

# criterion labels come from the one place criteria are defined
_CRITERIA_STRINGS: dict[str, dict[str, str]] = {
    f"criterion.{c.id}": {"zh": c.label_zh, "en": c.label_en} for c in CRITERIA
}

# short criterion labels for chips, legends and narrow columns
_CRITERIA_SHORT: dict[str, dict[str, str]] = {
    "criterion_short.bonded_zone": {"zh": "综保区/保税港区", "en": "bonded zone"},
    "criterion_short.sea_cost": {"zh": "出海运费", "en": "cost to sea gateway"},
    "criterion_short.origin_cost": {"zh": "至转出地运费", "en": "cost to origin clusters"},
    "criterion_short.crex_time": {"zh": "中欧班列时间", "en": "time to CR Express centre"},
    "criterion_short.air_time": {"zh": "货运机场时间", "en": "time to cargo airport"},
    "criterion_short.market_access": {"zh": "国内市场可达性", "en": "market access"},
    "criterion_short.labour_pool": {"zh": "劳动力规模", "en": "labour pool"},
    "criterion_short.wage": {"zh": "工资水平", "en": "wage level"},
    "criterion_short.labour_reserve": {"zh": "劳动力储备", "en": "labour reserve"},
    "criterion_short.labour_quality": {"zh": "劳动力素质", "en": "labour quality"},
    "criterion_short.industrial_base": {"zh": "产业基础", "en": "industrial base"},
    "criterion_short.cluster_fit": {"zh": "集群契合", "en": "cluster fit"},
    "criterion_short.min_wage": {"zh": "最低工资", "en": "minimum wage"},
    "criterion_short.policy_support": {"zh": "政策支持", "en": "policy designations"},
    "criterion_short.dev_zones": {"zh": "国家级开发区", "en": "development zones"},
    "criterion_short.eco_pressure": {"zh": "生态约束", "en": "ecological pressure"},
}

# app-only labels: loading messages, zone types in English, route finding
_APP: dict[str, dict[str, str]] = {
    "sidebar.data_source": {"zh": "数据:文件夹 {name}", "en": "Data: folder {name}"},
    "sidebar.team_layers": {"zh": "数据:团队图层第 {version} 版", "en": "Data: team layers, version {version}"},
    "login.title": {"zh": "登录团队服务器", "en": "Log in to the team server"},
    "login.where": {"zh": "服务器:{server}", "en": "Server: {server}"},
    "login.user": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.team": {"zh": "团队(可选)", "en": "Team (optional)"},
    "login.team_help": {
        "zh": "账号属于多个团队时填写要进入的团队",
        "en": "Only needed when the account belongs to several teams",
    },
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.badge": {"zh": "已登录:{user}({team} · {role})", "en": "Logged in: {user} ({team} · {role})"},
    "login.logout": {"zh": "退出登录", "en": "Log out"},
    "login.role.viewer": {"zh": "查看者", "en": "viewer"},
    "login.role.editor": {"zh": "编辑者", "en": "editor"},
    "login.role.admin": {"zh": "管理员", "en": "admin"},
    "app.unexpected_error": {
        "zh": "出现意外错误({kind}:{message})。这是本工具的缺陷,不是您的操作所致;已保存的工作不受影响。"
        "详细信息已写入 {log},报告问题时请附上该文件。",
        "en": "An unexpected error occurred ({kind}: {message}). This is a defect of the tool, not something you did; "
        "saved work is not affected. The details are in {log}; please attach that file to a bug report.",
    },
    "app.log_unwritable": {
        "zh": "(无法写入日志文件,详情见服务器终端)",
        "en": "(no log file could be written; see the server console)",
    },
    "app.loading": {"zh": "正在载入基础数据…", "en": "Loading the base data…"},
    "sidebar.origin": {"zh": "转出地(线路起点)", "en": "Origin cluster (for routes)"},
    "sidebar.default_scenario": {"zh": "默认(无情景)", "en": "Default (no scenario)"},
    "profile.criteria_note": {
        "zh": "数值:该指标归一化后的得分(0–1,越高越好;空白 = 未知,按 0.5 计);贡献:权重 × 数值,各项之和即得分。",
        "en": "Value: the criterion's normalised score (0-1, higher is better; blank = unknown, counted as 0.5); "
        "contribution: weight × value, adding up to the score.",
    },
    "unit.persons": {"zh": "人", "en": "persons"},
    "unit.CNY/TEU": {"zh": "元/标箱", "en": "CNY/TEU"},
    "unit.h": {"zh": "小时", "en": "h"},
    "unit.index": {"zh": "指数", "en": "index"},
    "unit.share": {"zh": "比例", "en": "share"},
    "unit.years": {"zh": "年", "en": "years"},
    "unit.CNY/year": {"zh": "元/年", "en": "CNY/year"},
    "unit.CNY/month": {"zh": "元/月", "en": "CNY/month"},
    "unit.count": {"zh": "个", "en": "count"},
    "compare.all_industries": {"zh": "所有产业合计:{n}", "en": "All industries together: {n}"},
    "compare.no_score_change": {
        "zh": "两个情景下该产业的得分没有变化(差值均小于 0.0005)。",
        "en": "The two scenarios give this industry the same scores (every change is below 0.0005).",
    },
    "sidebar.custom_weights": {
        "zh": "自定义权重生效中(地图、短名单、工作坊):{industries}。在情景工作坊中可恢复默认权重。",
        "en": "Custom weights in effect (map, shortlists, workshop): {industries}. Reset them in the workshop.",
    },
    "sidebar.data_replaced": {"zh": "正在使用上传的图层", "en": "Using an uploaded layer"},
    "map.colour_by": {"zh": "按所选产业的适宜性着色", "en": "Coloured by suitability for the chosen industry"},
    "map.size": {"zh": "地图大小", "en": "Map size"},
    "map.pick_site": {"zh": "或从列表选择承接地", "en": "Or pick a site from the list"},
    "map.none": {"zh": "(未选择)", "en": "(none)"},
    "map.legend_hubs": {"zh": "枢纽", "en": "Hubs"},
    "map.legend_zones": {"zh": "监管区域", "en": "Bonded zones"},
    "profile.contributions": {"zh": "得分构成(所选产业)", "en": "Score breakdown (chosen industry)"},
    "profile.eligibility": {"zh": "是否符合条件及理由", "en": "Eligibility and reasons"},
    "profile.eligible_yes": {"zh": "符合条件", "en": "Eligible"},
    "profile.eligible_no": {"zh": "不符合条件", "en": "Not eligible"},
    "profile.robustness": {"zh": "稳健性", "en": "Robustness"},
    "profile.robustness_help": {
        "zh": "在权重随机扰动(狄利克雷抽样 200 次)下保持前 {k} 名的比例",
        "en": "Share of 200 random weight draws (Dirichlet) in which the site stays in the top {k}",
    },
    "profile.no_route": {"zh": "无法计算线路:{message}", "en": "No route: {message}"},
    "profile.no_network": {"zh": "未载入交通网络,无法计算线路。", "en": "No logistics network loaded; no routes."},
    "profile.score": {"zh": "得分", "en": "Score"},
    "profile.rank": {"zh": "排名", "en": "Rank"},
    "profile.figure": {"zh": "指标", "en": "Figure"},
    "profile.value": {"zh": "数值", "en": "Value"},
    "profile.unit": {"zh": "单位", "en": "Unit"},
    "profile.industries": {"zh": "适合引进的产业", "en": "Industries to court"},
    "leg.mode": {"zh": "方式", "en": "Mode"},
    "leg.from": {"zh": "起", "en": "From"},
    "leg.to": {"zh": "止", "en": "To"},
    "leg.km": {"zh": "公里", "en": "km"},
    "leg.hours": {"zh": "小时", "en": "Hours"},
    "leg.cost": {"zh": "运费(元/TEU)", "en": "Cost (CNY/TEU)"},
    "shortlist.save": {"zh": "保存短名单到工作空间", "en": "Save shortlist to workspace"},
    "shortlist.name": {"zh": "短名单名称", "en": "Shortlist name"},
    "shortlist.empty": {"zh": "没有符合筛选条件的承接地。", "en": "No site passes the filters."},
    "workshop.scope": {"zh": "权重作用于", "en": "Weights apply to"},
    "workshop.rescore_ms": {"zh": "重新评分用时 {ms:.0f} 毫秒", "en": "Re-scored in {ms:.0f} ms"},
    "workshop.pick": {"zh": "选择情景文件", "en": "Pick a scenario file"},
    "workshop.apply_yaml": {"zh": "应用编辑后的情景", "en": "Apply the edited scenario"},
    "workshop.yaml_ok": {"zh": "情景有效:{name}", "en": "Scenario is valid: {name}"},
    "workshop.active": {"zh": "当前情景:{name}", "en": "Active scenario: {name}"},
    "workshop.with_weights": {"zh": "保存时包含滑块权重", "en": "Include the slider weights when saving"},
    "workshop.saved_versions": {"zh": "工作空间中已保存的情景", "en": "Scenarios saved in the workspace"},
    "workshop.shortlist_side": {"zh": "前 {n} 名对比(所选产业)", "en": "Top {n} side by side (chosen industry)"},
    "compare.not_available": {
        "zh": "情景比较模块(transfer.compare)尚不可用;下方仅显示两个情景的短名单对比。",
        "en": "The comparison module (transfer.compare) is not available yet; only the two shortlists are shown below.",
    },
    "compare.run": {"zh": "比较", "en": "Compare"},
    "compare.same": {"zh": "请选择两个不同的情景。", "en": "Pick two different scenarios."},
    "firms.none": {"zh": "请上传企业名单,或下载模板。", "en": "Upload a list of firms, or download the template."},
    "firms.unmatched": {"zh": "未匹配的企业岗位", "en": "Unmatched firm jobs"},
    "firms.top_sites": {"zh": "前 {n} 个承接地", "en": "Top {n} sites"},
    "data.licences": {"zh": "许可与署名", "en": "Licences and attribution"},
    "data.replace_kind": {"zh": "要替换的图层", "en": "Layer to replace"},
    "data.replaced": {
        "zh": "已用 {name} 替换图层 {kind}({rows} 行)。",
        "en": "Layer {kind} replaced by {name} ({rows} rows).",
    },
    "data.reset": {"zh": "恢复默认数据", "en": "Restore the default data"},
    "data.file": {"zh": "文件", "en": "File"},
    "data.notes": {"zh": "运行说明", "en": "Run notes"},
    "data.sources_years": {"zh": "来源年份", "en": "Source years"},
    "data.flagged": {"zh": "带标记的行", "en": "Flagged rows"},
    "data.n_sources": {"zh": "不同来源数", "en": "Distinct sources"},
    "zone.综合保税区": {"zh": "综合保税区", "en": "Comprehensive bonded zone"},
    "zone.保税港区": {"zh": "保税港区", "en": "Bonded port zone"},
    "zone.出口加工区": {"zh": "出口加工区", "en": "Export processing zone"},
    "zone.保税物流园区": {"zh": "保税物流园区", "en": "Bonded logistics park"},
    "zone.保税物流中心B": {"zh": "保税物流中心(B型)", "en": "Bonded logistics centre (type B)"},
    "profile.loading_routes": {"zh": "正在计算线路…", "en": "Finding routes…"},
}

# reasons given for a score or an exclusion (transfer.scoring renders them in the chosen language)
_REASONS: dict[str, dict[str, str]] = {
    "reason.excluded_province": {
        "zh": "排除：本情景排除{province}",
        "en": "excluded: province {province} is excluded in this scenario",
    },
    "reason.needs_bonded_zone": {
        "zh": "排除：需要综合保税区或保税港区，该市暂无",
        "en": "excluded: needs a comprehensive bonded zone or bonded port zone in the city; none listed",
    },
    "reason.eco_ban": {
        "zh": "排除：两高一资产业不得进入生态限制区域（{share}的区县属国家重点生态功能区，超过{limit}）",
        "en": "excluded: a 'two-high, one-resource' industry is banned in an ecologically restricted area ({share} of "
        "counties in national key ecological function zones > {limit})",
    },
    "reason.eco_unknown": {
        "zh": "排除：两高一资产业，且该地生态状况未知（审慎原则）",
        "en": "excluded: a 'two-high, one-resource' industry and the site's ecological status is unknown (precaution)",
    },
    "reason.crex_limit": {
        "zh": "排除：距中欧班列集结中心{got}（上限{limit}小时）",
        "en": "excluded: China-Europe Railway Express centre {got} away (limit {limit} h)",
    },
    "reason.sea_limit": {
        "zh": "排除：至出海口运费{got}（上限{limit}）",
        "en": "excluded: sea gateway cost {got} (limit {limit})",
    },
    "reason.good": {
        "zh": "{criterion}较优（{norm} × 权重 {weight} = +{contrib}）",
        "en": "good {criterion} ({norm} × weight {weight} = +{contrib})",
    },
    "reason.poor": {
        "zh": "{criterion}较弱（{norm}，权重 {weight}）",
        "en": "poor {criterion} ({norm}, weight {weight})",
    },
    "reason.unknown": {"zh": "数据缺失（{how}）：{criteria}", "en": "unknown data ({how}): {criteria}"},
    "reason.how_neutral": {"zh": "按中性值0.5计", "en": "scored neutral 0.5"},
    "reason.how_exclude": {"zh": "不计入权重", "en": "left out of the weights"},
    "reason.unknown_value": {"zh": "未知", "en": "unknown"},
    "reason.paired_bonus": {
        "zh": "与{with}结对（{scheme}，{year}年）：+{bonus}",
        "en": "paired with {with} under {scheme} ({year}): +{bonus}",
    },
    "reason.paired": {
        "zh": "与{with}结对（{scheme}，{year}年）",
        "en": "paired with {with} under {scheme} ({year})",
    },
    "reason.not_paired": {
        "zh": "排除：未与{origin}结对（本情景以结对为约束）",
        "en": "excluded: not paired with {origin} (this scenario makes pairing a constraint)",
    },
    "pairing.scheme.east_west": {"zh": "东西部协作", "en": "east–west cooperation"},
    "pairing.scheme.gd_counterpart": {
        "zh": "广东省珠三角—粤东西北对口帮扶",
        "en": "Guangdong Pearl River Delta counterpart support",
    },
    "pairing.scheme.js_north_south": {"zh": "江苏省南北挂钩", "en": "Jiangsu north–south pairing"},
    "pairing.scheme.ne_counterpart": {
        "zh": "东北地区与东部地区对口合作",
        "en": "north-east–east counterpart cooperation",
    },
    "pairing.scheme.interprovincial": {"zh": "跨省合作共建园区", "en": "inter-provincial co-built park"},
}

# pages of the app: navigation, compare, saved work -------------------------------------------------------------
_PAGES: dict[str, dict[str, str]] = {
    "tab.compare": {"zh": "情景比较", "en": "Compare"},
    "sidebar.default_about": {
        "zh": "默认权重与硬性规则,不含需求与情景改动。",
        "en": "Default weights and hard rules, without demand or scenario changes.",
    },
    "profile.rank_of": {"zh": "排名(共 {n} 个)", "en": "Rank (of {n})"},
    "tab.saved": {"zh": "已保存", "en": "Saved work"},
    "sidebar.reset_all_weights": {"zh": "全部恢复情景权重", "en": "Reset all weights"},
    "compare.current": {"zh": "当前情景(含滑块权重)", "en": "Current (with slider weights)"},
    "compare.was_excluded": {"zh": "原被排除:{why}", "en": "was excluded: {why}"},
    "compare.stayed": {"zh": "保持", "en": "Stayed"},
    "compare.status": {"zh": "变化", "en": "Change"},
    "compare.rank_move": {"zh": "名次变动", "en": "Rank move"},
    "compare.drivers": {"zh": "主要原因", "en": "Drivers"},
    "compare.all_switch": {"zh": "统计所有产业", "en": "Count all industries"},
    "compare.pp": {"zh": "{v:+.1f} 个百分点", "en": "{v:+.1f} pp"},
    "compare.jobs_note": {
        "zh": "默认需求在承接地之间的就业分配(全部产业)。",
        "en": "Jobs of the default demand assigned to sites (all industries).",
    },
    "compare.all_industries_title": {"zh": "所有产业", "en": "All industries"},
    "compare.top": {"zh": "前 {n} 名", "en": "top {n}"},
    "compare.no_shortlist_change": {"zh": "前 N 名没有变化。", "en": "The top N did not change."},
    "compare.no_flows": {"zh": "两个情景都没有需求分配。", "en": "Neither scenario assigns any demand."},
    "compare.change": {"zh": "变化", "en": "Change"},
    "compare.run_help": {
        "zh": "打开“比较”后计算两个情景(改动交通网络的情景需要几秒钟)。",
        "en": "Switch on Compare to run both scenarios (one that edits the network takes a few seconds).",
    },
    "col.name": {"zh": "名称", "en": "Name"},
    "legend.no_change": {"zh": "无变化", "en": "no change"},
    "export.sheet_name": {"zh": "短名单", "en": "shortlist"},
    "shortlist.weights_edited": {
        "zh": "排序使用了情景工作坊中调整过的权重(下载文件会记录这些权重)。",
        "en": "Ranked with the weights changed in the scenario workshop (the downloads record them).",
    },
    "col.capacity": {"zh": "容量(岗位)", "en": "Capacity (jobs)"},
    "col.utilisation": {"zh": "利用率", "en": "Utilisation"},
    "col.version": {"zh": "版本", "en": "Version"},
    "col.saved_at": {"zh": "保存时间", "en": "Saved"},
    "col.comment": {"zh": "说明", "en": "Comment"},
    "col.entry": {"zh": "条目", "en": "Entry"},
    "col.updated": {"zh": "更新时间", "en": "Updated"},
    "saved.title": {"zh": "已保存的短名单", "en": "Saved shortlists"},
    "saved.where": {"zh": "工作空间文件:{path}", "en": "Workspace file: {path}"},
    "saved.none": {
        "zh": "还没有保存的短名单。在“短名单”页保存一份,它会出现在这里。",
        "en": "No shortlist saved yet. Save one on the Shortlists page and it appears here.",
    },
    "saved.open": {"zh": "打开短名单", "en": "Open a shortlist"},
    "saved.scenarios": {"zh": "已保存的情景", "en": "Saved scenarios"},
    "saved.no_scenarios": {
        "zh": "还没有保存的情景(在“情景工作坊”页保存)。",
        "en": "No scenario saved yet (save one on the Scenario workshop page).",
    },
    "saved.scenarios_help": {
        "zh": "每个保存的版本都可在侧栏“情景”中选用,也可在“情景比较”页任意两两比较。",
        "en": "Every saved version can be chosen under Scenario in the sidebar; any two can be compared on Compare.",
    },
    "saved.updated": {"zh": "已记录 {n} 条状态变更。", "en": "{n} status change(s) recorded."},
    "saved.save_changes": {"zh": "保存状态和备注", "en": "Save statuses and notes"},
    "saved.history_of": {"zh": "查看跟进记录", "en": "History of"},
    "saved.no_history": {"zh": "该条目还没有跟进记录。", "en": "No status recorded for this entry yet."},
    "saved.find_it": {"zh": "可在“已保存”页打开并跟进。", "en": "open it on the Saved work page to follow it up."},
}

# where each criterion's values come from, in Chinese (the English text is the site table's provenance) ----------
PROVENANCE_ZH: dict[str, str] = {
    "bonded_zone": "curated/bonded_zones.csv:按区域类型加权的城市海关特殊监管区域指数(有上限)",
    "labour_pool": "census.csv:15-64 岁常住人口,第七次全国人口普查(《2020中国人口普查分县资料》地级行)",
    "labour_reserve": "census.csv:户籍人口减常住人口(2010 年普查,按 2020 年区划;为负取 0)"
    "+ 2020 年普查从事农业的常住人口(长表比例折算);两项相加为建模选择",
    "labour_quality": "census.csv:平均受教育年限,2020 年普查",
    "industrial_base": "census.csv:就业人口中制造业占比,2020 年普查长表",
    "wage": "curated/province_economy.csv:2021 年城镇非私营单位平均工资(省级值,用于省内各承接地)",
    "min_wage": "curated/min_wage.csv:所在省份现行通知中该市(市辖区)档次的月最低工资",
    "cluster_fit": "curated/industry_clusters.csv + industry_relatedness.yaml:本产业集群为 1,相关集群为关联度(0.5),"
    "否则为 0(名单不全)",
    "policy_support": "curated/designations.csv:政策认定个数(重点承接地、国家级加工贸易园区、"
    "承接产业转移示范区);名单不全",
    "dev_zones": "curated/dev_zones.csv:地级市内国家级经开区与高新区个数(全国完整名单)",
    "eco_pressure": "curated/key_eco_counties.csv:县级单位中国家重点生态功能区县的占比(2010 年规划 + 2016 年增补);"
    "省级名单完整处可用",
    "sea_cost": "交通网络可达性:到出海口的最小综合运费(元/标箱)",
    "origin_cost": "交通网络可达性:到本产业主要转出地的平均最小运费(元/标箱)",
    "crex_time": "交通网络可达性:到最近中欧班列集结中心的小时数",
    "air_time": "交通网络可达性:到最近货运机场的小时数",
    "market_access": "交通网络可达性:人口加权的引力指数",
}

_DATA: dict[str, dict[str, str]] = {
    "note.unknown_values": {"zh": "以下指标有未知值({how}):{criteria}", "en": "unknown values ({how}) in: {criteria}"},
    "note.how_neutral": {"zh": "按 0.5 计", "en": "neutral"},
    "note.how_exclude": {"zh": "不计入", "en": "exclude"},
    "note.solved_by": {"zh": "匹配求解方法:{method}", "en": "matching solved by {method}"},
    "note.binding": {"zh": "起约束作用的限制:{limits}", "en": "binding limits: {limits}"},
    "note.unmatched": {
        "zh": "{jobs:,} 个岗位未能匹配(容量、资格或最低得分所限)",
        "en": "{jobs:,} jobs could not be matched (capacity, eligibility or minimum score)",
    },
    "limit.site_capacity": {"zh": "承接地容量", "en": "site capacity"},
    "limit.max_share_per_site": {"zh": "单地份额上限", "en": "max share per site"},
    "limit.group_capacity": {"zh": "组容量", "en": "group capacity"},
    "data.licence_header": {"zh": "| 来源 | 许可 | 须显示的署名 |", "en": "| source | licence | attribution to show |"},
    "data.original_language": {
        "zh": "来源引用保留原文(英文数据包说明、中文政府文件名),文件名不翻译。",
        "en": "Sources are cited in their own language (Chinese notices in Chinese); file names are not translated.",
    },
}

_EVALUATION: dict[str, dict[str, str]] = {
    "tab.evaluation": {"zh": "评价与监测", "en": "Evaluation & monitoring"},
    "eval.intro": {
        "zh": "按评价指标体系(一级指标 → 二级指标 → 承接地指标)对全部承接地打分排序,并以基年标准化做逐年监测。",
        "en": "Every site scored and ranked with the evaluation index system (headings → sub-headings → site "
        "criteria), and monitored year by year on the base year's scale.",
    },
    "eval.weights": {"zh": "权重", "en": "Weights"},
    "eval.w.equal": {"zh": "各层等权", "en": "Equal at every level"},
    "eval.w.ahp": {"zh": "层次分析法(专家两两比较)", "en": "Expert pairwise comparison (AHP)"},
    "eval.w.entropy": {"zh": "熵权法", "en": "Entropy"},
    "eval.w.critic": {"zh": "指标冲突性赋权法", "en": "CRITIC"},
    "eval.w.combined": {"zh": "主客观组合(两两比较与熵权)", "en": "Combined (pairwise and entropy)"},
    "eval.alpha": {"zh": "主观权重所占比例", "en": "Share of the subjective weights"},
    "eval.method": {"zh": "评价方法", "en": "Method"},
    "eval.m.wsum": {"zh": "加权求和", "en": "Weighted sum"},
    "eval.m.topsis": {"zh": "逼近理想解排序法", "en": "TOPSIS"},
    "eval.m.vikor": {"zh": "多准则妥协排序法", "en": "VIKOR"},
    "eval.pairwise": {
        "zh": "一级指标两两比较(1 = 同等重要,9 = 极端重要)",
        "en": "Pairwise comparison of the headings (1 = equal, 9 = extremely more important)",
    },
    "eval.equal": {"zh": "同等重要", "en": "equal"},
    "eval.more": {"zh": "{name} 重要 {x} 倍", "en": "{name} ×{x}"},
    "eval.cr_ok": {"zh": "一致性比率 {cr:.3f}(≤ 0.1,可以接受)", "en": "Consistency ratio {cr:.3f} (≤ 0.1, acceptable)"},
    "eval.cr_bad": {
        "zh": "一致性比率 {cr:.3f} > 0.1:判断不一致,未采用。"
        "最不一致的是“{a} 与 {b}”(填了 {x},其他判断意味着约 {implied})。",
        "en": "Consistency ratio {cr:.3f} > 0.1: the judgements are inconsistent and not used. The least consistent "
        "is “{a} vs {b}” ({x} given, the others imply about {implied}).",
    },
    "eval.ranking": {"zh": "承接地排名", "en": "Site ranking"},
    "eval.score": {"zh": "得分", "en": "Score"},
    "eval.unavailable": {
        "zh": "指标体系中以下指标在承接地数据表中没有(与产业相关或无数据),未参与评价:{items}",
        "en": "Not in the site table (industry-specific or no data), not evaluated: {items}",
    },
    "eval.empty": {
        "zh": "没有任何有数据的指标的二级指标:{items}",
        "en": "Sub-headings without any criterion with data: {items}",
    },
    "eval.unknown": {"zh": "未知值按中性值 0.5 计:{items}", "en": "Unknown values count as neutral (0.5): {items}"},
    "eval.sites_n": {"zh": "{name}({n} 个承接地)", "en": "{name} ({n} sites)"},
    "eval.compare": {"zh": "评价方法比较", "en": "Method comparison"},
    "eval.method_a": {"zh": "方法一", "en": "Method A"},
    "eval.method_b": {"zh": "方法二", "en": "Method B"},
    "eval.kendall": {"zh": "肯德尔τ系数", "en": "Kendall's tau"},
    "eval.spearman": {"zh": "斯皮尔曼ρ系数", "en": "Spearman's rho"},
    "eval.most_different": {"zh": "名次差异最大的承接地", "en": "Sites whose rank differs most"},
    "eval.rank_of": {"zh": "{method}名次", "en": "Rank ({method})"},
    "eval.rank_range": {"zh": "名次极差", "en": "Rank range"},
    "eval.radar": {"zh": "各一级指标得分", "en": "Sub-scores per heading"},
    "eval.site": {"zh": "承接地", "en": "Site"},
    "eval.trend": {
        "zh": "2010 → 2020 监测(以 2010 年为基年标准化)",
        "en": "2010 → 2020 monitoring (on the 2010 scale)",
    },
    "eval.trend_note": {
        "zh": "两次人口普查中只有常住人口一项指标两年都有数据,因此该排名只反映常住人口;"
        "导入年度监测表后可加入更多指标。",
        "en": "Only resident population is in both censuses, so this ranking follows it alone; import yearly "
        "monitoring sheets to add indicators.",
    },
    "eval.trend_source": {
        "zh": "数据来源:2010 年人口普查分县数据(按 2020 年区划汇总)与 2020 年人口普查分地区数据。",
        "en": "Source: the 2010 census county rows (summed on 2020 boundaries) and the 2020 census prefecture rows.",
    },
    "eval.score_year": {"zh": "{year} 年得分", "en": "Score {year}"},
    "eval.rank_year": {"zh": "{year} 年名次", "en": "Rank {year}"},
    "eval.rank_change": {"zh": "名次变化(负数为上升)", "en": "Rank change (negative = up)"},
    "eval.download_csv": {"zh": "下载排名(CSV 格式)", "en": "Download the ranking (CSV)"},
    "eval.download_report": {"zh": "下载年度监测报告(HTML 格式)", "en": "Download the monitoring report (HTML)"},
    "eval.download_xlsx": {"zh": "下载年度监测报告(Excel 格式)", "en": "Download the monitoring report (Excel)"},
    "eval.heading_note": {"zh": "说明", "en": "Note"},
}

STRINGS: dict[str, dict[str, str]] = {
    **_EVALUATION,
    **_DATA,
    **_PAGES,
    **_TYPED,
    **_CRITERIA_STRINGS,
    **_CRITERIA_SHORT,
    **_APP,
    **_REASONS,
}


class _KeepMissing(dict[str, Any]):
    """Format mapping that leaves unknown placeholders as they are (``{name}``)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(text: str) -> set[str]:
    """Names of the ``str.format`` placeholders in ``text`` (``"{n} firms"`` -> ``{"n"}``)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def t(
    key: str,
    lang: str = DEFAULT_LANG,
    *,
    strict: bool = False,
    table: Mapping[str, Mapping[str, str]] | None = None,
    **fmt: Any,
) -> str:
    """The text of ``key`` in ``lang``, formatted with ``fmt``.

    The result is plain text: escape it before putting it into HTML.

    Parameters
    ----------
    key
        A key of :data:`STRINGS`, e.g. ``"tab.map"`` or ``"criterion.wage"``.
    lang
        "zh" (default) or "en". A language without a translation falls back to English, then to the key.
    strict
        Raise ``KeyError`` for an unknown key or a missing placeholder value instead of falling back
        (tests use this; the app does not, so a missing label never stops a page).
    table
        Another table of the same shape (default :data:`STRINGS`).
    fmt
        Values for the placeholders, e.g. ``t("firms.count", n=3)``.
    """
    entry = (STRINGS if table is None else table).get(key)
    if entry is None:
        if strict:
            raise KeyError(f"no translation for key {key!r}; add it to transfer.i18n.STRINGS")
        return key
    text = entry.get(lang) or entry.get("en") or key
    if not fmt and not placeholders(text):
        return text
    if strict:
        return text.format(**fmt)
    try:
        return text.format_map(_KeepMissing(fmt))
    except (ValueError, TypeError, IndexError):
        # a placeholder with a format spec but no value ("{size_mb:.1f}"): show the text unformatted
        return text


def criterion_label(criterion_id: str, lang: str = DEFAULT_LANG, *, short: bool = False) -> str:
    """Label of a criterion id, full or short (an unknown id gives the key, e.g. "criterion.x")."""
    return t(f"criterion_short.{criterion_id}" if short else f"criterion.{criterion_id}", lang)


def provenance_label(criterion: str, text: str, lang: str) -> str:
    """Where a criterion's values come from, in ``lang``: the site table's (English) provenance ``text``, or its
    Chinese version on the Chinese page."""
    return PROVENANCE_ZH.get(criterion, text) if lang == "zh" and text else text


@dataclass(frozen=True)
class Note:
    """A note of a run, kept as a code and values until it is shown (``render`` writes it in a language)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANG, *, labels: bool = True) -> str:
        """The note in ``lang``; ``labels=False`` keeps criterion ids (the engine's English notes, for scripts)."""
        p = dict(self.params)
        if self.code == "unknown_values":
            crits = list(p.get("criteria", ()))
            names = [criterion_label(c, lang, short=True) for c in crits] if labels else crits
            p["criteria"] = ("、" if lang == "zh" else ", ").join(names)
            p["how"] = t(f"note.how_{p.get('how', 'neutral')}", lang)
        elif self.code == "binding":
            p["limits"] = ", ".join(
                f"{n} × {t(f'limit.{k}', lang) if f'limit.{k}' in STRINGS else k.replace('_', ' ')}"
                for k, n in dict(p.get("limits", {})).items()
            )
        if self.code == "text":  # a note only the data layer writes (English, as the layer's own messages)
            return str(p.get("text", ""))
        return t(f"note.{self.code}", lang, **p)


# how the values of a reason are written: (reason code, value name) -> (format spec, unit after the number)
_REASON_FORMATS: dict[tuple[str, str], tuple[str, str]] = {
    ("good", "norm"): (".2f", ""),
    ("good", "weight"): (".2f", ""),
    ("good", "contrib"): (".3f", ""),
    ("poor", "norm"): (".2f", ""),
    ("poor", "weight"): (".2f", ""),
    ("eco_ban", "share"): (".0%", ""),
    ("eco_ban", "limit"): (".0%", ""),
    ("crex_limit", "got"): (".1f", " h"),
    ("crex_limit", "limit"): ("g", ""),
    ("sea_limit", "got"): (",.0f", " CNY/TEU"),
    ("sea_limit", "limit"): (",.0f", ""),
    ("paired_bonus", "bonus"): (".3f", ""),
}


def render_reason(reason: Reason, lang: str = DEFAULT_LANG) -> str:
    """The text of one reason (:class:`transfer.scoring.Reason`) in ``lang``: the key ``"reason.<code>"`` filled with
    the reason's criterion label and its values written in their precision (an unknown value as "?")."""
    values = reason.values
    params: dict[str, Any] = {}
    if reason.criterion is not None:
        params["criterion"] = criterion_label(reason.criterion, lang, short=True)
    if reason.kind == "unknown":
        params["how"] = t("reason.how_neutral" if values.get("missing") == "neutral" else "reason.how_exclude", lang)
        params["criteria"] = ", ".join(criterion_label(c, lang, short=True) for c in values.get("criteria", ()))
    else:
        for name, value in values.items():
            spec, unit = _REASON_FORMATS.get((reason.code, name), ("", ""))
            params[name] = "?" if value is None else f"{value:{spec}}{unit}"
        if "scheme" in values:  # a pairing scheme is a code with a name in each language
            params["scheme"] = t(f"pairing.scheme.{values['scheme']}", lang)
    return t(f"reason.{reason.code}", lang, **params)


# --- error messages in the user's language ---------------------------------------------------------------------
# message code -> (what, fix) in Chinese; the English text is the error's own. Values come from TransferError.params.
ERROR_TEXT_ZH: dict[str, tuple[str, str]] = {
    "login.bad": ("用户名或密码错误", "检查两者后重试"),
    "login.throttled": (
        "该账号登录失败次数过多:请等待 {seconds} 秒后再试",
        "稍候再用正确的密码登录(密码遗失请联系团队管理员重置)",
    ),
    "login.no_team": ("该账号不属于所填的团队", "登录账号所属的团队,或请管理员将账号加入团队"),
    "login.choose_team": ("该账号属于多个团队({teams})", "在“团队”一栏填写要登录的团队"),
    "server.TR010": ("尚未登录团队服务器", "请重新登录"),
    "server.TR011": ("团队服务器上的登录已过期", "请重新登录"),
    "server.TR012": ("该账号已不是此团队的成员", "请团队管理员重新添加"),
    "server.TR013": ("您在此团队的角色无权执行此操作", "请团队管理员授予编辑者或管理员角色"),
    "value.not_number": ("不是数字:{examples}", "在该字段中只填写数字(不带单位或文字);未知时留空"),
    "value.not_integer": ("应为整数", "去掉小数部分"),
    "value.infinite": ("数值为无穷大", "填写一个有限的数值;未知时留空"),
    "value.range": ("数值应在 {low} 与 {high} 之间(实际为 {value})", "改正该数值;未知时留空"),
    "layer.no_rows": ("图层没有任何数据行", "至少添加一行数据"),
    "layer.missing_columns": ("缺少必需的列:{hints}", "该图层({kind})需要以下列:{required}"),
    "value.unknown": ("字段 '{column}' 含未知值 '{value}'{hint}", "请使用以下值之一:{allowed}"),
    "id.empty": ("字段 '{column}' 为空", "每一行都需要唯一的 {column}"),
    "pairing.unsourced": ("字段 '{field}' 为空", "每一条结对关系或共建园区都需要注明所依据的来源及其年份"),
    "pairing.since_late": ("起始年份(since)晚于报道它的来源年份", "改正 'since' 或 'source_year'"),
    "id.duplicate": ("{column} 重复:{values}", "每个 {column} 只能出现一次;请合并或重新编号"),
    "adcode.format": (
        "字段 '{column}' 须为 6 位行政区划代码(如郑州市 410100)",
        "使用 GB/T 2260 的 6 位地级代码(不是 12 位统计用区划代码)",
    ),
    "adcode.unknown": (
        "字段 '{column}' 含未知的行政区划代码:{values}",
        "使用承接地或转出地城市的代码(地级代码以 00 结尾)",
    ),
    "coords.empty": ("经纬度为空", "填写经度和纬度,或删除该行"),
    "coords.swapped": ("坐标落在中国境外,经度与纬度似乎填反了", "交换经度与纬度两列(经度 73-135°E,纬度 18-54°N)"),
    "coords.outside": (
        "坐标落在中国境外(如经度 {lon}、纬度 {lat})",
        "检查坐标和坐标系:应为 EPSG:4326 的经纬度(投影坐标需附 .prj 或坐标系信息)",
    ),
    "yaml.syntax": (
        "YAML 格式有误:{problem}",
        "检查缩进(用空格而不是 Tab)、括号是否闭合,以及含 ':' 或 '#' 的值是否加了引号",
    ),
    "yaml.tag": ("YAML 使用了不允许的标签:{problem}", "去掉 '!!' 标签:只接受普通的 YAML 值"),
    "yaml.duplicate_key": (
        "键 '{key}' 在同一层中出现两次(第 {first} 行已有)",
        "只保留其中一个:YAML 会默默采用后一个",
    ),
    "scenario.unknown_key": ("未知的键 '{key}'{hint}", "此处可用的键:{options}"),
    "scenario.unknown_key_any": ("未知的键 '{key}'", "删除该键"),
    "scenario.bad_value": ("键 '{key}' 的值不正确:{msg}", "改正该值;写法见 scenarios/README.md"),
    "sheet.empty": (
        "读取的工作表('{sheet}',共 {of} 个中的第 {n} 个)没有数据行;其他工作表:{others}",
        "把表格放在第一个工作表,或在上传后的“读取工作表”中选择它",
    ),
}


def _where_zh(params: dict[str, Any]) -> str:
    parts = [str(params.get("file", "")).replace(", sheet ", ",工作表 ")]
    rows = list(params.get("rows") or [])
    if rows:
        shown = "、".join(str(r) for r in rows[:5])
        parts.append(f"第 {shown} 行" + (f"等 {len(rows)} 行" if len(rows) > 5 else ""))
    if params.get("field"):
        parts.append(f"字段 '{params['field']}'")
    return ",".join(p for p in parts if p)


def error_text(exc: Exception, lang: str) -> str:
    """An error's message in ``lang``: Chinese where the error carries a known code, else its English text."""
    code = getattr(exc, "code", None)
    if lang != "zh" or code not in ERROR_TEXT_ZH:
        return str(exc)
    params: dict[str, Any] = dict(getattr(exc, "params", {}) or {})
    what, fix = ERROR_TEXT_ZH[code]
    try:
        text_what = what.format(**params).replace("(did you mean", "(是否为")
        text_fix = fix.format(**params)
    except (KeyError, IndexError):
        return str(exc)
    if code == "value.range" and str(params.get("low")) == "0" and str(params.get("value", "")).startswith("-"):
        text_what = f"数值不能为负(实际为 {params['value']})"
    elif code == "value.range" and params.get("too_large"):
        text_what = f"数值过大,不可能是真实值(实际为 {params['value']})"
    if params.get("share"):
        text_fix += "(比例写作 0.35,而不是 35 %)"
    where = _where_zh(params)
    return f"{where}:{text_what}。修改方法:{text_fix}。" if where else f"{text_what}。修改方法:{text_fix}。"
