/* 统计分析 chart: reported / finished / on time per area (ECharts from the portal's static files). */
(function () {
  "use strict";
  var holder = document.getElementById("stat-data"), el = document.getElementById("chart-stat");
  if (!holder || !el || !window.echarts) { return; }
  var d = JSON.parse(holder.textContent), chart = window.echarts.init(el);
  chart.setOption({ tooltip: { trigger: "axis" }, legend: { data: ["上报数", "办结数", "按期办结数"] },
    grid: { left: 40, right: 20, top: 30, bottom: 30 }, xAxis: { type: "category", data: d.names },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "上报数", type: "bar", data: d.reported }, { name: "办结数", type: "bar", data: d.finished },
             { name: "按期办结数", type: "bar", data: d.on_time }] });
  el.dataset.rendered = "1";
}());
