// perfxl serve: one page, a hash router, the JSON API of perfxl.web.app. No build step.
"use strict";

const TEXT = {
  zh: {
    nav_new: "新建审核", nav_runs: "我的审核", nav_season: "本季看板", nav_templates: "空白模板",
    footer: "perfxl 本机网页：文件只在本机处理。",
    new_title: "新建审核",
    new_intro: "拖入各单位的自评表工作簿、zip 压缩包或导出的邮件（.eml、.mbox），或填写本机文件夹路径。",
    drop: "把文件拖到这里，或点击选择文件",
    chosen: "已选择 {n} 个文件",
    folder: "或本机文件夹路径（绝对路径）",
    roster: "应提交项目名单（可选，xlsx/csv）",
    config: "配置文件（可选，.toml）",
    record: "记入本季台账",
    start: "开始审核",
    limits: "一次最多 {files} 个文件、共 {mb} MB。",
    uploading: "正在上传…",
    queued: "排队中…", running: "正在读取工作簿", done: "已完成", failed: "未完成",
    progress: "已读取 {done} / {total} 个文件",
    overview: "总览", projects: "项目", findings: "问题", downloads: "下载", inputs: "输入文件",
    workbooks: "工作簿", n_projects: "项目", departments: "主管部门",
    errors: "错误", warnings: "警告", infos: "提示", duplicates: "重复文件",
    by_status: "项目状态", by_severity: "问题级别", by_rule: "问题最多的规则",
    department: "主管部门", unit: "单位", project: "项目", budget: "预算（万元）", exec_rate: "执行率%",
    score: "总分（填报/复核）", grade: "等次（复核）", status: "状态", all: "全部",
    severity: "级别", rule: "规则", where: "位置", message: "说明", file: "文件",
    detail: "查看", observed: "填报值", expected: "应为", back: "返回结果",
    no_grid: "", shown_of: "显示 {n} / {total} 条",
    dl_summary: "汇总工作簿", dl_machine: "CSV / JSON", dl_feedback: "审核意见工作簿",
    dl_replies: "回复邮件草稿", none: "（无）",
    templates_title: "空白模板", templates_intro: "下载标准填报模板，发给各单位填写。",
    national2020: "项目支出绩效自评表（财预〔2020〕10号）", hainan2011: "财政支出项目绩效评价报告（海南）",
    department2020: "部门整体支出绩效自评表",
    runs_title: "我的审核", runs_none: "本浏览器还没有审核。", open: "打开",
    season_title: "本季看板", season_empty: "台账中还没有记录：在“新建审核”中勾选“记入本季台账”。",
    board_xlsx: "下载看板工作簿", open_rules: "按规则的未关闭问题", versions: "版本", open_findings: "未关闭",
    fixed_findings: "已改正", key: "项目编号",
    sev_error: "错误", sev_warning: "警告", sev_info: "提示",
    choose_first: "请先选择文件或填写文件夹路径。",
    sheet_of: "工作表 {s}，单元格 {c}",
    status_of_input: "结果", reason: "原因",
  },
  en: {
    nav_new: "New check", nav_runs: "My checks", nav_season: "Season board", nav_templates: "Blank templates",
    footer: "perfxl local page: files are processed on this machine only.",
    new_title: "New check",
    new_intro: "Drop the units' self-evaluation workbooks, zip archives or exported mail (.eml, .mbox), or give a folder on this machine.",
    drop: "Drop files here, or click to choose",
    chosen: "{n} files chosen",
    folder: "or a folder on this machine (absolute path)",
    roster: "Roster of expected projects (optional, xlsx/csv)",
    config: "Configuration (optional, .toml)",
    record: "Record in the season ledger",
    start: "Start",
    limits: "At most {files} files, {mb} MB in all.",
    uploading: "Uploading…",
    queued: "Waiting…", running: "Reading workbooks", done: "Done", failed: "Not completed",
    progress: "{done} / {total} files read",
    overview: "Overview", projects: "Projects", findings: "Findings", downloads: "Downloads", inputs: "Inputs",
    workbooks: "Workbooks", n_projects: "Projects", departments: "Departments",
    errors: "Errors", warnings: "Warnings", infos: "Infos", duplicates: "Duplicates",
    by_status: "Project status", by_severity: "Findings by severity", by_rule: "Most frequent rules",
    department: "Department", unit: "Unit", project: "Project", budget: "Budget (10k CNY)", exec_rate: "Exec. rate %",
    score: "Score (reported/recomputed)", grade: "Grade (recomputed)", status: "Status", all: "All",
    severity: "Severity", rule: "Rule", where: "Where", message: "Message", file: "File",
    detail: "View", observed: "Reported", expected: "Expected", back: "Back to results",
    no_grid: "", shown_of: "showing {n} of {total}",
    dl_summary: "Summary workbook", dl_machine: "CSV / JSON", dl_feedback: "Feedback workbooks",
    dl_replies: "Reply drafts", none: "(none)",
    templates_title: "Blank templates", templates_intro: "Download the standard forms to send to the units.",
    national2020: "Project expenditure self-evaluation (2020 national form)", hainan2011: "Hainan project evaluation report",
    department2020: "Department overall expenditure self-evaluation",
    runs_title: "My checks", runs_none: "No checks in this browser yet.", open: "Open",
    season_title: "Season board", season_empty: "The ledger has no records yet: tick 'Record in the season ledger' on New check.",
    board_xlsx: "Download the board workbook", open_rules: "Open findings by rule", versions: "Versions", open_findings: "Open",
    fixed_findings: "Fixed", key: "Project key",
    sev_error: "Error", sev_warning: "Warning", sev_info: "Info",
    choose_first: "Choose files or give a folder first.",
    sheet_of: "sheet {s}, cell {c}",
    status_of_input: "Outcome", reason: "Reason",
  },
};

