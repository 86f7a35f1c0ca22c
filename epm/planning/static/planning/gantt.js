/* The Gantt chart page (R17).
 *
 * frappe-gantt draws the bars, the arrows and the time scale. This script adds what it lacks:
 * the WBS list beside the chart, critical / summary / milestone styling, baseline bars under
 * the current ones, a today line, zoom buttons and dragging that the server schedules.
 *
 * The dates shown are always the server's: a drag sends the new start (moved bar) or finish
 * (dragged end) to the API, which recomputes the schedule and answers with the whole chart;
 * the chart is redrawn from it and the tasks that moved are highlighted for a moment. A
 * refusal is shown as a message and the stored dates are loaded again.
 */
(function () {
  "use strict";

  const BAR_HEIGHT = 22;
  const PADDING = 16;
  const ROW = BAR_HEIGHT + PADDING;
  const UPPER_HEADER = 45;
  const LOWER_HEADER = 30;
  const HEADER = UPPER_HEADER + LOWER_HEADER + 10; // what frappe-gantt adds up to
  const MAX_HEIGHT = 720;
  const HIGHLIGHT_MS = 2500;

  const app = document.getElementById("gantt-app");
  const source = document.getElementById("gantt-data");
  if (!app || !source || typeof window.Gantt === "undefined") return;

  const listEl = document.getElementById("gantt-list");
  const chartEl = document.getElementById("gantt-chart");
  const messageEl = document.getElementById("gantt-message");
  const csrf = app.dataset.csrf;
  const initial = JSON.parse(source.textContent);
  const urls = initial.urls;
  const text = initial.text;

  let chart = initial; // the data last received from the server
  let rowsById = new Map();
  let pending = null; // the change the mouse is making: {id, start, finish}
  let busy = false;
  let movedIds = new Set();
  let highlightTimer = null;

  // --- helpers ---------------------------------------------------------------------------------

  const escapeHtml = (value) =>
    String(value).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);

  /** A YYYY-MM-DD string as local midnight (frappe-gantt works in local time). */
  function localDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(y, m - 1, d);
  }

  function addDays(date, n) {
    const copy = new Date(date.getTime());
    copy.setDate(copy.getDate() + n);
    return copy;
  }

  function isoDate(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  function svg(tag, attrs, parent) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    if (parent) parent.appendChild(el);
    return el;
  }

  function showMessage(kind, message) {
    messageEl.className = `alert alert-${kind} m-2`;
    messageEl.textContent = message;
    messageEl.hidden = false;
  }

  /** frappe-gantt's tasks. Dates are passed as local Date objects: its bars read `start` and
   * `end` with `new Date(...)`, which would take a bare ISO date as UTC midnight, and `end` is
   * exclusive, so a task finishing on the 3rd ends at midnight starting the 4th. */
  function frappeTasks(rows) {
    return rows.map((row) => ({
      id: String(row.id),
      name: escapeHtml(row.name), // frappe-gantt writes names with innerHTML
      start: localDate(row.start),
      end: addDays(localDate(row.finish), 1),
      progress: row.kind === "summary" || row.kind === "milestone" ? 0 : row.progress,
      dependencies: row.dependencies,
    }));
  }

  // --- the WBS list beside the chart -----------------------------------------------------------

  function renderList() {
    listEl.replaceChildren();
    const head = document.createElement("div");
    head.className = "epm-gantt-list-head";
    head.textContent = text.task;
    listEl.appendChild(head);
    for (const row of chart.tasks) {
      const line = document.createElement("div");
      line.className = "epm-gantt-row";
      line.dataset.testid = "gantt-row";
      line.dataset.id = row.id;
      if (row.critical) line.classList.add("is-critical");
      if (row.kind === "summary") line.classList.add("is-summary");
      line.style.paddingLeft = `${0.5 + (row.depth - 1) * 1.1}rem`;
      line.title = `${row.outline} ${row.name}`;
      const outline = document.createElement("span");
      outline.className = "epm-gantt-outline";
      outline.textContent = row.outline;
      const name = document.createElement("span");
      name.className = "epm-gantt-name";
      name.textContent = (row.kind === "milestone" ? "◆ " : "") + row.name;
      line.append(outline, name);
      line.addEventListener("click", () => gantt.set_scroll_position(localDate(row.start)));
      listEl.appendChild(line);
    }
  }

  function syncListScroll() {
    const container = chartEl.querySelector(".gantt-container");
    if (container) listEl.scrollTop = container.scrollTop;
  }

  // --- what frappe-gantt does not draw ---------------------------------------------------------

  /** x and width of the days [start, end) as frappe-gantt would draw a bar over them (its own
   * arithmetic, borrowed from a bar, so baselines line up in every zoom). */
  function span(gantt, start, end) {
    const proto = Object.getPrototypeOf(gantt.bars[0]);
    const probe = {gantt, task: {_start: start, _end: end}};
    proto.compute_x.call(probe);
    proto.compute_duration.call(probe);
    return {x: probe.x, width: probe.duration * gantt.config.column_width};
  }

  function styleBars(gantt) {
    for (const bar of gantt.bars) {
      const row = rowsById.get(bar.task.id);
      if (!row) continue;
      bar.group.classList.add(...row.classes.map((c) => `epm-${c}`));
      if (movedIds.has(bar.task.id)) bar.group.classList.add("epm-moved");
      const rect = bar.$bar;
      if (row.kind === "summary") {
        // A summary follows its subtasks: a thin bar that cannot be dragged.
        bar.handle_group.replaceChildren();
        for (const el of [rect, bar.$bar_progress]) {
          if (!el) continue;
          el.setAttribute("y", bar.y + BAR_HEIGHT * 0.3);
          el.setAttribute("height", BAR_HEIGHT * 0.4);
        }
      } else if (row.kind === "milestone") {
        const size = BAR_HEIGHT * 0.7;
        rect.querySelectorAll("animate").forEach((a) => a.remove());
        rect.setAttribute("x", bar.x + (bar.width - size) / 2);
        rect.setAttribute("y", bar.y + (BAR_HEIGHT - size) / 2);
        rect.setAttribute("width", size);
        rect.setAttribute("height", size);
        bar.handle_group.querySelectorAll(".handle.left, .handle.right").forEach((h) => h.remove());
        bar.update_label_position();
        for (const arrow of bar.arrows || []) arrow.update();
      }
    }
  }

  function drawBaselines(gantt, layer) {
    for (const bar of gantt.bars) {
      const row = rowsById.get(bar.task.id);
      if (!row || !row.baseline_start || !row.baseline_finish) continue;
      const {x, width} = span(gantt, localDate(row.baseline_start), addDays(localDate(row.baseline_finish), 1));
      const y = bar.y + BAR_HEIGHT + 3;
      let mark;
      if (row.kind === "milestone") {
        const cx = x + width / 2;
        mark = svg("path", {d: `M${cx},${y - 1} l4,3 l-4,3 l-4,-3 z`, class: "epm-baseline-bar milestone"}, layer);
      } else {
        mark = svg("rect", {x, y, width: Math.max(width, 2), height: 4, rx: 1, class: "epm-baseline-bar"}, layer);
      }
      mark.dataset.id = row.id;
      svg("title", {}, mark).textContent = `${text.baseline}: ${row.baseline_start} – ${row.baseline_finish}`;
    }
  }

  function drawDayLine(gantt, layer, iso, className) {
    const day = localDate(iso);
    if (day < gantt.gantt_start || day > gantt.gantt_end) return;
    const {x} = span(gantt, day, addDays(day, 1));
    const line = svg("line", {x1: x, x2: x, y1: gantt.config.header_height, y2: gantt.grid_height, class: className}, layer);
    line.dataset.testid = className;
  }

  function decorate(gantt) {
    if (!gantt.bars || !gantt.bars.length) return;
    styleBars(gantt);
    const layer = svg("g", {class: "epm-extras"});
    gantt.$svg.insertBefore(layer, gantt.layers.arrow);
    drawBaselines(gantt, layer);
    drawDayLine(gantt, layer, chart.today, "epm-today");
    if (chart.deadline_on) drawDayLine(gantt, layer, chart.deadline_on, "epm-deadline");
  }

  class Chart extends window.Gantt {
    render() {
      super.render();
      decorate(this);
    }
  }

  // --- the chart --------------------------------------------------------------------------------

  function popup(ctx) {
    const row = rowsById.get(ctx.task.id);
    if (!row) return false;
    ctx.set_title(escapeHtml(`${row.outline} ${row.name}`));
    ctx.set_subtitle(escapeHtml(`${row.start} – ${row.finish}`));
    const lines = [];
    if (row.kind !== "milestone") lines.push(`${text.duration}: ${row.duration_days} ${text.days}`);
    if (row.kind === "task") lines.push(`${text.progress}: ${row.progress}%`);
    if (row.total_float !== null) lines.push(`${text.total_float}: ${row.total_float} ${text.days}`);
    if (row.critical) lines.push(text.critical);
    if (row.baseline_start) lines.push(`${text.baseline}: ${row.baseline_start} – ${row.baseline_finish}`);
    if (row.work_products.length) lines.push(`${text.work_products}: ${row.work_products.join("、")}`);
    ctx.set_details(lines.map(escapeHtml).join("<br>"));
  }

  function scrollTarget() {
    const starts = chart.tasks.map((t) => t.start).sort();
    const finishes = chart.tasks.map((t) => t.finish).sort();
    const inside = starts.length && starts[0] <= chart.today && chart.today <= finishes[finishes.length - 1];
    return inside ? "today" : "start";
  }

  /** Days for a schedule of a few weeks, weeks beyond (a year in days is 11,000 pixels). */
  function defaultView() {
    if (!chart.tasks.length) return "Day";
    const first = chart.tasks.map((t) => t.start).sort()[0];
    const last = chart.tasks.map((t) => t.finish).sort().pop();
    return (localDate(last) - localDate(first)) / 86400000 > 90 ? "Week" : "Day";
  }

  function setRows(data) {
    chart = data;
    rowsById = new Map(chart.tasks.map((row) => [String(row.id), row]));
    app.classList.toggle("is-readonly", !chart.editable);
  }

  setRows(initial);
  const rowsHeight = HEADER + PADDING + ROW * chart.tasks.length;
  const height = rowsHeight > MAX_HEIGHT ? MAX_HEIGHT : "auto";
  app.style.setProperty("--epm-gantt-row", `${ROW}px`);
  app.style.setProperty("--epm-gantt-header", `${HEADER}px`);
  if (height !== "auto") app.style.setProperty("--epm-gantt-height", `${height}px`);

  // Weeks read "12/7": frappe-gantt's "7 Dec - 13" comes out as "07 12月 - 13" in Chinese.
  const viewModes = window.Gantt.VIEW_MODE;
  const language = document.documentElement.lang || "en";
  const week = {...viewModes.WEEK, lower_text: (d) => `${d.getMonth() + 1}/${d.getDate()}`};
  // frappe-gantt's own month view places bars by an approximate count of months (a task can
  // appear to start before its predecessor); this one is days four pixels wide, exact. Every
  // day gets a (blank) label because frappe-gantt finds today's column by its label.
  const month = {
    name: "Month",
    padding: "1m",
    step: "1d",
    column_width: 4,
    date_format: "YYYY-MM-DD",
    lower_text: (d) => (d.getDate() === 1 ? d.toLocaleDateString(language, {month: "short"}) : " "),
    upper_text: (d, ld) => (!ld || d.getFullYear() !== ld.getFullYear() ? String(d.getFullYear()) : ""),
    thick_line: (d) => d.getDate() === 1,
    snap_at: "1d",
  };

  const gantt = new Chart(chartEl, frappeTasks(chart.tasks), {
    view_modes: [viewModes.DAY, week, month],
    view_mode: defaultView(),
    language,
    bar_height: BAR_HEIGHT,
    padding: PADDING,
    upper_header_height: UPPER_HEADER,
    lower_header_height: LOWER_HEADER,
    container_height: height,
    readonly: !chart.editable,
    readonly_progress: true,
    move_dependencies: false, // the server moves the successors
    today_button: false,
    view_mode_select: false,
    scroll_to: scrollTarget(),
    popup,
    on_view_change: (mode) => app.classList.toggle("is-month", mode.name === "Month"),
    on_date_change: (task, start, end) => {
      pending = {id: task.id, start: isoDate(start), finish: isoDate(end)};
    },
  });
  renderList();

  const container = chartEl.querySelector(".gantt-container");
  container.addEventListener("scroll", syncListScroll, {passive: true});

  // A summary cannot be dragged: stop the press before frappe-gantt sees it.
  gantt.$svg.addEventListener(
    "mousedown",
    (event) => {
      if (busy || (event.target.closest && event.target.closest(".bar-wrapper.epm-summary"))) {
        event.stopPropagation();
      }
    },
    true,
  );

  // --- talking to the server --------------------------------------------------------------------

  function redraw(data, moved) {
    setRows(data);
    movedIds = new Set(moved.map(String));
    gantt.setup_tasks(frappeTasks(chart.tasks));
    gantt.change_view_mode(undefined, true);
    renderList();
    syncListScroll();
    clearTimeout(highlightTimer);
    highlightTimer = setTimeout(() => {
      movedIds = new Set();
      chartEl.querySelectorAll(".epm-moved").forEach((el) => el.classList.remove("epm-moved"));
    }, HIGHLIGHT_MS);
  }

  async function request(url, options) {
    const response = await fetch(url, {credentials: "same-origin", ...options});
    let body = {};
    try {
      body = await response.json();
    } catch (_error) {
      body = {};
    }
    if (!response.ok) throw Object.assign(new Error(body.message || text.failed), {body});
    return body;
  }

  async function reload() {
    try {
      redraw(await request(urls.chart, {headers: {Accept: "application/json"}}), []);
    } catch (error) {
      showMessage("danger", error.message);
    }
  }

  /** What to send for a drag: a moved bar keeps its working-day duration (start only), a
   * dragged right end changes the duration (finish only), a dragged left end both. */
  function dragPayload(change) {
    const row = rowsById.get(change.id);
    if (!row) return null;
    const startMoved = change.start !== row.start;
    const finishMoved = change.finish !== row.finish;
    const payload = {task_id: row.id, revision: chart.revision};
    if (row.kind === "milestone" || (startMoved && finishMoved)) {
      if (!startMoved) return null;
      payload.start = change.start;
    } else if (startMoved) {
      payload.start = change.start;
      payload.finish = change.finish;
    } else if (finishMoved) {
      payload.finish = change.finish;
    } else {
      return null;
    }
    return payload;
  }

  async function send(change) {
    const payload = dragPayload(change);
    if (!payload) return;
    busy = true;
    app.classList.add("is-busy");
    showMessage("info", text.saving);
    try {
      const body = await request(urls.drag, {
        method: "POST",
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify(payload),
      });
      const moved = body.moved.map((m) => m.task_id);
      redraw(body.chart, moved);
      showMessage("success", moved.length ? text.saved : text.unchanged);
    } catch (error) {
      showMessage("danger", error.message);
      await reload();
    } finally {
      busy = false;
      app.classList.remove("is-busy");
    }
  }

  // frappe-gantt reports date changes while the mouse moves; send the last one on release.
  document.addEventListener("mouseup", () => {
    if (!pending) return;
    const change = pending;
    pending = null;
    send(change);
  });

  // --- zoom and today ---------------------------------------------------------------------------

  const zoomButtons = document.querySelectorAll("[data-view]");
  function markZoom(mode) {
    zoomButtons.forEach((b) => b.classList.toggle("active", b.dataset.view === mode));
  }
  zoomButtons.forEach((button) =>
    button.addEventListener("click", () => {
      gantt.change_view_mode(button.dataset.view);
      markZoom(button.dataset.view);
      syncListScroll();
    }),
  );
  markZoom(gantt.options.view_mode);
  document.querySelector("[data-today]")?.addEventListener("click", () => gantt.scroll_current());
  app.dataset.ready = "true";
})();
