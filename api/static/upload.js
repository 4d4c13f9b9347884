// The batches page: send the chosen scans to /api/uploads with the bytes going up shown, then
// follow the upload's ingest (GET /api/uploads/{id}) until it is done. Plain JS, no library.
"use strict";
(function () {
  const form = document.getElementById("upload");
  if (!form) return;
  const status = document.getElementById("upload-status");
  const button = document.getElementById("send");
  const states = { queued: "Trong hàng đợi", running: "Đang số hóa", done: "Xong", failed: "Lỗi" };
  const outcomes = { ingested: "đã số hóa", duplicate: "trùng, đã có", failed: "lỗi" };

  function show(html) { status.innerHTML = html; }
  function text(value) {
    const span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span.innerHTML;
  }
  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData();
    const chosen = [...document.getElementById("files").files, ...document.getElementById("folder").files];
    if (!chosen.length) { show('<p class="error">Hãy chọn tệp hoặc thư mục.</p>'); return; }
    let total = 0;
    for (const file of chosen) {
      data.append("files", file, file.webkitRelativePath || file.name);
      total += file.size;
    }
    if (total > Number(form.dataset.maxUpload)) {
      show('<p class="error">Quá lớn: ' + megabytes(total) + ' (tối đa ' + megabytes(Number(form.dataset.maxUpload)) + ').</p>');
      return;
    }
    const procedure = form.elements["procedure"].value;
    if (procedure) data.append("procedure", procedure);
    const request = new XMLHttpRequest();
    request.open("POST", "/api/uploads");
    request.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    request.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        const percent = Math.round((100 * e.loaded) / e.total);
        show('<p>Đang tải lên ' + chosen.length + ' tệp: <progress max="100" value="' + percent + '"></progress> ' + percent + "%</p>");
      }
    };
    request.onload = function () {
      button.disabled = false;
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { /* shown below */ }
      if (request.status !== 202) {
        const message = body.error ? body.error.message : request.statusText;
        show('<p class="error" role="alert">Không nhận được: ' + text(message) + "</p>");
        return;
      }
      follow(body.id);
    };
    request.onerror = function () {
      button.disabled = false;
      show('<p class="error" role="alert">Mất kết nối khi tải lên. Hãy thử lại.</p>');
    };
    button.disabled = true;
    request.send(data);
  });

  function follow(id) {
    fetch("/api/uploads/" + encodeURIComponent(id), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (progress) {
        render(progress);
        if (progress.state === "queued" || progress.state === "running") {
          setTimeout(function () { follow(id); }, 1000);
        }
      })
      .catch(function () { setTimeout(function () { follow(id); }, 3000); });
  }

  function render(p) {
    let html = '<p class="progress-line" data-state="' + text(p.state) + '"><strong>' + text(states[p.state] || p.state) + "</strong>";
    html += " · tệp " + p.files.done + "/" + p.files.total;
    html += ' · trang <progress max="' + Math.max(1, p.pages.total) + '" value="' + p.pages.done + '"></progress> ' + p.pages.done + "/" + p.pages.total;
    if (p.waiting) html += ' <span class="muted">(chờ: ' + text(p.waiting) + ")</span>";
    if (p.batch_id) html += ' · <a href="/batches/' + p.batch_id + '">lô #' + p.batch_id + "</a>";
    html += "</p>";
    if (p.error) html += '<p class="error" role="alert">' + text(p.error) + "</p>";
    if (p.documents.length) {
      html += '<ul class="outcomes">';
      for (const d of p.documents) {
        const link = d.id ? ' <a href="/documents/' + d.id + '">xem</a>' : "";
        html += '<li class="state-' + text(d.status) + '">' + text(d.name) + ": " + text(outcomes[d.status] || d.status) + link;
        if (d.error) html += ' <span class="error">' + text(d.error) + "</span>";
        html += "</li>";
      }
      html += "</ul>";
    }
    show(html);
  }
})();