let lang = localStorage.getItem("perfxl-lang") || "zh";
let session = null;
let poll = null; // the one pending refresh of a run's progress
const cache = {};

function t(key, vars) {
  let s = (TEXT[lang] && TEXT[lang][key]) || TEXT.zh[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
  return s;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function fmt(v, digits) {
  if (v === null || v === undefined || v === "") return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits ?? 2).replace(/\.?0+$/, "");
  return String(v);
}

function errorText(data) {
  return (lang === "en" && data.error_en) || data.error || "";
}

async function api(path, opts) {
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
  let data = {};
  try { data = await res.json(); } catch (e) { data = { error: res.status + " " + res.statusText }; }
  if (!res.ok) { const err = new Error(errorText(data)); err.data = data; err.status = res.status; throw err; }
  return data;
}

function applyStatic() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.getElementById("lang").textContent = lang === "en" ? "中文" : "English";
}

const main = () => document.getElementById("main");
function show(...nodes) { const m = main(); m.replaceChildren(...nodes); }
function notice(text, kind) { return el("p", { class: "notice " + (kind || "error"), role: "alert" }, text); }

// ------------------------------------------------------------------ new check

function viewNew() {
  let chosen = [];
  const count = el("p", { class: "muted", id: "chosen" });
  const input = el("input", { type: "file", id: "files", multiple: true, accept: ".xlsx,.xlsm,.xls,.xlsb,.ods,.et,.zip,.eml,.mbox" });
  const drop = el("label", { class: "drop", for: "files", id: "drop" }, t("drop"));
  const setFiles = (list) => { chosen = Array.from(list); count.textContent = chosen.length ? t("chosen", { n: chosen.length }) + "：" + chosen.slice(0, 8).map((f) => f.name).join("、") + (chosen.length > 8 ? " …" : "") : ""; };
  input.addEventListener("change", () => setFiles(input.files));
  for (const ev of ["dragenter", "dragover"]) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.remove("over"); });
  drop.addEventListener("drop", (e) => setFiles(e.dataTransfer.files));
  const folder = el("input", { type: "text", id: "folder", name: "folder", placeholder: "/home/…/自评表" });
  const roster = el("input", { type: "file", id: "roster", accept: ".xlsx,.xls,.xlsm,.csv" });
  const config = el("input", { type: "file", id: "config", accept: ".toml" });
  const record = el("input", { type: "checkbox", id: "record", checked: true });
  const message = el("div", { id: "message" });
  const button = el("button", { type: "submit", id: "start" }, t("start"));
  const form = el("form", { id: "new-run" },
    drop, input, count,
    el("label", {}, t("folder"), folder),
    el("div", { class: "row" }, el("label", {}, t("roster"), roster), el("label", {}, t("config"), config)),
    session.ledger ? el("label", { class: "check" }, record, " " + t("record") + "（" + session.ledger + "）") : null,
    el("p", { class: "muted" }, t("limits", { files: session.max_files, mb: session.max_mb })),
    button, message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!chosen.length && !folder.value.trim()) { message.replaceChildren(notice(t("choose_first"))); return; }
    if (chosen.length > session.max_files) { message.replaceChildren(notice(t("limits", { files: session.max_files, mb: session.max_mb }))); return; }
    const body = new FormData();
    for (const f of chosen) body.append("files", f, f.name);
    body.append("folder", folder.value.trim());
    if (roster.files[0]) body.append("roster", roster.files[0]);
    if (config.files[0]) body.append("config", config.files[0]);
    body.append("record", record.checked ? "1" : "0");
    button.disabled = true;
    message.replaceChildren(el("p", { class: "muted" }, t("uploading")));
    try {
      const run = await api("/api/runs", { method: "POST", body, headers: { "X-CSRF-Token": session.csrf } });
      location.hash = "#/run/" + run.id;
    } catch (err) {
      message.replaceChildren(notice(err.message));
      button.disabled = false;
    }
  });
  show(el("h1", {}, t("new_title")), el("p", {}, t("new_intro")), form);
}

