/* Performance charts: completion rates per person (one metric at a time, switched by
   a <select data-chart-switch>) and the ranking bars. Each reads its data from a
   <script type="application/json" id="<chart id>-data">. */
(function () {
  "use strict";
  function data(id) {
    var source = document.getElementById(id + "-data");
    return source ? JSON.parse(source.textContent) : null;
  }
  function completion() {
    var box = document.getElementById("completion-chart");
    var d = data("completion-chart");
    if (!box || !d || !window.echarts) { return; }
    var chart = window.echarts.init(box);
    function show(index) {
      var metric = d.metrics[index];
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        grid: { left: 8, right: 8, bottom: 8, top: 24, containLabel: true },
        xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: d.names.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", name: d.axis },
        series: [{ name: metric.label, type: "bar", data: metric.rates,
                   markLine: { silent: true, symbol: "none", data: [{ yAxis: 100 }] } }]
      }, true);
    }
    var picker = document.querySelector('[data-chart-switch="completion-chart"]');
    if (picker) { picker.addEventListener("change", function () { show(+picker.value); }); }
    show(0);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function ranking() {
    var box = document.getElementById("ranking-chart");
    var d = data("ranking-chart");
    if (!box || !d || !window.echarts) { return; }
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: d.names },
      series: [{ name: d.label, type: "bar", data: d.values, label: { show: true, position: "right" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw() { completion(); ranking(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();
