/* The profit page's chart: fees, costs and profit month by month (ECharts).
   Reads its data from <script type="application/json" id="profit-chart-data">. */
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("profit-chart");
    var source = document.getElementById("profit-chart-data");
    if (!box || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    var number = function (list) { return list.map(function (v) { return Number(v); }); };
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.names.fee, data.names.cost, data.names.profit] },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value" },
      series: [
        { name: data.names.fee, type: "bar", data: number(data.fee) },
        { name: data.names.cost, type: "bar", data: number(data.cost) },
        { name: data.names.profit, type: "line", data: number(data.profit) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();
