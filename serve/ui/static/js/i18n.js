// UI strings, Chinese first (the reviewers are city staff), with an English switch.
// Static text in the pages carries data-i18n="key" (data-i18n-title, -placeholder, -aria).

const STRINGS = {
  zh: {
    "app.name": "街面巡查",
    "nav.review": "案件审核",
    "nav.stats": "统计分析",
    "nav.phones": "号码台账",
    "nav.ledger": "问题台账",
    "nav.cases": "案件管理",
    "nav.cameras": "摄像头",
    "nav.map": "点位图",
    "lang.switch": "English",
    "user.anonymous": "未启用账号",
    "user.role": "{user}（{role}）",
    "title.review": "案件审核 - 街面巡查",
    "title.stats": "统计分析 - 街面巡查",
    "filter.camera": "摄像头",
    "filter.violation": "违规类型",
    "filter.from": "起始日期",
    "filter.to": "截止日期",
    "filter.minconf": "最低置信度",
    "filter.sort": "排序",
    "filter.all": "全部",
    "filter.apply": "刷新",
    "sort.newest": "最新优先",
    "sort.confidence": "置信度优先",
    "queue.count": "待审 {n} 件",
    "queue.count_more": "待审 {n} 件（已加载 {loaded} 件）",
    "queue.selected": "，已选 {n} 件",
    "queue.empty": "没有待审核的案件",
    "queue.loading": "加载中…",
    "queue.select": "选择",
    "view.annotated": "标注图",
    "view.original": "原图",
    "view.crop": "目标截图",
    "view.before": "出现前",
    "view.start": "开始帧",
    "view.dwell": "达时帧",
    "view.zoom": "缩放 {z}%",
    "view.edit_hint":
      "编辑目标框：拖动框或角点；方向键移动（Shift ×10），Alt+方向键调整大小；Enter 完成，Esc 撤销",
    "view.no_case": "请选择一个案件",
    "detail.case": "案件 #{id}",
    "detail.violation": "违规类型",
    "detail.class": "目标类别",
    "detail.camera": "摄像头",
    "detail.address": "地点",
    "detail.zone": "区域",
    "detail.responsible": "责任单位",
    "detail.first_seen": "首次发现",
    "detail.last_seen": "最后发现",
    "detail.duration": "持续时长",
    "detail.confidence": "置信度",
    "detail.sightings": "发现次数",
    "detail.model": "模型",
    "detail.signal": "发现方式",
    "signal.detector": "目标检测",
    "signal.scene": "场景变化（新增静止物体）",
    "signal.both": "目标检测 + 场景变化",
    "name.placeholder": "— 请命名此物体 —",
    "name.first": "请先命名此物体（L 选择类别），再确认；不构成违规请按 N 驳回",
    "name.unknown": "待识别",
    "name.becomes": "将成为：{v}",
    "name.no_violation": "不构成违规",
    "detail.box": "目标框",
    "detail.box_changed": "（已修改）",
    "detail.class_changed": "（已修改，原为 {from}）",
    "act.confirm": "确认",
    "act.reject": "驳回",
    "act.edit": "编辑目标框",
    "act.class": "修改类别",
    "act.select": "选择/取消",
    "act.bulk_confirm": "批量确认",
    "act.bulk_reject": "批量驳回",
    "act.help": "快捷键",
    "reject.title": "驳回原因",
    "reject.title_bulk": "批量驳回 {n} 件：原因",
    "reject.false_positive": "误报（不是违规目标）",
    "reject.wrong_class": "类别错误",
    "reject.permitted": "已许可（如批准的集市）",
    "reject.duplicate": "重复案件",
    "reject.no_violation": "不构成违规（可先命名物体）",
    "reject.other": "其他（需填写说明）",
    "reject.note": "说明",
    "reject.submit": "提交",
    "reject.hint": "按 1–6 选择原因；“其他”需填写说明后按 Enter；Esc 取消",
    "done.confirmed": "已确认 #{id}",
    "done.rejected": "已驳回 #{id}",
    "done.bulk": "已处理 {ok} 件，失败 {failed} 件",
    "bulk.none": "请先用 X 选择案件",
    "bulk.progress": "正在处理 {i}/{n}…",
    "err.case": "案件 #{id}：{detail}",
    "err.network": "网络错误：{detail}",
    "help.title": "键盘快捷键",
    "help.close": "按 ? 或 Esc 关闭",
    "key.next": "下一件",
    "key.prev": "上一件",
    "key.confirm": "确认",
    "key.reject": "驳回（选择原因）",
    "key.reasons": "选择驳回原因",
    "key.select": "选择/取消选择",
    "key.select_all": "全选/全不选",
    "key.bulk_confirm": "批量确认已选",
    "key.bulk_reject": "批量驳回已选",
    "key.edit": "编辑目标框",
    "key.class": "修改类别",
    "key.view": "切换证据图",
    "key.zoom": "放大/缩小/复位",
    "key.reload": "刷新队列",
    "key.lang": "切换语言",
    "key.help": "显示帮助",
    "dur.s": "{s}秒",
    "dur.ms": "{m}分{s}秒",
    "dur.hm": "{h}小时{m}分",
    "status.draft": "待审",
    "status.confirmed": "已确认",
    "status.rejected": "已驳回",
    "status.dispatched": "已派遣",
    "status.verified_cleared": "已核查整改",
    "status.closed": "已结案",
    "signal.short.detector": "目标检测",
    "signal.short.scene": "场景变化",
    "signal.short.both": "检测与场景一致",
    "signal.short.ocr": "文字识别",
  },
  en: {
    "app.name": "StreetWatch",
    "nav.review": "Review",
    "nav.stats": "Statistics",
    "nav.phones": "Phone ledger",
    "nav.ledger": "Weekly ledger",
    "nav.cases": "Cases",
    "nav.cameras": "Cameras",
    "nav.map": "Plan view",
    "lang.switch": "中文",
    "user.anonymous": "accounts off",
    "user.role": "{user} ({role})",
    "title.review": "Review - StreetWatch",
    "title.stats": "Statistics - StreetWatch",
    "filter.camera": "Camera",
    "filter.violation": "Violation",
    "filter.from": "From",
    "filter.to": "To",
    "filter.minconf": "Min confidence",
    "filter.sort": "Sort",
    "filter.all": "All",
    "filter.apply": "Refresh",
    "sort.newest": "Newest first",
    "sort.confidence": "Highest confidence",
    "queue.count": "{n} to review",
    "queue.count_more": "{n} to review ({loaded} loaded)",
    "queue.selected": ", {n} selected",
    "queue.empty": "No draft cases to review",
    "queue.loading": "Loading…",
    "queue.select": "Select",
    "view.annotated": "Annotated",
    "view.original": "Original",
    "view.crop": "Crop",
    "view.start": "Start",
    "view.before": "Before",
    "view.dwell": "Dwell",
    "view.zoom": "Zoom {z}%",
    "view.edit_hint":
      "Edit box: drag it or a corner; arrows move (Shift ×10), Alt+arrows resize; Enter done, Esc undo",
    "view.no_case": "Select a case",
    "detail.case": "Case #{id}",
    "detail.violation": "Violation",
    "detail.class": "Class",
    "detail.camera": "Camera",
    "detail.address": "Location",
    "detail.zone": "Zone",
    "detail.responsible": "Responsible",
    "detail.first_seen": "First seen",
    "detail.last_seen": "Last seen",
    "detail.duration": "Duration",
    "detail.confidence": "Confidence",
    "detail.sightings": "Sightings",
    "detail.signal": "Found by",
    "signal.detector": "Object detector",
    "signal.scene": "Scene change (new static object)",
    "signal.both": "Object detector + scene change",
    "name.placeholder": "— name this object —",
    "name.first": "Name this object first (L picks a class), then confirm; N rejects it if it breaks no rule",
    "name.unknown": "To identify",
    "name.becomes": "Becomes: {v}",
    "name.no_violation": "No violation",
    "detail.model": "Model",
    "detail.box": "Box",
    "detail.box_changed": " (changed)",
    "detail.class_changed": " (changed from {from})",
    "act.confirm": "Confirm",
    "act.reject": "Reject",
    "act.edit": "Edit box",
    "act.class": "Change class",
    "act.select": "Select",
    "act.bulk_confirm": "Bulk confirm",
    "act.bulk_reject": "Bulk reject",
    "act.help": "Shortcuts",
    "reject.title": "Reason for rejecting",
    "reject.title_bulk": "Reject {n} cases: reason",
    "reject.false_positive": "False positive",
    "reject.wrong_class": "Wrong class",
    "reject.permitted": "Permitted (e.g. an approved market)",
    "reject.duplicate": "Duplicate",
    "reject.no_violation": "No violation (name the object first if you can)",
    "reject.other": "Other (write why)",
    "reject.note": "Note",
    "reject.submit": "Submit",
    "reject.hint": "Press 1–6 for a reason; for Other write a note and press Enter; Esc cancels",
    "done.confirmed": "Confirmed #{id}",
    "done.rejected": "Rejected #{id}",
    "done.bulk": "{ok} done, {failed} failed",
    "bulk.none": "Select cases with X first",
    "bulk.progress": "Working {i}/{n}…",
    "err.case": "Case #{id}: {detail}",
    "err.network": "Network error: {detail}",
    "help.title": "Keyboard shortcuts",
    "help.close": "Press ? or Esc to close",
    "key.next": "Next case",
    "key.prev": "Previous case",
    "key.confirm": "Confirm",
    "key.reject": "Reject (pick a reason)",
    "key.reasons": "Pick the reject reason",
    "key.select": "Select / unselect",
    "key.select_all": "Select all / none",
    "key.bulk_confirm": "Confirm the selected",
    "key.bulk_reject": "Reject the selected",
    "key.edit": "Edit the box",
    "key.class": "Change the class",
    "key.view": "Next evidence frame",
    "key.zoom": "Zoom in / out / reset",
    "key.reload": "Reload the queue",
    "key.lang": "Switch language",
    "key.help": "Show this help",
    "dur.s": "{s} s",
    "dur.ms": "{m} min {s} s",
    "dur.hm": "{h} h {m} min",
    "status.draft": "Draft",
    "status.confirmed": "Confirmed",
    "status.rejected": "Rejected",
    "status.dispatched": "Dispatched",
    "status.verified_cleared": "Verified cleared",
    "status.closed": "Closed",
    "signal.short.detector": "Object detector",
    "signal.short.scene": "Scene change",
    "signal.short.both": "Detector and scene agree",
    "signal.short.ocr": "Text (OCR)",
  },
};

