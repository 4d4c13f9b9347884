// The document page: once it shows, fetch the records most like it (their own page,
// /documents/{id}/similar) and put their list at the foot of this one.
"use strict";
(function () {
  const slot = document.getElementById("tuong-tu");
  if (!slot || !slot.dataset.src) return;
  fetch(slot.dataset.src, { headers: { Accept: "text/html" } })
    .then(function (response) { return response.ok ? response.text() : ""; })
    .then(function (html) {
      const found = new DOMParser().parseFromString(html, "text/html").getElementById("tuong-tu");
      if (!found || !found.querySelector("li")) return;
      slot.replaceChildren(...found.childNodes);
      slot.hidden = false;
    })
    .catch(function () { /* the link above still leads there */ });
})();