// ------------------------------------------------------------------ a run: progress, then results

async function viewRun(id, tab) {
  let data;
  try { data = await api("/api/runs/" + encodeURIComponent(id)); } catch (err) { show(notice(err.message)); return; }
  if (data.status === "queued" || data.status === "running") {
    const bar = el("progress", { id: "progress", max: Math.max(1, data.total), value: data.done });
    const words = el("p", { id: "progress-text" }, data.status === "queued" ? t("queued") : t("progress", { done: data.done, total: data.total }));
    show(el("h1", {}, t("running")), bar, words, el("p", { class: "muted" }, data.names.join("、")));
    clearTimeout(poll);
    poll = setTimeout(() => { if (location.hash.startsWith("#/run/" + id)) route(); }, 400);
    return;
  }
  if (data.status === "failed") {
    show(el("h1", {}, t("failed")), notice(errorText(data)), el("p", {}, el("a", { href: "#/" }, t("nav_new"))));
    return;
  }
  let res = cache[id];
  if (!res) { res = await api("/api/runs/" + encodeURIComponent(id) + "/results"); cache[id] = res; }
  const tabs = ["overview", "projects", "findings", "downloads", "inputs"];
  tab = tabs.includes(tab) ? tab : "overview";
  const nav = el("nav", { class: "tabs" }, tabs.map((k) => el("a", { href: "#/run/" + id + "/" + k, class: k === tab ? "active" : "", id: "tab-" + k }, t(k) + (k === "findings" ? "（" + res.findings.length + "）" : k === "projects" ? "（" + res.projects.length + "）" : ""))));
  const body = { overview: overview, projects: projectsTable, findings: findingsList, downloads: downloads, inputs: inputsTable }[tab](res, id);
  show(el("h1", {}, t("done") + " · " + res.names.slice(0, 3).join("、") + (res.inputs > 3 ? " …" : "")), nav, body);
}

function figure(label, value, kind) {
  return el("div", { class: "figure " + (kind || "") }, el("span", { class: "value" }, fmt(value)), el("span", { class: "label" }, label));
}

function bars(title, entries) {
  const max = Math.max(1, ...entries.map((e) => e[1]));
  const rows = entries.map(([label, n, kind]) => {
    const bar = el("span", { class: "bar " + (kind || "") });
    bar.style.width = (100 * n / max).toFixed(1) + "%";
    return el("div", { class: "bar-row" }, el("span", { class: "bar-label" }, label), el("span", { class: "bar-track" }, bar), el("span", { class: "bar-n" }, n));
  });
  return el("section", { class: "chart" }, el("h3", {}, title), rows.length ? rows : el("p", { class: "muted" }, t("none")));
}

function overview(res) {
  const c = res.counts;
  const rules = {};
  for (const f of res.findings) rules[f.rule] = (rules[f.rule] || 0) + 1;
  const top = Object.entries(rules).sort((a, b) => b[1] - a[1]).slice(0, 10);
  return el("div", { id: "overview" },
    el("div", { class: "figures" },
      figure(t("workbooks"), c.workbooks), figure(t("n_projects"), c.projects), figure(t("departments"), c.departments),
      figure(t("errors"), c.errors, "error"), figure(t("warnings"), c.warnings, "warning"), figure(t("infos"), c.infos, "info"),
      c.duplicates ? figure(t("duplicates"), c.duplicates) : null),
    el("div", { class: "charts" },
      bars(t("by_status"), Object.entries(c.status || {}).map(([k, v]) => [k, v])),
      bars(t("by_severity"), [[t("sev_error"), c.errors, "error"], [t("sev_warning"), c.warnings, "warning"], [t("sev_info"), c.infos, "info"]]),
      bars(t("by_rule"), top.map(([k, v]) => [k, v]))));
}