const STORAGE_KEY = "sw_lang";
const listeners = [];
let lang = readLang();

function readLang() {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    return saved === "en" ? "en" : "zh";
  } catch {
    return "zh";
  }
}

export function getLang() {
  return lang;
}

/** Add a page's own strings ({zh: {...}, en: {...}}) to the shared ones. */
export function extend(strings) {
  Object.assign(STRINGS.zh, strings.zh);
  Object.assign(STRINGS.en, strings.en);
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function setLang(next) {
  lang = next === "en" ? "en" : "zh";
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyStatic();
  for (const fn of listeners) fn(lang);
}

export function toggleLang() {
  setLang(lang === "zh" ? "en" : "zh");
}

export function onLangChange(fn) {
  listeners.push(fn);
}

/** Fill every data-i18n element (and attribute) under `root` in the current language. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  const titleKey = document.body.dataset.titleKey;
  if (titleKey) document.title = t(titleKey);
}

/** A taxonomy entry's name ({zh, en}) in the current language. */
export function nameOf(entry, fallback = "") {
  if (!entry) return fallback;
  return (lang === "en" ? entry.en : entry.zh) || entry.zh || fallback;
}

/** A duration in seconds as "5分12秒" / "5 min 12 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("dur.s", { s });
  if (s < 3600) return t("dur.ms", { m: Math.floor(s / 60), s: s % 60 });
  return t("dur.hm", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}
