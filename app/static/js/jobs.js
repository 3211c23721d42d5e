/* 我的任务: poll running jobs and update their progress bars; reload when one finishes. */
(function () {
  "use strict";
  var rows = document.querySelectorAll(".js-job");
  function poll(row) {
    fetch(row.dataset.statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
      var bar = row.querySelector(".js-job-bar");
      bar.style.width = job.percent + "%";
      bar.textContent = job.percent + "%";
      row.querySelector(".js-job-status").textContent = job.status;
      if (job.status === "已完成" || job.status === "失败") { window.location.reload(); return; }
      window.setTimeout(function () { poll(row); }, 1000);
    });
  }
  rows.forEach(function (row) { if (row.dataset.status === "待处理" || row.dataset.status === "进行中") { poll(row); } });
}());
