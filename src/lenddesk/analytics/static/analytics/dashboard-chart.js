/* The dashboards' chart. Reads <script type="application/json" id="dash-chart-data">:
   {kind: "bars" | "funnel", categories: [...], mean?: "12.5",
    series: [{name, type: "bar" | "line" | "funnel", axis?: 1, data: [...], links: [...]}]}
   Clicking a bar, a point or a funnel step opens the list behind it (links[i]). */
(function () {
  "use strict";

  function barsOption(data) {
    var twoAxes = data.series.some(function (s) { return s.axis === 1; });
    var many = data.categories.length > 6;
    var series = data.series.map(function (s) {
      var one = { name: s.name, type: s.type, data: s.data, yAxisIndex: s.axis === 1 ? 1 : 0 };
      if (s.type === "line") { one.symbolSize = 6; }
      return one;
    });
    if (data.mean !== undefined && series.length) {
      series[0].markLine = { symbol: "none", data: [{ yAxis: Number(data.mean), name: "" }] };
    }
    var yAxis = [{ type: "value" }];
    if (twoAxes) { yAxis.push({ type: "value", splitLine: { show: false } }); }
    return {
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 8, bottom: many ? 24 : 8, top: 40, containLabel: true },
      xAxis: { type: "category", data: data.categories,
               axisLabel: { rotate: many ? 30 : 0, hideOverlap: true } },
      yAxis: yAxis,
      dataZoom: data.categories.length > 31 ? [{ type: "inside" }] : [],
      series: series
    };
  }

  function funnelOption(data) {
    /* The funnel's steps as horizontal bars, first step on top: the counts of
       different things (customers, follow-ups …) need not shrink step by step. */
    var s = data.series[0];
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      grid: { left: 8, right: 48, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.categories },
      series: [{
        name: s.name, type: "bar", data: s.data, barMaxWidth: 28,
        label: { show: true, position: "right" },
        itemStyle: { borderRadius: [0, 4, 4, 0] }
      }]
    };
  }

  function draw() {
    var box = document.getElementById("dash-chart");
    var source = document.getElementById("dash-chart-data");
    if (!box || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    chart.setOption(data.kind === "funnel" ? funnelOption(data) : barsOption(data));
    chart.on("click", function (params) {
      var s = data.series[params.seriesIndex];
      var url = s && s.links ? s.links[params.dataIndex] : "";
      if (url) { window.location.href = url; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();
