/* The call statistics chart: calls and connected per day (bars), connect rate (line).
   Reads its data from <script type="application/json" id="call-chart-data">. */
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("call-chart");
    var source = document.getElementById("call-chart-data");
    if (!box || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.names.calls, data.names.connected, data.names.rate] },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: data.days },
      yAxis: [{ type: "value" }, { type: "value", max: 100 }],
      series: [
        { name: data.names.calls, type: "bar", data: data.calls },
        { name: data.names.connected, type: "bar", data: data.connected },
        { name: data.names.rate, type: "line", yAxisIndex: 1, data: data.rate }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();