function select(id, label, values, current, onchange, shownAs) {
  const s = el("select", { id }, el("option", { value: "" }, t("all")), values.map((v) => el("option", { value: v, selected: v === current }, shownAs ? shownAs(v) : v)));
  s.addEventListener("change", () => onchange(s.value));
  return el("label", { class: "filter" }, label + " ", s);
}

function uniq(rows, key) { return [...new Set(rows.map((r) => r[key]).filter((v) => v !== null && v !== undefined && v !== ""))].sort(); }

function projectsTable(res) {
  const state = { department: "", grade: "", status: "", sort: "department", desc: false };
  const holder = el("div");
  const cols = [
    ["department", t("department")], ["unit", t("unit")], ["project", t("project")], ["budget_wan", t("budget")],
    ["exec_rate", t("exec_rate")], ["total_score_recomputed", t("score")], ["grade_recomputed", t("grade")],
    ["errors", t("errors")], ["warnings", t("warnings")], ["infos", t("infos")], ["status", t("status")],
  ];
  const draw = () => {
    let rows = res.projects.filter((p) => (!state.department || p.department === state.department) && (!state.grade || p.grade_recomputed === state.grade) && (!state.status || p.status === state.status));
    rows = rows.slice().sort((a, b) => {
      const x = a[state.sort], y = b[state.sort];
      const r = (x === null || x === undefined) ? 1 : (y === null || y === undefined) ? -1 : (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "zh");
      return state.desc ? -r : r;
    });
    const head = el("tr", {}, cols.map(([k, label]) => {
      const th = el("th", { class: "sortable" + (state.sort === k ? (state.desc ? " desc" : " asc") : ""), "data-key": k }, label);
      th.addEventListener("click", () => { state.desc = state.sort === k ? !state.desc : false; state.sort = k; draw(); });
      return th;
    }));
    const body = rows.map((p) => el("tr", { class: p.errors ? "has-error" : "" }, cols.map(([k]) => {
      if (k === "total_score_recomputed") return el("td", { class: "num" }, fmt(p.total_score_reported) + " / " + fmt(p.total_score_recomputed));
      if (k === "status") return el("td", {}, lang === "en" ? (p.status_en || p.status) : p.status);
      return el("td", { class: typeof p[k] === "number" ? "num" : "" }, fmt(p[k]));
    })));
    holder.replaceChildren(
      el("div", { class: "filters" },
        select("f-department", t("department"), uniq(res.projects, "department"), state.department, (v) => { state.department = v; draw(); }),
        select("f-grade", t("grade"), uniq(res.projects, "grade_recomputed"), state.grade, (v) => { state.grade = v; draw(); }),
        select("f-status", t("status"), uniq(res.projects, "status"), state.status, (v) => { state.status = v; draw(); }),
        el("span", { class: "muted" }, t("shown_of", { n: rows.length, total: res.projects.length }))),
      el("table", { id: "projects-table" }, el("thead", {}, head), el("tbody", {}, body)));
  };
  draw();
  return holder;
}

const SEV_ORDER = { error: 0, warning: 1, info: 2 };

