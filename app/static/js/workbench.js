/* 首页 charts, drawn with ECharts served from the portal itself (no CDN). */
(function () {
  "use strict";
  var holder = document.getElementById("workbench-data");
  if (!holder || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.rendered = "1";
  }
  function pie(pairs) {
    return { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"],
      data: pairs.map(function (p) { return { name: p[0], value: p[1] }; }) }] };
  }
  function bars(pairs, horizontal) {
    var names = pairs.map(function (p) { return p[0]; }), values = pairs.map(function (p) { return p[1]; });
    var cat = { type: "category", data: names }, val = { type: "value", minInterval: 1 };
    return { tooltip: {}, grid: { left: 90, right: 20, top: 20, bottom: 30 },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? cat : val, series: [{ type: "bar", data: values }] };
  }
  draw("chart-state", pie(data.by_state));
  draw("chart-source", pie(data.by_source));
  draw("chart-area", bars(data.by_area, false));
  draw("chart-overdue", bars(data.overdue_by_unit, true));
  draw("chart-trend", { tooltip: { trigger: "axis" }, legend: { data: ["新增", "办结"] },
    grid: { left: 40, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "category", data: data.trend.days.map(function (d) { return d.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "新增", type: "line", data: data.trend["new"] }, { name: "办结", type: "line", data: data.trend.finished }] });
}());
