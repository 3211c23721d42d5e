/* Registry list page: selection, delete confirmation, export of ticked rows, import dialog. */
(function () {
  "use strict";
  var root = document.querySelector(".registry");
  if (!root) { return; }
  function ticked() { return Array.prototype.filter.call(document.querySelectorAll(".js-row"), function (c) { return c.checked; }); }
  var all = document.querySelector(".js-check-all");
  if (all) { all.addEventListener("change", function () { document.querySelectorAll(".js-row").forEach(function (c) { c.checked = all.checked; }); }); }
  document.querySelectorAll(".js-autosubmit").forEach(function (el) { el.addEventListener("change", function () { el.form.submit(); }); });
  function confirmDelete(keys) { return window.confirm('是否确认删除编号为"' + keys.join("、") + '"的数据项？'); }
  var form = document.getElementById("bulk-form");
  var del = document.querySelector(".js-delete-selected");
  if (del) {
    del.addEventListener("click", function () {
      var rows = ticked();
      if (!rows.length) { window.alert("请至少选择一条数据"); return; }
      if (confirmDelete(rows.map(function (r) { return r.dataset.key; }))) { form.submit(); }
    });
  }
  document.querySelectorAll(".js-delete-one").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      if (!confirmDelete([a.dataset.key])) { return; }
      document.querySelectorAll(".js-row").forEach(function (c) { c.checked = c.value === a.dataset.pk; });
      form.submit();
    });
  });
  var edit = document.querySelector(".js-edit-selected");
  if (edit) {
    edit.addEventListener("click", function () {
      var rows = ticked();
      if (rows.length !== 1) { window.alert("请选择一条数据进行修改"); return; }
      window.location = edit.dataset.editUrl + rows[0].value;
    });
  }
  var exp = document.querySelector(".js-export");
  if (exp) {
    exp.addEventListener("click", function (ev) {
      var rows = ticked();
      if (!rows.length) { return; }
      ev.preventDefault();
      window.location = exp.href + rows.map(function (r) { return "&ids=" + r.value; }).join("");
    });
  }
  var importForm = document.getElementById("import-form");
  if (!importForm) { return; }
  var fileInput = importForm.querySelector(".js-file");
  var drop = importForm.querySelector(".js-drop");
  var chosen = null;
  function setFile(f) { chosen = f; importForm.querySelector(".js-file-name").textContent = f ? f.name : ""; }
  fileInput.addEventListener("change", function () { setFile(fileInput.files[0]); });
  ["dragover", "dragenter"].forEach(function (n) { drop.addEventListener(n, function (ev) { ev.preventDefault(); drop.classList.add("dragging"); }); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("dragging"); });
  drop.addEventListener("drop", function (ev) { ev.preventDefault(); drop.classList.remove("dragging"); setFile(ev.dataTransfer.files[0]); });
  importForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var result = importForm.querySelector(".js-result");
    var report = importForm.querySelector(".js-error-report");
    if (!chosen) { window.alert("请选择要导入的文件"); return; }
    if (!/\.(xls|xlsx)$/i.test(chosen.name)) { window.alert("仅允许导入xls、xlsx格式文件"); return; }
    var data = new FormData(importForm);
    data.set("file", chosen);
    var progress = importForm.querySelector(".js-progress");
    progress.classList.remove("hidden"); result.classList.add("hidden"); report.classList.add("hidden");
    var bar = progress.querySelector(".progress-bar");
    function show(body) {
      progress.classList.add("hidden");
      result.textContent = body.message || "";
      result.classList.remove("hidden");
      if (body.error_report) { report.href = body.error_report; report.classList.remove("hidden"); }
    }
    function follow(url) {   // a large file is imported by a background job: show its progress
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
        bar.style.width = Math.max(job.percent, 5) + "%";
        bar.textContent = "正在导入… " + job.percent + "%";
        if (job.status === "已完成" || job.status === "失败") { show(job); return; }
        window.setTimeout(function () { follow(url); }, 1000);
      });
    }
    fetch(root.dataset.importUrl, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": data.get("csrf_token") } })
      .then(function (r) { return r.json().catch(function () { return { message: "导入失败（HTTP " + r.status + "）" }; }); })
      .then(function (body) {
        if (body.status_url) { follow(body.status_url); return; }
        show(body);
      });
  });
  if (window.jQuery) {   // Bootstrap 3 fires its modal events through jQuery
    window.jQuery("#import-dialog").on("hidden.bs.modal", function () { window.location.reload(); });
  }
}());