function findingsList(res, id) {
  const state = { severity: "", rule: "" };
  const holder = el("div");
  const indexed = res.findings.map((f, n) => Object.assign({ n }, f));
  const draw = () => {
    const rows = indexed.filter((f) => (!state.severity || f.severity === state.severity) && (!state.rule || f.rule === state.rule))
      .sort((a, b) => (SEV_ORDER[a.severity] - SEV_ORDER[b.severity]) || a.n - b.n);
    const cap = 2000;
    const body = rows.slice(0, cap).map((f) => el("tr", { class: "sev-" + f.severity },
      el("td", {}, el("span", { class: "badge " + f.severity }, t("sev_" + f.severity))),
      el("td", {}, f.rule), el("td", {}, fmt(f.unit)), el("td", {}, fmt(f.project)),
      el("td", {}, [f.sheet, f.cell].filter(Boolean).join("!")),
      el("td", {}, lang === "en" ? (f.message_en || f.message) : f.message),
      el("td", {}, el("a", { href: "#/run/" + id + "/finding/" + f.n, class: "detail-link" }, t("detail")))));
    holder.replaceChildren(
      el("div", { class: "filters" },
        select("f-severity", t("severity"), ["error", "warning", "info"].filter((s) => res.findings.some((f) => f.severity === s)), state.severity, (v) => { state.severity = v; draw(); }, (v) => t("sev_" + v)),
        select("f-rule", t("rule"), uniq(res.findings, "rule"), state.rule, (v) => { state.rule = v; draw(); }),
        el("span", { class: "muted" }, t("shown_of", { n: Math.min(rows.length, cap), total: res.findings.length }))),
      el("table", { id: "findings-table" },
        el("thead", {}, el("tr", {}, [t("severity"), t("rule"), t("unit"), t("project"), t("where"), t("message"), ""].map((h) => el("th", {}, h)))),
        el("tbody", {}, body)));
  };
  draw();
  return holder;
}

function downloads(res, id) {
  const link = (f) => el("li", {}, el("a", { href: "/api/runs/" + id + "/files/" + f.key, download: f.name.split("/").pop(), class: "download", "data-name": f.name }, f.name), el("span", { class: "muted" }, " " + (f.size / 1024).toFixed(1) + " KB"));
  const group = (title, files) => el("section", {}, el("h3", {}, title), files.length ? el("ul", {}, files.map(link)) : el("p", { class: "muted" }, t("none")));
  const files = res.files;
  return el("div", { id: "downloads" },
    group(t("dl_summary"), files.filter((f) => f.kind === "xlsx")),
    group(t("dl_machine"), files.filter((f) => f.kind === "csv" || f.kind === "json")),
    group(t("dl_feedback"), files.filter((f) => f.kind === "feedback")),
    group(t("dl_replies"), files.filter((f) => f.kind === "replies")),
    templatesBlock());
}

function inputsTable(res) {
  return el("table", { id: "inputs-table" },
    el("thead", {}, el("tr", {}, [t("file"), t("status_of_input"), t("reason")].map((h) => el("th", {}, h)))),
    el("tbody", {}, res.inputs_table.map((i) => el("tr", {}, el("td", {}, i.file), el("td", {}, lang === "en" ? i.status : i.status_zh), el("td", {}, fmt(i.reason))))));
}

// ------------------------------------------------------------------ a finding's detail

async function viewFinding(id, n) {
  let d;
  try { d = await api("/api/runs/" + encodeURIComponent(id) + "/findings/" + n); } catch (err) { show(notice(err.message)); return; }
  const f = d.finding;
  const facts = el("dl", { class: "facts" },
    el("dt", {}, t("severity")), el("dd", {}, el("span", { class: "badge " + f.severity }, t("sev_" + f.severity)), " " + f.rule),
    el("dt", {}, t("unit")), el("dd", {}, fmt(f.unit) + " · " + fmt(f.project)),
    el("dt", {}, t("file")), el("dd", {}, fmt(f.file)),
    el("dt", {}, t("where")), el("dd", {}, t("sheet_of", { s: fmt(f.sheet), c: fmt(f.cell) })),
    el("dt", {}, t("observed")), el("dd", { id: "observed" }, fmt(f.observed, 4)),
    el("dt", {}, t("expected")), el("dd", { id: "expected" }, fmt(f.expected, 4)));
  const g = d.grid;
  let grid;
  if (g.note) grid = el("p", { class: "notice info" }, lang === "en" ? g.note_en || g.note : g.note);
  else {
    const head = el("tr", {}, el("th", {}, ""), g.columns.map((c) => el("th", {}, c)));
    const rows = g.rows.map((r) => el("tr", {}, el("th", {}, r.r), r.cells.map((c) => el("td", { rowspan: c.rowspan, colspan: c.colspan, class: c.flagged ? "flagged" : "", title: c.flagged ? f.message : null }, c.v))));
    grid = el("div", { class: "sheet-wrap" }, el("p", { class: "muted" }, g.sheet), el("table", { class: "sheet", id: "sheet" }, el("thead", {}, head), el("tbody", {}, rows)));
  }
  show(el("p", {}, el("a", { href: "#/run/" + id + "/findings", id: "back" }, "← " + t("back"))),
    el("h1", {}, f.rule + " · " + fmt(f.unit)),
    el("p", { class: "message", id: "finding-message" }, lang === "en" ? (f.message_en || f.message) : f.message),
    facts, grid);
  const hit = document.querySelector("td.flagged");
  if (hit) hit.scrollIntoView({ block: "center", inline: "center" });
}

// ------------------------------------------------------------------ the rest

function templatesBlock() {
  return el("section", { id: "templates" }, el("h3", {}, t("templates_title")), el("p", { class: "muted" }, t("templates_intro")),
    el("ul", {}, session.profiles.map((p) => el("li", {}, el("a", { href: "/api/templates/" + p, download: p + ".xlsx" }, t(p)), el("span", { class: "muted" }, " (" + p + ")")))));
}

async function viewRuns() {
  session = await api("/api/session");
  const rows = session.runs.map((r) => el("tr", {},
    el("td", {}, new Date(r.created * 1000).toLocaleString()), el("td", {}, r.names.slice(0, 3).join("、") + (r.inputs > 3 ? " …" : "")),
    el("td", {}, t(r.status)), el("td", {}, r.counts && r.counts.errors !== undefined ? t("errors") + " " + r.counts.errors : ""),
    el("td", {}, el("a", { href: "#/run/" + r.id }, t("open")))));
  show(el("h1", {}, t("runs_title")), rows.length ? el("table", { id: "runs-table" }, el("tbody", {}, rows)) : el("p", { class: "muted" }, t("runs_none")));
}

async function viewSeason() {
  let d;
  try { d = await api("/api/season"); } catch (err) { show(notice(err.message)); return; }
  if (d.error) { show(el("h1", {}, t("season_title")), notice(d.error)); return; }
  if (d.empty) { show(el("h1", {}, t("season_title")), el("p", { class: "muted" }, d.ledger), el("p", {}, t("season_empty"))); return; }
  const c = d.counts;
  const cols = [["department", t("department")], ["unit", t("unit")], ["project", t("project")], ["status", t("status")], ["versions", t("versions")], ["open_findings", t("open_findings")], ["fixed_findings", t("fixed_findings")], ["key", t("key")]];
  show(el("h1", {}, t("season_title")), el("p", { class: "muted" }, d.ledger),
    el("div", { class: "figures" }, Object.entries(c.by_status).map(([k, v]) => figure(k, v))),
    el("p", {}, el("a", { href: "/api/season/board.xlsx", download: "board.xlsx" }, t("board_xlsx"))),
    el("table", { id: "season-table" }, el("thead", {}, el("tr", {}, cols.map(([, h]) => el("th", {}, h)))),
      el("tbody", {}, d.projects.map((p) => el("tr", {}, cols.map(([k]) => el("td", {}, fmt(p[k]))))))),
    el("h3", {}, t("open_rules")),
    el("table", { id: "open-rules" }, el("thead", {}, el("tr", {}, [t("rule"), t("severity"), t("n_projects"), t("findings")].map((h) => el("th", {}, h)))), el("tbody", {}, d.open_by_rule.map((r) => el("tr", {}, el("td", {}, r.rule), el("td", {}, t("sev_" + r.severity)), el("td", {}, r.projects), el("td", {}, r.findings))))));
}

async function route() {
  clearTimeout(poll);
  applyStatic();
  const parts = (location.hash || "#/").slice(2).split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "run" && parts[2] === "finding") await viewFinding(parts[1], parts[3]);
    else if (parts[0] === "run") await viewRun(parts[1], parts[2]);
    else if (parts[0] === "runs") await viewRuns();
    else if (parts[0] === "season") await viewSeason();
    else if (parts[0] === "templates") show(el("h1", {}, t("templates_title")), templatesBlock());
    else viewNew();
  } catch (err) {
    show(notice(err.message || String(err)));
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("lang").addEventListener("click", () => { lang = lang === "en" ? "zh" : "en"; localStorage.setItem("perfxl-lang", lang); route(); });
  try { session = await api("/api/session"); } catch (err) { show(notice(err.message)); return; }
  document.getElementById("version").textContent = "v" + session.version;
  document.getElementById("nav-season").hidden = !session.ledger;
  window.addEventListener("hashchange", route);
  route();
});
